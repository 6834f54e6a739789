"""登记书面答复: a handoff entered by hand from paper (tests/casework/test_intake_sources.py) starts its
source's clock about the case; its reply goes out on paper too, and recording that reply on the case
page meets the clock — on time or late by the reply's date — so run_clocks opens no 超期督办 for it.

Registration is fixed as in test_intake_sources: received Friday 2026-09-25, so the clocks fall due
on the holiday calendar's days listed there (OWN_CLOCK); replies are dated on the due day (on time)
and on the next day (late). The suite runs after all of them (2026-12), so none is in the future.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from agencies.models import AuditEvent
from casework import case_clocks
from casework.models import Case, CaseSource, Deadline, DeadlineStatus, EscalationProcess
from casework.source_clocks import HANDOFF_SOURCES, REPLY_CLOCK
from tests.casework.test_intake_sources import OWN_CLOCK, RECEIVED, end_of, register

pytestmark = pytest.mark.django_db

NUMBER = {
    CaseSource.POLICE: "镇医保函〔2026〕31号",
    CaseSource.PROCURATORATE: "镇医保函〔2026〕32号",
    CaseSource.ASSIGNED: "镇医保报〔2026〕5号",
    CaseSource.FLYING: "镇医保报〔2026〕6号",
    CaseSource.HANDLING_AGENCY: "镇医保告〔2026〕7号",
}


def start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def page_url(case) -> str:
    return reverse("cases:source_reply", args=[case.pk])


def handoff(client, source=CaseSource.POLICE) -> Case:
    response = register(client, source, incoming_number="镇公（经）反移字〔2026〕4号")
    assert response.status_code == 302, response.content.decode()[:2000]
    return Case.objects.latest("pk")


def reply_clock(case) -> Deadline:
    return Deadline.objects.about(case).get(code=REPLY_CLOCK)


def reply(client, case, day: date, number: str = "镇医保函〔2026〕31号", **extra):
    return client.post(page_url(case), {"step": "reply", "replied_on": day.isoformat(), "reply_number": number, **extra})


def run_clocks():
    call_command("run_clocks", "--once", stdout=open("/dev/null", "w"))


def state(case) -> tuple:
    clock = reply_clock(case)
    return (clock.status, clock.met_at, clock.breached_at, AuditEvent.objects.filter(verb="case.source_replied").count(),
            AuditEvent.objects.filter(verb="clock.met").count())


@pytest.mark.parametrize("late", [False, True], ids=["on-time", "late"])
@pytest.mark.parametrize("source", sorted(HANDOFF_SOURCES))
def test_a_paper_reply_meets_the_sources_clock_and_run_clocks_opens_no_escalation_for_it(cast, login, source, late):
    officer = login("msb_officer")
    case = handoff(officer, source)
    due = OWN_CLOCK[source][3]
    clock = reply_clock(case)
    assert clock.due_at == end_of(due)
    page = officer.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="source-reply"' in page and f"登记书面答复（{clock.title}）" in page
    form = officer.get(page_url(case)).content.decode()
    assert 'data-testid="source-reply-form"' in form and "data-lb-confirm=" in form and "不能撤回" in form

    day = due + timedelta(days=1) if late else due  # the due day itself is on time: a clock ends at the end of its day
    response = reply(officer, case, day, NUMBER[source], note="机要邮寄，对方已签收")
    assert response.status_code == 302 and response["Location"] == page_url(case)

    clock.refresh_from_db()
    assert clock.met_at == start_of(day)
    if late:  # kept as a breach with the day the duty was done: the statistics count it late
        assert clock.status == DeadlineStatus.BREACHED and clock.breached_at == clock.due_at
    else:
        assert clock.status == DeadlineStatus.MET and clock.breached_at is None
    event = AuditEvent.objects.get(verb="case.source_replied")
    assert event.thread == f"case:{case.pk}" and event.actor == cast.user("msb_officer")
    assert NUMBER[source] in event.summary and f"{day:%Y-%m-%d}" in event.summary and "机要邮寄" in event.summary
    assert ("超期办结" if late else "按期办结") in event.summary
    assert event.data["reply_number"] == NUMBER[source] and event.data["late"] is late

    run_clocks()  # the suite runs after every due date: the filing clock is breached, the replied one is not
    assert not EscalationProcess.objects.filter(deadline=clock).exists()
    assert EscalationProcess.objects.filter(deadline__case=case, deadline__code=case_clocks.FILING).exists()
    clock.refresh_from_db()
    assert clock.met_at == start_of(day) and clock.status == (DeadlineStatus.BREACHED if late else DeadlineStatus.MET)
    page = officer.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="source-reply"' not in page and f"{day:%Y-%m-%d} 00:00 办结" in page
    assert "该期限已办结" in officer.get(page_url(case)).content.decode()


def test_without_the_reply_the_clock_is_escalated_and_a_reply_entered_after_that_still_records_its_day(cast, login):
    """The defect this closes: unreplied, the worker breaches the clock. A reply sent in time and entered
    only afterwards clears the breach; the date decides, not the day it was typed in."""
    officer = login("msb_officer")
    on_time, late = handoff(officer), handoff(officer, CaseSource.ASSIGNED)
    run_clocks()
    for case in (on_time, late):
        assert reply_clock(case).status == DeadlineStatus.BREACHED
        assert EscalationProcess.objects.filter(deadline=reply_clock(case)).exists()
    assert reply(officer, on_time, date(2026, 10, 21)).status_code == 302
    assert reply(officer, late, date(2026, 11, 20), "镇医保报〔2026〕5号").status_code == 302
    clock = reply_clock(on_time)
    assert (clock.status, clock.met_at, clock.breached_at) == (DeadlineStatus.MET, start_of(date(2026, 10, 21)), None)
    clock = reply_clock(late)
    assert clock.status == DeadlineStatus.BREACHED and clock.met_at == start_of(date(2026, 11, 20))
    assert clock.breached_at is not None


def test_a_reply_dated_today_is_met_now(cast, login):
    officer = login("msb_officer")
    case = handoff(officer)
    before = timezone.now()
    assert reply(officer, case, timezone.localdate()).status_code == 302
    clock = reply_clock(case)
    assert clock.met_at >= before and clock.status == DeadlineStatus.BREACHED  # the suite runs after 2026-10-22


TOMORROW = timezone.localdate() + timedelta(days=1)


@pytest.mark.parametrize("posted, message", [
    ({"replied_on": TOMORROW.isoformat()}, "答复日期不能晚于今天。"),
    ({"replied_on": (RECEIVED - timedelta(days=1)).isoformat()}, "答复日期不能早于期限起算日（2026-09-25）。"),
    ({"replied_on": ""}, "请填写答复日期。"),
    ({"reply_number": "  "}, "请填写答复文号"),
    ({"reply_number": "函" * 61}, "最多 60 个字"),
    ({"step": ""}, "书面答复的状态已经变化，本次提交未保存。"),  # a form drawn for another step
], ids=["future", "before-start", "no-date", "no-number", "long-number", "stale-step"])
def test_a_wrong_reply_is_named_and_changes_nothing(cast, login, posted, message):
    officer = login("msb_officer")
    case = handoff(officer)
    before = state(case)
    data = {"step": "reply", "replied_on": "2026-10-20", "reply_number": "镇医保函〔2026〕31号", **posted}
    response = officer.post(page_url(case), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert state(case) == before and before[0] == DeadlineStatus.RUNNING


def test_a_second_reply_or_a_form_left_open_after_a_colleagues_is_refused_and_changes_nothing(cast, login):
    officer, colleague = login("msb_officer"), login("msb_officer2")
    case = handoff(officer)
    assert 'data-testid="source-reply-form"' in colleague.get(page_url(case)).content.decode()  # the colleague's open page
    assert reply(officer, case, date(2026, 10, 20)).status_code == 302
    before = state(case)
    response = reply(colleague, case, date(2026, 10, 21), "镇医保函〔2026〕99号")
    assert response.status_code == 200
    assert "依法处理反向移送案件并书面答复已于2026-10-20办结（已按期办结），不能重复登记书面答复。本次提交未保存。" in response.content.decode()
    assert state(case) == before


@pytest.mark.parametrize("username, status", [
    ("msb_officer2", 302), ("msb_chief", 302),
    ("msb_leader", 403), ("msb_clerk", 403),  # in the bureau, but neither acts for it on cases
    ("cz_msb_officer", 404), ("psb_officer", 404),  # another city's bureau, the police: the case is not theirs to see
])
def test_only_the_bureaus_officers_record_the_reply(cast, login, username, status):
    case = handoff(login("msb_officer"))
    before = state(case)
    client = login(username)
    assert client.get(page_url(case)).status_code == (200 if status == 302 else status)
    response = reply(client, case, date(2026, 10, 20))
    assert response.status_code == status
    if status != 302:
        assert state(case) == before
        case_page = client.get(reverse("cases:detail", args=[case.pk]))
        assert case_page.status_code != 200 or 'data-testid="source-reply"' not in case_page.content.decode()
    else:
        assert reply_clock(case).status == DeadlineStatus.MET


def test_a_lead_with_no_handoff_clock_has_no_reply_page(cast, login):
    officer = login("msb_officer")
    assert register(officer, CaseSource.TIP, source_detail="12393-20260928-0031").status_code == 302
    case = Case.objects.get()
    assert officer.get(page_url(case)).status_code == 404
    assert reply(officer, case, date(2026, 10, 20)).status_code == 404
    assert 'data-testid="source-reply"' not in officer.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert not AuditEvent.objects.filter(verb="case.source_replied").exists()


def test_the_head_extends_a_hand_entered_assignment_to_three_then_six_months_from_receipt(cast, login):
    """The 交办 rule of referral.incoming (tests/referral/test_forward_and_extension.py), on the clock
    about the case: 3 months from receipt with the head's approval, then 6 after collective study."""
    officer, head = login("msb_officer"), login("msb_head")
    case = handoff(officer, CaseSource.ASSIGNED)
    clock = reply_clock(case)
    assert 'href="?step=extend"' not in officer.get(page_url(case)).content.decode()
    assert 'href="?step=extend"' in head.get(page_url(case)).content.decode()
    assert 'data-testid="source-extend-form"' in head.get(page_url(case), {"step": "extend"}).content.decode()

    before = state(case), clock.due_at
    for who, posted, message in [
        (head, {"extension": "collective", "reason": "特别重大案件", "studied_on": "2026-11-30"}, "延长至6个月须先经负责人批准延长至3个月。"),
        (head, {"extension": "head", "reason": " "}, "请写明延期理由。"),
        (officer, {"extension": "head", "reason": "情况复杂"}, "书面答复的状态已经变化，本次提交未保存。"),  # not the officer's step
    ]:
        response = who.post(page_url(case), {"step": "extend", **posted})
        assert response.status_code == 200 and message in response.content.decode()
        clock.refresh_from_db()
        assert (state(case), clock.due_at) == before and not clock.extensions.exists()

    assert head.post(page_url(case), {"step": "extend", "extension": "head", "reason": "涉案人员众多，情况复杂"}).status_code == 302
    clock.refresh_from_db()
    assert clock.due_at == end_of(date(2026, 12, 25)) and clock.status == DeadlineStatus.RUNNING
    response = head.post(page_url(case), {"step": "extend", "extension": "collective", "reason": "特别重大案件",
                                          "studied_on": "2026-12-01"})
    assert response.status_code == 302
    clock.refresh_from_db()
    assert clock.due_at == end_of(date(2027, 3, 25)) and clock.extensions.count() == 2
    events = list(AuditEvent.objects.filter(verb="case.source_extended", thread=f"case:{case.pk}").order_by("pk"))
    assert [e.actor for e in events] == [cast.user("msb_head")] * 2
    assert "2026-12-25" in events[0].summary and "2027-03-25" in events[1].summary
    assert events[1].data["reason"] == "2026年12月1日集体研究。特别重大案件"
    assert 'href="?step=extend"' not in head.get(page_url(case)).content.decode()  # no third step
    page = officer.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "经" in page and "批准延长：" in page and "2027-03-25" in page

    run_clocks()  # the extended clock is not due yet: nothing escalated
    assert not EscalationProcess.objects.filter(deadline=clock).exists()
    assert reply(officer, case, date(2026, 12, 4), "镇医保报〔2026〕5号").status_code == 302
    clock.refresh_from_db()
    assert clock.status == DeadlineStatus.MET  # within the extended period


def test_only_a_hand_entered_assignment_is_extended_here(cast, login):
    head = login("msb_head")
    case = handoff(login("msb_officer"), CaseSource.POLICE)
    assert 'href="?step=extend"' not in head.get(page_url(case)).content.decode()
    response = head.post(page_url(case), {"step": "extend", "extension": "head", "reason": "情况复杂"})
    assert "书面答复的状态已经变化" in response.content.decode() and not reply_clock(case).extensions.exists()
