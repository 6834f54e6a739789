"""What an incoming handoff owes after its first answer (domain §3, §6.6c, §6.9, §12 edges 10 and 11):
a 交办 extended to 3 and then 6 months, a 飞行检查移交's written report after handling, and the
transferred case the bureau takes up again after 不起诉 or 撤案, its paused fine decision resumed."""

from __future__ import annotations

import io
from calendar import monthrange
from datetime import date

import docx
import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import CaseStatus, ClockUnit, Deadline, DeadlineStatus
from casework.selectors import case_timeline
from notifications.models import Notification
from referral.models import Referral, ReferralKind, ReferralStatus
from tests.referral.test_incoming import minute, reply_clock, send

pytestmark = pytest.mark.django_db


def acknowledge(flow_client, login, referral, **extra):
    flow_client(login("msb_officer")).complete(referral.process, "acknowledge", {"received_at": minute(), "signer_title": "科员", **extra})
    referral.refresh_from_db()
    return referral


def months_after(moment, months):
    """The same day `months` later (the month's last day when it has no such day), moved to the next
    working day when it is a rest day or holiday (LIANBAN_CALENDAR_DAY_HOLIDAY_ROLLOVER): the
    expectation holds whatever day the test runs."""
    from casework.calendar import next_working_day

    day = timezone.localtime(moment).date()
    year, month = day.year + (day.month - 1 + months) // 12, (day.month - 1 + months) % 12 + 1
    return next_working_day(date(year, month, min(day.day, monthrange(year, month)[1])))  # 8月31日 + 6 → 2月28/29日


# --- 上级交办: 30 working days, 3 months with the head's approval, 6 after collective study --------------

def test_the_head_extends_an_assignment_to_three_then_six_months_and_the_province_is_told(cast, login, flow_client):
    send(login("js_msb_officer"), cast, kind="assigned_clue", incoming_number="苏医保交〔2026〕11号")
    referral = acknowledge(flow_client, login, Referral.objects.get(kind=ReferralKind.ASSIGNED_CLUE))
    clock = reply_clock(referral)
    extend = reverse("referrals:extend_assignment", args=[referral.pk])
    detail = reverse("referrals:detail", args=[referral.pk])

    assert login("msb_officer").get(extend).status_code == 403  # an officer cannot approve
    head = login("msb_head")
    assert "延长交办办理期限" in head.get(detail).content.decode()
    # The collective extension comes only after the head's; nothing changes on refusal.
    response = head.post(extend, {"extension": "collective", "reason": "案情特别重大", "studied_on": timezone.localdate().isoformat()})
    assert "须先经负责人批准延长至3个月" in response.content.decode()
    assert Deadline.objects.get(pk=clock.pk).due_at == clock.due_at

    assert head.post(extend, {"extension": "head", "reason": "涉及多家机构，需调取三年结算数据。"}).status_code == 302
    clock.refresh_from_db()
    assert timezone.localtime(clock.due_at).date() == months_after(clock.started_at, 3)
    told = Notification.objects.get(recipient=cast.user("js_msb_officer"), event="referral.extended")
    assert "3个月" in told.body and "三年结算数据" in told.body

    response = head.post(extend, {"extension": "collective", "reason": "案情特别重大"})
    assert "集体研究的日期" in response.content.decode()  # the date of the collective study is required
    studied = timezone.localdate()
    assert head.post(extend, {"extension": "collective", "reason": "案情特别重大", "studied_on": studied.isoformat()}).status_code == 302
    clock.refresh_from_db()
    assert timezone.localtime(clock.due_at).date() == months_after(clock.started_at, 6)
    assert clock.status == DeadlineStatus.RUNNING and clock.extensions.count() == 2
    assert f"{studied.year}年{studied.month}月{studied.day}日集体研究" in clock.extensions.last().reason
    # Six months is the ceiling: no further extension is offered or accepted.
    assert "延长交办办理期限" not in head.get(detail).content.decode()
    assert head.post(extend, {"extension": "collective", "reason": "再延", "studied_on": studied.isoformat()}).status_code == 403


def test_only_an_assignment_may_be_extended_this_way(cast, login, flow_client):
    """A reverse transfer's reply period is not a 交办's, and the police review extension is not offered to the bureau."""
    send(login("psb_officer"), cast)
    referral = acknowledge(flow_client, login, Referral.objects.get(kind=ReferralKind.REVERSE_TRANSFER))
    head = login("msb_head")
    page = head.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "延长交办办理期限" not in page and "延长立案审查期限" not in page
    assert head.post(reverse("referrals:extend_assignment", args=[referral.pk]), {"extension": "head", "reason": "x"}).status_code == 403


# --- 飞行检查移交: progress within 30 working days, a written report within 5 after completion ---------

def fly_figures(region=("321100", "镇江市")) -> dict[str, int]:
    """The statistics' 飞行检查移交 rows for this month, by label without the group's prefix."""
    from leadership.statistics import Region, period_between, statistics_report

    today = timezone.localdate()
    report = statistics_report(period=period_between(today.replace(day=1), today), region=Region(*region))
    return {f.label.split("：", 1)[1]: f.value for f in report.quarterly if f.group == "飞行检查移交"}


def test_a_flying_inspection_handover_ends_with_a_written_report_after_the_case_is_handled(cast, login, flow_client):
    province = login("js_msb_officer")
    send(province, cast, kind="fly_handover", incoming_number="苏医保飞移〔2026〕3号")
    referral = acknowledge(flow_client, login, Referral.objects.get(kind=ReferralKind.FLY_HANDOVER))
    assert fly_figures() == {"报送处理进度和整改方案": 0, "书面报告查处整改结果": 0, "办理中（制表时）": 1, "逾期未报（制表时）": 0}
    bureau = flow_client(login("msb_officer"))
    bureau.complete(referral.process, "reply", {"reply": "已立案核查，整改方案：全面自查2024年以来住院病历。", "measures": ""})
    flow_client(province).complete(referral.process, "receive_reply", {"confirm": "on"})
    referral.refresh_from_db()
    assert fly_figures() == {"报送处理进度和整改方案": 1, "书面报告查处整改结果": 0, "办理中（制表时）": 1, "逾期未报（制表时）": 0}
    # The progress report was signed for, but the matter is not over: the report is owed once handled.
    assert referral.status == ReferralStatus.PROGRESS_REPORTED and referral.closed_at is None
    assert not referral.process.finished
    assert not Deadline.objects.filter(target_id=str(referral.pk), code="incoming.final_report").exists()
    with pytest.raises(LookupError):
        bureau.task(referral.process, "final_report")  # waiting for the case, not yet a task

    # The bureau's case is handled (here: not filed after verification) → the 5-working-day clock starts.
    case = referral.case
    bureau.complete(case.process, "verify", {"propose_filing": "no", "opinion": "经核查，违规事实不成立。"})
    referral.refresh_from_db()
    assert referral.handling_completed_at is not None
    clock = Deadline.objects.get(target_id=str(referral.pk), code="incoming.final_report")
    assert (clock.amount, clock.unit, clock.status) == (5, ClockUnit.WORKING_DAYS, DeadlineStatus.RUNNING)
    assert "令第6号" in clock.legal_basis

    bureau.complete(referral.process, "final_report", {"report": "经全面核查，未发现违规结算；医院已完成整改。", "measures": "约谈院长\n完善病历管理"})
    referral.refresh_from_db()
    report = referral.documents.get(title="书面报告")
    paragraphs = [p.text for p in docx.Document(io.BytesIO(province.get(
        reverse("referrals:document_download", args=[report.pk])).content)).paragraphs]
    text = "\n".join(paragraphs)
    assert report.number in text and "苏医保飞移〔2026〕3号" in text and "特此报告。" in text
    assert any("查处情况的报告" in line for line in paragraphs)
    assert Deadline.objects.get(pk=clock.pk).status == DeadlineStatus.MET
    assert fly_figures() == {"报送处理进度和整改方案": 1, "书面报告查处整改结果": 1, "办理中（制表时）": 0, "逾期未报（制表时）": 0}

    flow_client(province).complete(referral.process, "receive_final_report", {"confirm": "on"})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED and referral.process.finished
    assert "未发现违规结算" in province.get(reverse("referrals:detail", args=[referral.pk])).content.decode()


def test_a_handover_whose_progress_report_is_late_is_counted_overdue(cast, login, flow_client):
    send(login("js_msb_officer"), cast, kind="fly_handover")
    referral = acknowledge(flow_client, login, Referral.objects.get(kind=ReferralKind.FLY_HANDOVER))
    Deadline.objects.filter(target_id=str(referral.pk), code="incoming.reply").update(
        status=DeadlineStatus.BREACHED, breached_at=timezone.now())
    assert fly_figures()["逾期未报（制表时）"] == 1
    assert fly_figures(("320400", "常州市")) == {"报送处理进度和整改方案": 0, "书面报告查处整改结果": 0, "办理中（制表时）": 0,
                                             "逾期未报（制表时）": 0}


def test_a_report_is_refused_before_the_progress_report_was_signed_for(cast, login, flow_client):
    from referral import incoming

    send(login("js_msb_officer"), cast, kind="fly_handover")
    referral = acknowledge(flow_client, login, Referral.objects.get(kind=ReferralKind.FLY_HANDOVER))
    with pytest.raises(Exception, match="处理进度已送达后"):
        incoming.incoming_final_report(referral=referral, user=cast.user("msb_officer"), report="报告")
    assert not referral.documents.exists()


# --- Edge cases 10 and 11: the transferred case taken up again -----------------------------------

def transferred_case(tell, hand_over):
    from demo.stories import PSB_FILED

    case = tell(PSB_FILED, title="不起诉后恢复办理的案件")
    hand_over(case.referrals.get())
    case.refresh_from_db()
    return case


def test_a_procuratorial_opinion_after_non_prosecution_resumes_the_paused_fine(cast, login, flow_client, tell, hand_over):
    """Edge case 10: the police filed, the fine waited; after 不起诉 the bureau takes the case up again."""
    original = transferred_case(tell, hand_over)
    assert original.status == CaseStatus.TRANSFERRED and original.fine_is_paused
    assert any("罚款决定中止" in event.summary for event in case_timeline(case=original))

    send(login("proc_officer"), cast, kind="proc_opinion", incoming_number="镇检行意〔2026〕5号",
         request="本院已作出不起诉决定，建议依法给予行政处罚。")
    referral = Referral.objects.get(kind=ReferralKind.PROC_OPINION)
    # Bad input changes nothing: a case that was never transferred cannot be named.
    other = tell(0, title="未移送的线索")
    with pytest.raises(AssertionError, match="resumes"):
        acknowledge(flow_client, login, referral, resumes=other.pk)
    referral.refresh_from_db()
    assert referral.case is None and referral.status == ReferralStatus.SENT

    referral = acknowledge(flow_client, login, referral, resumes=original.pk)
    continuation = referral.case
    original.refresh_from_db()
    assert continuation.resumes == original and continuation.status == CaseStatus.LEAD
    assert sorted(s.identifier for s in continuation.subjects.all()) == sorted(s.identifier for s in original.subjects.all())
    assert original.fine_resumed_at is not None and not original.fine_is_paused
    resumed = [event.summary for event in case_timeline(case=original) if event.verb == "case.resumed"]
    assert resumed and "罚款决定恢复办理" in resumed[0] and continuation.number in resumed[0]
    page = login("msb_officer").get(reverse("cases:detail", args=[continuation.pk])).content.decode()
    assert original.number in page and "续办" in page


def test_a_withdrawn_case_comes_back_as_the_continuation_of_the_original(cast, login, flow_client, tell, hand_over):
    """Edge case 11 with 10: 撤案 returns the case; it is the original that is taken up again."""
    original = transferred_case(tell, hand_over)
    send(login("psb_officer"), cast, origin=original.referrals.get().pk, incoming_number="镇公（经）撤字〔2026〕2号")
    referral = acknowledge(flow_client, login, Referral.objects.get(kind=ReferralKind.REVERSE_TRANSFER))
    original.refresh_from_db()
    assert referral.case.resumes == original and original.fine_resumed_at is not None
    original_page = login("msb_officer").get(reverse("cases:detail", args=[original.pk])).content.decode()
    assert referral.case.number in original_page and "罚款决定" in original_page


def test_without_the_pause_setting_the_fine_is_not_paused(cast, tell, hand_over, settings):
    settings.LIANBAN_PAUSE_FINE_PENDING_CRIMINAL = False
    original = transferred_case(tell, hand_over)
    assert original.status == CaseStatus.TRANSFERRED and original.fine_paused_at is None
    assert not any("罚款决定中止" in event.summary for event in case_timeline(case=original))
