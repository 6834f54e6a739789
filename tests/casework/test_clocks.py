"""Statutory clocks: when limits fall due, and the worker that warns and escalates exactly once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from casework.calendar import CalendarUnknownError
from casework.clocks import clock_extend, clock_meet, clock_pause, clock_resume, clock_start, compute_due
from casework.escalation import EscalationFlow
from casework.models import ClockUnit, Deadline, DeadlineStatus
from demo.stories import LEAD, SENT
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def local(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def end_of(*ymd) -> datetime:
    return local(*ymd, 23, 59, 59)


# --- when a limit falls due (2026: 国庆节 10月1日–7日, 10月10日（星期六）调休上班) ----------------------------


def test_three_calendar_days_ending_in_national_day_roll_to_the_first_working_day_after_it():
    """The start day is not counted; 10月2日 is a holiday, so the limit moves to 10月8日 (刑事诉讼法 Art. 105)."""
    due = compute_due(started_at=local(2026, 9, 29, 10, 0), amount=3, unit=ClockUnit.CALENDAR_DAYS)
    assert due.at == end_of(2026, 10, 8) and not due.provisional


@override_settings(LIANBAN_CALENDAR_DAY_HOLIDAY_ROLLOVER=False)
def test_without_the_roll_over_setting_calendar_days_end_on_the_holiday():
    assert compute_due(started_at=local(2026, 9, 29, 10, 0), amount=3, unit=ClockUnit.CALENDAR_DAYS).at == end_of(2026, 10, 2)


def test_working_days_skip_the_whole_national_day_holiday():
    """9月30日 is day 1; 10月1日–7日 are holidays; 10月8日 and 9日 are days 2 and 3."""
    assert compute_due(started_at=local(2026, 9, 29, 9, 0), amount=3, unit=ClockUnit.WORKING_DAYS).at == end_of(2026, 10, 9)


def test_a_make_up_working_saturday_counts_as_a_working_day():
    """From 10月8日: 9日 (Fri), 10日 (the 调休 Saturday), then 12日 (Mon) — Sunday 11日 is skipped."""
    assert compute_due(started_at=local(2026, 10, 8, 9, 0), amount=3, unit=ClockUnit.WORKING_DAYS).at == end_of(2026, 10, 12)


def test_hours_run_through_holidays():
    started = local(2026, 9, 30, 18, 0)
    assert compute_due(started_at=started, amount=24, unit=ClockUnit.HOURS).at == started + timedelta(hours=24)


def test_months_end_on_the_same_day_or_the_last_day_of_a_shorter_month():
    assert compute_due(started_at=local(2026, 8, 31, 9, 0), amount=1, unit=ClockUnit.MONTHS).at == end_of(2026, 9, 30)


def test_a_limit_that_reaches_a_year_with_no_holiday_schedule_is_a_clear_error():
    """2027's schedule is not published yet: no silent guess, an error an admin can act on."""
    with pytest.raises(CalendarUnknownError, match="2027年"):
        compute_due(started_at=local(2026, 12, 31, 9, 0), amount=1, unit=ClockUnit.MONTHS)
    with pytest.raises(CalendarUnknownError, match="2027年"):
        compute_due(started_at=local(2026, 12, 28, 9, 0), amount=5, unit=ClockUnit.WORKING_DAYS)


# --- the life of a clock --------------------------------------------------------------------------------


@pytest.fixture
def case(tell):
    return tell(LEAD)


def start(case, *, started_at, amount=3, unit=ClockUnit.CALENDAR_DAYS, responsible=None, code="test.clock"):
    return clock_start(
        case=case, target=case, code=code, title="测试期限", legal_basis="《测试规定》第一条", agency=case.agency,
        amount=amount, unit=unit, start_event="测试事件", url=reverse("cases:detail", args=[case.pk]),
        started_at=started_at, responsible=responsible,
    )


def test_pause_and_resume_move_the_due_time_by_the_time_paused(case, cast):
    officer = cast.user("msb_officer")
    deadline = start(case, started_at=timezone.now(), amount=3, unit=ClockUnit.HOURS)
    due = deadline.due_at
    deadline = clock_pause(deadline=deadline, user=officer, reason="委托鉴定")
    Deadline.objects.filter(pk=deadline.pk).update(paused_at=deadline.paused_at - timedelta(hours=5))
    deadline.refresh_from_db()
    deadline = clock_resume(deadline=deadline, user=officer)
    assert deadline.status == DeadlineStatus.RUNNING
    assert timedelta(hours=5) <= deadline.due_at - due < timedelta(hours=5, minutes=1)
    assert deadline.pauses.get().reason == "委托鉴定" and deadline.pauses.get().resumed_at is not None


def test_an_extension_needs_a_later_time_and_a_reason_and_is_recorded_with_its_approver(case, cast):
    head = cast.user("msb_head")
    deadline = start(case, started_at=timezone.now())
    with pytest.raises(ValueError, match="晚于"):
        clock_extend(deadline=deadline, approved_by=head, reason="案情复杂", new_due_at=deadline.due_at - timedelta(days=1))
    with pytest.raises(ValueError, match="理由"):
        clock_extend(deadline=deadline, approved_by=head, reason=" ", new_due_at=deadline.due_at + timedelta(days=7))
    later = deadline.due_at + timedelta(days=7)
    deadline = clock_extend(deadline=deadline, approved_by=head, reason="案情复杂，经负责人批准", new_due_at=later)
    assert deadline.due_at == later and deadline.warned_at is None
    extension = deadline.extensions.get()
    assert (extension.approved_by, extension.reason) == (head, "案情复杂，经负责人批准")


def test_meeting_a_clock_late_keeps_the_breach_on_record(case):
    deadline = start(case, started_at=timezone.now() - timedelta(days=10))
    deadline = clock_meet(target=case, code="test.clock")
    assert deadline.status == DeadlineStatus.BREACHED and deadline.met_at and deadline.breached_at == deadline.due_at


# --- the worker ------------------------------------------------------------------------------------------


def run_clocks():
    call_command("run_clocks", "--once")


def test_the_worker_warns_once_before_the_limit(case, cast):
    officer, head = cast.user("msb_officer"), cast.user("msb_head")
    # An hours-clock runs through weekends and holidays, so "one hour left" holds on any day the suite runs.
    deadline = start(case, started_at=timezone.now() - timedelta(hours=23), amount=24, unit=ClockUnit.HOURS,
                     responsible=officer)
    assert deadline.warn_at <= timezone.now() < deadline.due_at
    run_clocks()
    run_clocks()
    for user in (officer, head):
        assert Notification.objects.filter(recipient=user, event="clock.warning").count() == 1
    deadline.refresh_from_db()
    assert deadline.warned_at and deadline.status == DeadlineStatus.RUNNING


def test_the_worker_marks_a_breach_once_and_gives_the_head_an_escalation_task(case, cast, flow_client, login):
    head = cast.user("msb_head")
    deadline = start(case, started_at=timezone.now() - timedelta(days=10), responsible=cast.user("msb_officer"))
    run_clocks()
    run_clocks()
    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.BREACHED and deadline.breached_at
    assert Notification.objects.filter(recipient=head, event="clock.breached").count() == 1
    assert not Notification.objects.filter(event="clock.warning").exists()
    queue = Task.objects.queue([EscalationFlow], head)
    assert queue.count() == 1
    assert not Task.objects.queue([EscalationFlow], cast.user("msb_officer")).exists()
    assert not Task.objects.queue([EscalationFlow], cast.user("psb_head")).exists()
    process = deadline.escalation
    flow_client(login("msb_head")).complete(process, "handle", {"measures": "约谈承办人，责令当日办结。"})
    process.refresh_from_db()
    assert process.measures == "约谈承办人，责令当日办结。" and process.finished is not None
    assert Notification.objects.filter(recipient=cast.user("msb_officer"), event="clock.escalation_handled").exists()


def test_met_and_paused_clocks_never_fire(case, cast):
    met = start(case, started_at=timezone.now() - timedelta(days=1), code="met")
    clock_meet(target=case, code="met")
    paused = start(case, started_at=timezone.now() - timedelta(days=10), code="paused")
    clock_pause(deadline=paused, user=cast.user("msb_officer"), reason="听证")
    run_clocks()
    assert not Notification.objects.filter(event__startswith="clock.").exists()
    met.refresh_from_db()
    assert met.status == DeadlineStatus.MET


# --- the transfer's clocks ----------------------------------------------------------------------------------


def test_the_transfer_runs_its_legal_clocks_and_both_sides_see_the_review_clock(tell, login, flow_client, cast):
    case = tell(SENT)
    referral = case.referrals.get()
    clocks = {d.code: d for d in Deadline.objects.filter(target_type="referral.referral", target_id=str(referral.pk))}
    assert clocks["transfer.approval"].status == DeadlineStatus.MET
    assert clocks["transfer.send"].status == DeadlineStatus.MET
    received = timezone.now().replace(second=0, microsecond=0)
    flow_client(login("psb_officer")).complete(referral.process, "sign_receipt", {
        "received_at": timezone.localtime(received).strftime("%Y-%m-%d %H:%M"), "items_received": "6", "signer_title": "民警"})
    review = Deadline.objects.get(target_id=str(referral.pk), code="transfer.review")
    assert review.status == DeadlineStatus.RUNNING and review.started_at == received
    assert review.agency == cast.agencies["zj-psb"] and review.responsible == cast.user("psb_officer")
    assert review.due_at == compute_due(started_at=received, amount=3, unit=ClockUnit.CALENDAR_DAYS).at
    for client, url in [(login("psb_officer"), reverse("referrals:detail", args=[referral.pk])),
                        (login("msb_officer"), reverse("cases:detail", args=[case.pk]))]:
        page = client.get(url).content.decode()
        assert "公安机关立案审查" in page and "第八条" in page
    flow_client(login("psb_officer")).complete(referral.process, "decide_filing", {
        "decision": "file", "document_number": "镇公立字〔2026〕1号", "police_case_number": "", "reason": ""})
    review.refresh_from_db()
    assert review.status == DeadlineStatus.MET


def test_a_clock_reaching_a_year_nobody_entered_runs_provisionally_and_alerts_the_administrators(case, cast):
    """The legal step is not blocked: 2027 is opened as provisional (weekends only), the clock is
    flagged, and every system administrator is told to enter the State Council's schedule."""
    from casework.models import HolidayYear
    from demo.scenario import system_admin_ensure

    admin = system_admin_ensure()
    deadline = start(case, started_at=local(2026, 12, 28, 9, 0), amount=5, unit=ClockUnit.WORKING_DAYS)
    assert deadline.provisional
    # 12-29, 12-30, 12-31, then 1-1 and 1-4: weekends only, so even 元旦 counts — which is why it is flagged
    assert deadline.due_at == end_of(2027, 1, 4)
    assert HolidayYear.objects.get(year=2027).status == HolidayYear.Status.PROVISIONAL
    alert = Notification.objects.get(recipient=admin, event="calendar.missing")
    assert "2027年" in alert.title
    start(case, started_at=local(2026, 12, 29, 9, 0), amount=5, unit=ClockUnit.WORKING_DAYS, code="second")
    assert Notification.objects.filter(event="calendar.missing").count() == 1  # alerted once, not per clock


@pytest.mark.parametrize(
    "start, months, first_allowed",
    [
        (date(2023, 5, 10), 36, date(2026, 5, 11)),  # 3-year bar: the bar's last day is 2026-05-10
        (date(2024, 2, 29), 36, date(2027, 3, 1)),  # no 29 February in 2027: the bar ends on the 28th
        (date(2026, 1, 31), 1, date(2026, 3, 1)),  # one month from 31 January ends on 28 February
        (date(2026, 12, 31), 12, date(2028, 1, 1)),
    ],
)
def test_the_first_day_after_a_period_counts_as_the_civil_code_does(start, months, first_allowed):
    """民法典 Art. 201–202: the start day is not counted; a period of months ends on the corresponding
    day of its last month, or that month's last day."""
    from casework.clocks import first_day_after

    assert first_day_after(start, months) == first_allowed
