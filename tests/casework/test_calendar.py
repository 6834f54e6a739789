"""China's working-day calendar: the system's own holiday table, seeded from chinese-calendar (domain §0).

The truth about 2025 and 2026 comes from `chinese_calendar` itself; every hand-written expectation
below is checked against the library in the same test, so a wrong expectation fails loudly.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from io import StringIO

import chinese_calendar
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from casework import calendar
from casework.calendar import CalendarUnknownError
from casework.models import CalendarDay, HolidayYear

pytestmark = pytest.mark.django_db

UNKNOWN_2027 = "2027年的法定节假日安排尚未录入，无法按工作日计算期限。请系统管理员在“节假日安排”中录入该年度安排"


def library_add_working_days(start: date, days: int) -> date:
    """The reference count, straight from the library: the start day is not counted."""
    day = start
    while days:
        day += timedelta(days=1)
        days -= chinese_calendar.is_workday(day)
    return day


def days_of(year: int) -> list[date]:
    return [date(year, 1, 1) + timedelta(days=n) for n in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)]


def table_rows() -> list[tuple]:
    return list(CalendarDay.objects.values_list("date", "is_working_day", "name")) + list(
        HolidayYear.objects.values_list("year", "status", "source", "updated_at")
    )


def sync_output(*args: str) -> str:
    out = StringIO()
    call_command("sync_holidays", *args, stdout=out)
    return out.getvalue()


def test_the_table_agrees_with_the_library_on_every_day_of_2025_and_2026():
    """Every day of 2025 and 2026 is a working day in the system exactly when chinese-calendar says so."""
    disagreements = [day for day in days_of(2025) + days_of(2026) if calendar.is_working_day(day) != chinese_calendar.is_workday(day)]
    assert disagreements == []


def test_the_migration_seeded_every_library_year_as_confirmed():
    """A fresh database already knows 2004–2026 from the migration, with the library as the stated source."""
    source = f"chinese-calendar {chinese_calendar.__version__}"
    assert set(HolidayYear.objects.values_list("year", "status", "source")) == {
        (year, HolidayYear.Status.CONFIRMED, source) for year in range(2004, 2027)
    }
    assert chinese_calendar.get_holiday_detail(date(2026, 10, 1)) == (True, chinese_calendar.Holiday.national_day.value)
    assert CalendarDay.objects.filter(date=date(2026, 10, 1), is_working_day=False, name="国庆节").exists()


def test_the_first_working_day_after_2026_national_day_is_october_8():
    """The day after 9月30日 that counts is the first working day after the whole 国庆节 holiday (10月1日–7日)."""
    holiday = [date(2026, 10, day) for day in range(1, 8)]
    assert not any(chinese_calendar.is_workday(day) for day in holiday)
    assert chinese_calendar.is_workday(date(2026, 10, 8))
    assert calendar.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)


def test_three_working_days_from_september_29_skip_the_whole_holiday():
    """Counted from Tuesday 9月29日: 9月30日, 10月8日, 10月9日 — the holiday in between does not count."""
    expected = date(2026, 10, 9)
    assert library_add_working_days(date(2026, 9, 29), 3) == expected
    assert calendar.add_working_days(date(2026, 9, 29), 3) == expected


def test_a_make_up_saturday_counts_as_a_working_day():
    """Saturday 2026-10-10 is a 调休 working day after 国庆节: it is the working day after Friday 10月9日."""
    make_up_days = [day for day in days_of(2026) if day.weekday() >= 5 and chinese_calendar.is_workday(day)]
    saturday = date(2026, 10, 10)
    assert saturday in make_up_days
    assert calendar.is_working_day(saturday)
    assert calendar.add_working_days(date(2026, 10, 9), 1) == saturday
    assert CalendarDay.objects.get(date=saturday).name == "国庆节调休上班"
    assert all(CalendarDay.objects.get(date=day).is_working_day for day in make_up_days)


def test_next_working_day_moves_past_a_holiday_and_keeps_a_working_day():
    """A calendar-day limit ending on 10月1日 rolls to 10月8日; one ending on an ordinary Tuesday stays put."""
    assert library_add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert calendar.next_working_day(date(2026, 10, 1)) == date(2026, 10, 8)
    assert chinese_calendar.is_workday(date(2026, 11, 24))
    assert calendar.next_working_day(date(2026, 11, 24)) == date(2026, 11, 24)
    assert calendar.next_working_day(date(2026, 11, 28)) == date(2026, 11, 30)  # an ordinary weekend


def test_counts_agree_with_the_library_across_2025_and_2026():
    """From every day of 2025 onwards, counts of 1, 5 and 15 working days land where the library says."""
    for start in days_of(2025)[::3]:
        for days in (1, 5, 15):
            assert calendar.add_working_days(start, days) == library_add_working_days(start, days), (start, days)


def test_combined_national_day_and_mid_autumn_holiday_is_named_after_both():
    """In 2025 国庆节 and 中秋节 form one holiday: its days and its make-up days carry both names."""
    assert chinese_calendar.get_holiday_detail(date(2025, 10, 6))[1] == chinese_calendar.Holiday.mid_autumn_festival.value
    assert chinese_calendar.get_holiday_detail(date(2025, 10, 1))[1] == chinese_calendar.Holiday.national_day.value
    assert CalendarDay.objects.get(date=date(2025, 10, 6)).name == "国庆节、中秋节"
    assert CalendarDay.objects.get(date=date(2025, 9, 28)).name == "国庆节、中秋节调休上班"


def test_a_2027_date_raises_a_chinese_error_naming_the_year():
    """2027 has no schedule: asking about it, or counting into it from late December 2026, is an error for an admin."""
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))
    with pytest.raises(CalendarUnknownError, match=UNKNOWN_2027) as excinfo:
        calendar.is_working_day(date(2027, 1, 4))
    assert excinfo.value.year == 2027
    with pytest.raises(CalendarUnknownError, match=UNKNOWN_2027):
        calendar.add_working_days(date(2026, 12, 28), 5)
    with pytest.raises(CalendarUnknownError, match=UNKNOWN_2027):
        calendar.is_provisional(date(2027, 1, 4))
    assert calendar.year_status(2027) is None


def test_a_provisional_2027_counts_weekends_only_and_is_flagged():
    """After `sync_holidays --provisional 2027`, 2027 counts Monday–Friday as working days and is provisional."""
    assert "2027年：已建立暂定安排" in sync_output("--provisional", "2027")
    assert calendar.add_working_days(date(2026, 12, 28), 5) == date(2027, 1, 4)  # 29, 30, 31 Dec, Fri 1 Jan, Mon 4 Jan
    assert calendar.next_working_day(date(2027, 1, 2)) == date(2027, 1, 4)
    assert calendar.year_status(2027) == HolidayYear.Status.PROVISIONAL
    assert calendar.is_provisional(date(2027, 1, 4))
    assert not calendar.is_provisional(date(2026, 12, 31))
    assert "已存在" in sync_output("--provisional", "2027")
    assert HolidayYear.objects.filter(year=2027).count() == 1


def test_sync_does_not_overwrite_a_year_an_admin_confirmed():
    """An admin's 2027 (from the State Council notice) and an admin's re-confirmed 2026 survive every sync."""
    HolidayYear.objects.create(year=2027, status=HolidayYear.Status.CONFIRMED, source="国办发明电〔2026〕x号")
    CalendarDay.objects.create(date=date(2027, 1, 1), is_working_day=False, name="元旦")
    CalendarDay.objects.create(date=date(2027, 2, 6), is_working_day=True, name="春节调休上班")
    HolidayYear.objects.filter(year=2026).update(source="国办发明电〔2025〕7号")
    CalendarDay.objects.filter(date=date(2026, 10, 10)).delete()
    before = table_rows()

    out = sync_output("--year", "2027", "--year", "2026")
    sync_output()

    assert "2027年：跳过——管理员已依据“国办发明电〔2026〕x号”确认" in out
    assert "2026年：跳过——管理员已依据“国办发明电〔2025〕7号”确认" in out
    assert table_rows() == before
    assert calendar.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert calendar.is_working_day(date(2027, 2, 6))


def test_sync_replaces_a_provisional_year_the_library_knows():
    """A provisional year becomes the library's confirmed schedule once the library knows it."""
    HolidayYear.objects.filter(year=2026).update(status=HolidayYear.Status.PROVISIONAL, source=calendar.PROVISIONAL_SOURCE)
    CalendarDay.objects.filter(date__year=2026).delete()

    out = sync_output("--year", "2026")

    assert "2026年：年度标为已确认，新增" in out
    assert calendar.year_status(2026) == HolidayYear.Status.CONFIRMED
    assert not calendar.is_working_day(date(2026, 10, 1))


def test_sync_of_a_year_the_library_does_not_know_is_refused():
    """Asking the library for 2027 is a clear command error, not an empty year."""
    with pytest.raises(CommandError, match="没有2027年"):
        sync_output("--year", "2027")
    assert calendar.year_status(2027) is None


def test_sync_is_idempotent_and_repairs_edits():
    """A sync restores the library's rows; a second sync changes nothing and reports every year up to date."""
    seeded = table_rows()
    CalendarDay.objects.filter(date=date(2025, 10, 1)).delete()
    CalendarDay.objects.filter(date=date(2025, 10, 2)).update(name="改错的名称")
    CalendarDay.objects.create(date=date(2025, 11, 4), is_working_day=False, name="多出来的一天")

    first = calendar.calendar_sync_from_library()
    second = calendar.calendar_sync_from_library()

    assert first[2025].added == (date(2025, 10, 1),)
    assert first[2025].changed == (date(2025, 10, 2),)
    assert first[2025].removed == (date(2025, 11, 4),)
    assert [year for year, result in first.items() if result.has_changes] == [2025]
    assert not any(result.has_changes for result in second.values())
    assert set(second) == set(range(2004, 2027))
    assert second[2026].days == CalendarDay.objects.filter(date__year=2026).count()
    assert table_rows() == seeded


def test_dry_run_reports_without_writing():
    """`sync_holidays --dry-run` says what it would restore and leaves the table as it is."""
    CalendarDay.objects.filter(date=date(2026, 10, 1)).delete()
    before = table_rows()

    out = sync_output("--year", "2026", "--dry-run")

    assert "2026年：新增 1 天" in out
    assert "试运行，未写入" in out
    assert table_rows() == before
    assert "（试运行，未写入）将建立2027年暂定安排" in sync_output("--provisional", "2027", "--dry-run")
    assert calendar.year_status(2027) is None


@pytest.mark.parametrize(
    ("day", "is_working_day", "message"),
    [
        (date(2026, 11, 24), True, "2026年11月24日（星期二）本来就是工作日"),
        (date(2026, 11, 28), False, "2026年11月28日（星期六）本来就是休息日"),
    ],
)
def test_clean_refuses_a_row_that_is_not_an_exception(day, is_working_day, message):
    """Only weekday holidays and weekend make-up days may be entered; the error says why in Chinese."""
    with pytest.raises(ValidationError, match=message):
        CalendarDay(date=day, is_working_day=is_working_day).full_clean()


def test_clean_accepts_an_exception_only_inside_an_entered_year():
    """A weekday holiday of a known year is accepted; a day of a year not yet entered is refused."""
    CalendarDay(date=date(2026, 11, 24), is_working_day=False, name="测试假日").full_clean()
    with pytest.raises(ValidationError, match="请先在“节假日安排”中建立2027年度"):
        CalendarDay(date=date(2027, 1, 1), is_working_day=False, name="元旦").full_clean()


def test_a_confirmed_year_needs_its_source():
    """Confirming a year without naming the notice it comes from is refused."""
    with pytest.raises(ValidationError, match="已确认的年度请填写依据"):
        HolidayYear(year=2027, status=HolidayYear.Status.CONFIRMED, source="").full_clean()
    HolidayYear(year=2027, status=HolidayYear.Status.PROVISIONAL, source="").full_clean()


def test_zero_working_days_is_refused():
    """A count must be at least one working day."""
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2026, 11, 24), 0)


def test_holidays_between_lists_the_exceptions_and_refuses_unknown_years():
    """The display helper returns the National Day rows, and refuses a range that reaches 2027."""
    rows = calendar.holidays_between(date(2026, 9, 20), date(2026, 10, 10))
    assert [row.date for row in rows] == [
        day for day in (date(2026, 9, 20) + timedelta(days=n) for n in range(21))
        if chinese_calendar.is_workday(day) != (day.weekday() < 5)
    ]
    with pytest.raises(CalendarUnknownError):
        calendar.holidays_between(date(2026, 12, 1), date(2027, 1, 31))


def test_working_day_count_needs_few_queries(django_assert_max_num_queries):
    """The clock engine calls this per deadline: a count within one year costs two queries."""
    with django_assert_max_num_queries(2):
        calendar.add_working_days(date(2026, 9, 29), 15)


def test_admin_lists_the_years_and_the_days_of_one_year(admin_client):
    """The admin shows each year with its status and source, and the days of a year filtered by year."""
    years = admin_client.get("/admin/casework/holidayyear/")
    assert years.status_code == 200
    assert "chinese-calendar" in years.content.decode()
    year = admin_client.get("/admin/casework/holidayyear/2026/change/")
    assert year.status_code == 200
    assert "?date__year=2026" in year.content.decode()
    assert admin_client.get("/admin/casework/holidayyear/add/").status_code == 200
    days = admin_client.get("/admin/casework/calendarday/", {"date__year": "2026", "is_working_day__exact": "1"})
    assert days.status_code == 200
    listed = re.findall(r"/admin/casework/calendarday/(\d{4}-\d{2}-\d{2})/change/", days.content.decode())
    make_up_days = [day.isoformat() for day in days_of(2026) if day.weekday() >= 5 and chinese_calendar.is_workday(day)]
    assert listed == make_up_days
    assert "国庆节调休上班" in days.content.decode()


def test_admin_refuses_a_non_exception_day(admin_client):
    """Entering a Tuesday as a working day through the admin is refused with the Chinese reason."""
    response = admin_client.post(
        "/admin/casework/calendarday/add/", {"date": "2026-11-24", "is_working_day": "on", "name": ""}
    )
    assert response.status_code == 200
    assert "本来就是工作日" in response.content.decode()
    assert not CalendarDay.objects.filter(date=date(2026, 11, 24)).exists()
