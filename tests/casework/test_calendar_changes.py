"""A change to the holiday table moves the open clocks that counted through it (domain §0).

The expected dates are worked out by hand in each docstring from the published schedules: 2027's
元旦 is Friday 1 January; 2026's 国庆节 runs 1–7 October, with Saturday 10 October worked.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies.audit import audit_seal, audit_verify
from agencies.models import AuditEvent
from casework.calendar import holiday_year_create_provisional
from casework.clocks import Period, clock_extend, clock_meet, clock_pause, clock_resume, clock_start
from casework.models import CalendarDay, ClockUnit, Deadline, DeadlineStatus, HolidayYear
from demo.stories import LEAD
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def local(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def end_of(*ymd) -> datetime:
    return local(*ymd, 23, 59, 59)


@pytest.fixture
def case(tell):
    return tell(LEAD)


@pytest.fixture
def admin():
    from demo.scenario import system_admin_ensure

    client = Client()
    client.force_login(system_admin_ensure())
    return client


def start(case, *, started_at, amount=5, unit=ClockUnit.WORKING_DAYS, responsible=None, code="test.clock"):
    return clock_start(
        case=case, target=case, code=code, title="测试期限", legal_basis="《测试规定》第一条", agency=case.agency,
        amount=amount, unit=unit, start_event="测试事件", url=reverse("cases:detail", args=[case.pk]),
        started_at=started_at, responsible=responsible,
    )


def enter_new_years_day(admin) -> None:
    response = admin.post("/admin/casework/calendarday/add/", {"date": "2027-01-01", "name": "元旦"})
    assert response.status_code == 302, response.content.decode()[:2000]


def confirm_2027(admin) -> None:
    response = admin.post(
        "/admin/casework/holidayyear/2027/change/", {"status": HolidayYear.Status.CONFIRMED, "source": "国办发明电〔2026〕测试号"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def test_entering_a_holiday_in_a_provisional_year_moves_the_clocks_counted_through_it(case, cast, admin):
    """5 working days from Monday 2026-12-28, counted on a weekends-only 2027: 29, 30, 31, 1-1, 1-4.
    Once 元旦 is entered, 1-1 is no working day: 29, 30, 31, 1-4, 1-5. The clock moves to 1-5,
    is still flagged (2027 is still provisional), the move is audited with both times and the
    officer responsible and the agency's heads are told."""
    officer = cast.user("msb_officer")
    deadline = start(case, started_at=local(2026, 12, 28, 9, 0), responsible=officer)
    assert (deadline.due_at, deadline.provisional) == (end_of(2027, 1, 4), True)

    enter_new_years_day(admin)

    deadline.refresh_from_db()
    assert (deadline.due_at, deadline.provisional) == (end_of(2027, 1, 5), True)
    event = AuditEvent.objects.get(verb="clock.recounted", target_id=str(deadline.pk))
    assert "2027-01-04 23:59" in event.summary and "2027-01-05 23:59" in event.summary
    assert event.thread == f"case:{case.pk}" and event.actor.username == "sysadmin"
    head = cast.user("msb_head")
    for person in (officer, head):
        message = Notification.objects.get(recipient=person, event="clock.recounted")
        assert "调整为 2027-01-05 23:59" in message.body and case.title in message.body
    audit_seal()
    assert list(audit_verify()) == []


def test_confirming_the_year_drops_the_provisional_flag_without_telling_anyone_a_time_moved(case, cast, admin):
    deadline = start(case, started_at=local(2026, 12, 28, 9, 0), responsible=cast.user("msb_officer"))
    enter_new_years_day(admin)
    told = Notification.objects.filter(event="clock.recounted").count()

    confirm_2027(admin)

    deadline.refresh_from_db()
    assert (deadline.due_at, deadline.provisional) == (end_of(2027, 1, 5), False)
    assert Notification.objects.filter(event="clock.recounted").count() == told
    flag = AuditEvent.objects.filter(verb="clock.recounted", target_id=str(deadline.pk)).order_by("pk").last()
    assert "不再标注“暂定”" in flag.summary


def test_clocks_outside_the_changed_year_and_closed_clocks_stay_as_they_were(case, cast, admin):
    """A clock due before 2027, an hours clock and a met one are not counted again."""
    before = start(case, started_at=local(2026, 12, 1, 9, 0), code="before")
    hours = start(case, started_at=local(2026, 12, 30, 9, 0), amount=72, unit=ClockUnit.HOURS, code="hours")
    met = start(case, started_at=local(2026, 12, 28, 9, 0), code="met")
    clock_meet(target=case, code="met", at=local(2026, 12, 29, 9, 0))
    untouched = {row.pk: (row.due_at, row.status) for row in Deadline.objects.filter(pk__in=[before.pk, hours.pk, met.pk])}

    enter_new_years_day(admin)

    after = {row.pk: (row.due_at, row.status) for row in Deadline.objects.filter(pk__in=untouched)}
    assert after == untouched
    assert not AuditEvent.objects.filter(verb="clock.recounted").exists()


def test_a_clock_breached_by_the_provisional_count_is_lifted_and_one_done_late_is_met_in_time(case, cast, admin):
    """Due 2027-01-04 by the provisional year; with 元旦 entered, 01-05. A clock marked breached for the
    old time runs again (its time is ahead), and one whose duty was done on 01-05 at 09:00 — late by
    the old count — was met in time; both moves are audited and told."""
    pending = start(case, started_at=local(2026, 12, 28, 9, 0), code="pending", responsible=cast.user("msb_officer"))
    Deadline.objects.filter(pk=pending.pk).update(status=DeadlineStatus.BREACHED, breached_at=pending.due_at)
    done = start(case, started_at=local(2026, 12, 28, 9, 0), code="done")
    clock_meet(target=case, code="done", at=local(2027, 1, 5, 9, 0))
    assert Deadline.objects.get(pk=done.pk).status == DeadlineStatus.BREACHED

    enter_new_years_day(admin)

    pending.refresh_from_db()
    done.refresh_from_db()
    assert (pending.status, pending.breached_at, pending.due_at) == (DeadlineStatus.RUNNING, None, end_of(2027, 1, 5))
    assert (done.status, done.breached_at, done.due_at) == (DeadlineStatus.MET, None, end_of(2027, 1, 5))
    summaries = list(AuditEvent.objects.filter(verb="clock.recounted").values_list("summary", flat=True))
    assert any("撤销超期标记（恢复计时）" in text for text in summaries)
    assert any("撤销超期标记（已按期办结）" in text for text in summaries)
    message = Notification.objects.get(recipient=cast.user("msb_officer"), event="clock.recounted")
    assert "不再超期" in message.body


def test_a_paused_clock_keeps_the_time_it_was_paused_for(case, cast, admin):
    """Paused for 3 days and resumed: due 1-4 + 3 days = 1-7; with 元旦 entered, 1-5 + 3 days = 1-8."""
    officer = cast.user("msb_officer")
    deadline = start(case, started_at=local(2026, 12, 28, 9, 0))
    clock_pause(deadline=deadline, user=officer, reason="委托鉴定")
    pause = deadline.pauses.get()
    pause.paused_at = local(2026, 12, 29, 9, 0)
    pause.save()
    Deadline.objects.filter(pk=deadline.pk).update(paused_at=pause.paused_at)
    clock_resume(deadline=deadline, user=officer)
    pause.refresh_from_db()
    pause.resumed_at = local(2027, 1, 1, 9, 0)
    pause.save()  # three days exactly, as if resumed then
    Deadline.objects.filter(pk=deadline.pk).update(due_at=end_of(2027, 1, 7))

    enter_new_years_day(admin)

    deadline.refresh_from_db()
    assert deadline.due_at == end_of(2027, 1, 8)


def test_an_extension_counted_by_its_rule_is_counted_again_and_one_approved_as_a_date_is_kept(case, cast, admin):
    """From 12-28: 5 working days (1-4 provisional), extended to 10 working days in all, i.e.
    1-11 on a weekends-only 2027 (1-4 … 1-8, 1-11) and 1-12 once 元旦 is a holiday. A clock
    extended to a date approved as such keeps that date."""
    head = cast.user("msb_head")
    counted = start(case, started_at=local(2026, 12, 28, 9, 0), code="counted")
    counted = clock_extend(deadline=counted, approved_by=head, reason="延长至10个工作日", period=Period(10, ClockUnit.WORKING_DAYS))
    assert counted.due_at == end_of(2027, 1, 11)
    fixed = start(case, started_at=local(2026, 12, 28, 9, 0), code="fixed")
    fixed = clock_extend(deadline=fixed, approved_by=head, reason="批准至1月20日", new_due_at=end_of(2027, 1, 20))

    enter_new_years_day(admin)

    counted.refresh_from_db()
    fixed.refresh_from_db()
    assert counted.due_at == end_of(2027, 1, 12)
    assert fixed.due_at == end_of(2027, 1, 20)


def test_thirty_more_calendar_days_from_the_due_time_are_counted_again_from_the_moved_due_time(case, cast, admin):
    """Due 1-4 (provisional), 30 more days from it: 2-3. With 元旦 entered the base moves to 1-5,
    and 30 days from it end on 2-4."""
    deadline = start(case, started_at=local(2026, 12, 28, 9, 0))
    deadline = clock_extend(
        deadline=deadline, approved_by=cast.user("msb_head"), reason="再延长30日",
        period=Period(30, ClockUnit.CALENDAR_DAYS, from_due=True),
    )
    assert deadline.due_at == end_of(2027, 2, 3)

    enter_new_years_day(admin)

    deadline.refresh_from_db()
    assert deadline.due_at == end_of(2027, 2, 4)


def test_deleting_a_holiday_moves_the_clock_back(case, admin):
    holiday_year_create_provisional(year=2027)
    enter_new_years_day(admin)
    deadline = start(case, started_at=local(2026, 12, 28, 9, 0))
    assert deadline.due_at == end_of(2027, 1, 5)

    response = admin.post("/admin/casework/calendarday/2027-01-01/delete/", {"post": "yes"})

    assert response.status_code == 302
    deadline.refresh_from_db()
    assert deadline.due_at == end_of(2027, 1, 4)


def test_a_warning_already_sent_for_the_old_time_is_sent_again_for_the_new_one(case, admin):
    deadline = start(case, started_at=local(2026, 12, 28, 9, 0))
    Deadline.objects.filter(pk=deadline.pk).update(warned_at=timezone.now())

    enter_new_years_day(admin)

    deadline.refresh_from_db()
    assert deadline.warn_at == end_of(2027, 1, 5) - timedelta(hours=24)
    assert deadline.warned_at is None


def test_syncing_the_library_counts_national_day_again(case, cast):
    """2026 wiped to a provisional weekends-only year: 3 working days from 9-29 are 9-30, 10-1, 10-2.
    The library sync brings 国庆节 back, and the clock moves to 10-9 (9-30, 10-8, 10-9)."""
    CalendarDay.objects.filter(date__year=2026).delete()
    HolidayYear.objects.filter(year=2026).delete()
    holiday_year_create_provisional(year=2026)
    deadline = start(case, started_at=local(2026, 9, 29, 9, 0), amount=3, responsible=cast.user("msb_officer"))
    assert (deadline.due_at, deadline.provisional) == (end_of(2026, 10, 2), True)

    call_command("sync_holidays", year=[2026], stdout=open("/dev/null", "w"))

    deadline.refresh_from_db()
    assert (deadline.due_at, deadline.provisional) == (end_of(2026, 10, 9), False)
    event = AuditEvent.objects.get(verb="clock.recounted", target_id=str(deadline.pk))
    assert event.actor is None and "chinese-calendar" in event.summary


def test_deleting_several_days_from_the_list_moves_the_clock_back(case, admin):
    holiday_year_create_provisional(year=2027)
    enter_new_years_day(admin)
    deadline = start(case, started_at=local(2026, 12, 28, 9, 0))

    response = admin.post(
        "/admin/casework/calendarday/", {"action": "delete_selected", "_selected_action": ["2027-01-01"], "post": "yes"}
    )

    assert response.status_code == 302
    deadline.refresh_from_db()
    assert deadline.due_at == end_of(2027, 1, 4)


def test_the_recount_reads_each_years_status_once_however_many_clocks_it_replays(case):
    """Counting 4 or 40 clocks again (started the same day, so counted once) reads the holiday years the
    same number of times: whether a year is provisional is read once per year, not once per clock."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casework.calendar_changes import clocks_recount

    def year_reads(clocks: int) -> int:
        Deadline.objects.all().delete()
        for n in range(clocks):
            start(case, started_at=local(2026, 12, 28, 9, n), code=f"test.clock.{n}")
        with CaptureQueriesContext(connection) as queries:
            clocks_recount(years=[2027], actor=None, reason="测试")
        return sum('"casework_holidayyear"' in query["sql"] for query in queries.captured_queries)

    assert year_reads(4) == year_reads(40) > 0
