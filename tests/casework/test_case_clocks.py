"""The administrative case's own clocks: the filing decision (15 working days) and the case decision
(90 days from 立案, 行政处罚法 Art. 60) with the head's and the collective extension."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import chinese_calendar
import pytest
from django.utils import timezone

from agencies.models import AuditEvent
from casework import case_clocks
from casework.models import Deadline, DeadlineStatus
from demo.stories import CLOSED, INVESTIGATING, LEAD, PENDING_DECISION, PENDING_FILING, SENT

pytestmark = pytest.mark.django_db


def clock(case, code) -> Deadline | None:
    return Deadline.objects.filter(case=case, target_type="casework.case", target_id=str(case.pk), code=code).first()


def test_a_registered_lead_must_be_decided_on_within_fifteen_working_days(tell):
    case = tell(LEAD, title="十五个工作日内决定是否立案")
    filing = clock(case, case_clocks.FILING)
    assert filing.status == DeadlineStatus.RUNNING and filing.agency == case.agency
    assert (filing.amount, filing.unit, filing.started_at) == (15, "working_days", case.registered_at)
    assert clock(case, case_clocks.DECISION) is None


def test_fifteen_working_days_are_counted_on_the_holiday_calendar():
    """From Monday 2026-09-28 across National Day: counted with chinese-calendar, independently of the clock's code."""
    from casework.clocks import compute_due

    start = timezone.make_aware(datetime(2026, 9, 28, 10, 0))
    due = compute_due(started_at=start, amount=15, unit="working_days").at
    due_day = timezone.localtime(due).date()
    days = [date(2026, 9, 28) + timedelta(days=n) for n in range(1, (due_day - date(2026, 9, 28)).days + 1)]
    assert sum(chinese_calendar.is_workday(day) for day in days) == 15 and chinese_calendar.is_workday(due_day)
    assert timezone.localtime(due).time() == time(23, 59, 59)


def test_filing_meets_the_filing_clock_and_starts_ninety_days_to_decide(tell, settings):
    settings.LIANBAN_CALENDAR_DAY_HOLIDAY_ROLLOVER = False
    case = tell(INVESTIGATING, title="立案后九十日内作出决定")
    assert clock(case, case_clocks.FILING).status == DeadlineStatus.MET
    decision = clock(case, case_clocks.DECISION)
    assert decision.status == DeadlineStatus.RUNNING and decision.legal_basis == "《中华人民共和国行政处罚法》第六十条"
    filed_day = timezone.localtime(case.filed_at).date()
    assert timezone.localtime(decision.due_at) == timezone.make_aware(datetime.combine(filed_day + timedelta(days=90), time(23, 59, 59)))


def test_a_lead_closed_unfiled_meets_its_filing_clock_and_gets_no_decision_clock(cast, tell):
    from casework import services

    case = tell(PENDING_FILING, title="不予立案的线索")
    services.case_file(case=case, user=cast.user("msb_chief"), approve=False, opinion="不符合立案条件。")
    assert clock(case, case_clocks.FILING).status == DeadlineStatus.MET
    assert clock(case, case_clocks.DECISION) is None


@pytest.mark.parametrize("stage", [SENT, CLOSED])
def test_the_decision_clock_is_met_by_a_transfer_or_a_recorded_outcome(tell, stage):
    """移送司法机关 is a decision (行政处罚法 Art. 57(4)); so is the penalty decision recorded after administrative handling."""
    case = tell(stage, title=f"已作出处理决定{stage}")
    assert clock(case, case_clocks.DECISION).status == DeadlineStatus.MET


def test_the_head_extends_by_thirty_days_then_the_collective_by_sixty_at_most(cast, tell, login):
    case = tell(PENDING_DECISION, title="案情复杂需要延期的案件")
    decision = clock(case, case_clocks.DECISION)
    head = login("msb_head")
    url = f"/cases/{case.pk}/extend-decision/"
    assert url in head.get(f"/cases/{case.pk}/").content.decode()

    before_collective = head.post(url, {"extension": "collective", "reason": "案情重大。", "studied_on": timezone.localdate().isoformat()})
    assert "继续延长须先经负责人批准延长" in before_collective.content.decode()
    assert clock(case, case_clocks.DECISION).due_at == decision.due_at

    assert head.post(url, {"extension": "head", "reason": "需调取异地病历。"}).status_code == 302
    first = clock(case, case_clocks.DECISION)
    assert timezone.localtime(first.due_at).date() >= timezone.localtime(decision.due_at).date() + timedelta(days=30)

    undated = head.post(url, {"extension": "collective", "reason": "涉案人员众多。"})
    assert "请填写负责人集体讨论的日期" in undated.content.decode()
    assert head.post(url, {"extension": "collective", "reason": "涉案人员众多。", "studied_on": timezone.localdate().isoformat()}).status_code == 302
    second = clock(case, case_clocks.DECISION)
    assert timezone.localtime(second.due_at).date() >= timezone.localtime(first.due_at).date() + timedelta(days=60)
    assert [e.new_due_at for e in second.extensions.order_by("id")] == [first.due_at, second.due_at]
    assert AuditEvent.objects.filter(target_id=str(case.pk), verb="case.decision_extended").count() == 2

    assert url not in head.get(f"/cases/{case.pk}/").content.decode()  # both extensions used
    assert head.get(url).status_code == 403


def test_an_officer_may_not_extend_and_nothing_changes(cast, tell, login):
    case = tell(PENDING_DECISION, title="承办人不能自行延期")
    due = clock(case, case_clocks.DECISION).due_at
    officer = login("msb_officer")
    assert f"/cases/{case.pk}/extend-decision/" not in officer.get(f"/cases/{case.pk}/").content.decode()
    assert officer.post(f"/cases/{case.pk}/extend-decision/", {"extension": "head", "reason": "想延期。"}).status_code == 403
    assert clock(case, case_clocks.DECISION).due_at == due and not clock(case, case_clocks.DECISION).extensions.exists()
