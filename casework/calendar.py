"""China's working-day calendar, kept in the system's own yearly table (domain.md §0).

The rule is "Monday–Friday work, Saturday–Sunday rest"; `CalendarDay` stores only the exceptions
(a holiday on a weekday, a 调休 make-up working day on a weekend) and `HolidayYear` says whether a
year's schedule is known at all, and whether it is confirmed or provisional. A date in a year with
no `HolidayYear` row raises `CalendarUnknownError` — never a silent guess.

Reads query the table on every call (two indexed queries per year touched), so an admin's edit is
seen at once by every process, with no cache to invalidate. The years 2004 onwards are seeded from
the `chinese-calendar` library (migration 0003 and `manage.py sync_holidays`); a year an admin
confirmed from another source (the State Council notice) is never overwritten by the library.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from importlib.metadata import PackageNotFoundError, version

import chinese_calendar
from django.db import models, transaction
from django.utils import timezone

from casework.models import CalendarDay, HolidayYear

LIBRARY_SOURCE_PREFIX = "chinese-calendar"
PROVISIONAL_SOURCE = "暂定：仅按周末安排，待国务院办公厅通知公布后录入节假日"
FIRST_LIBRARY_YEAR = 2004  # chinese-calendar has never known an earlier year

# chinese-calendar names a holiday by `Holiday.<member>.value` (English); the UI shows Chinese.
HOLIDAY_NAMES = {
    chinese_calendar.Holiday.new_years_day.value: "元旦",
    chinese_calendar.Holiday.spring_festival.value: "春节",
    chinese_calendar.Holiday.tomb_sweeping_day.value: "清明节",
    chinese_calendar.Holiday.labour_day.value: "劳动节",
    chinese_calendar.Holiday.dragon_boat_festival.value: "端午节",
    chinese_calendar.Holiday.national_day.value: "国庆节",
    chinese_calendar.Holiday.mid_autumn_festival.value: "中秋节",
    chinese_calendar.Holiday.anti_fascist_70th_day.value: "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
MAKE_UP_SUFFIX = "调休上班"


class CalendarUnknownError(Exception):
    """The holiday schedule of `year` has not been entered: working days cannot be counted there."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"{year}年的法定节假日安排尚未录入，无法按工作日计算期限。"
            "请系统管理员在“节假日安排”中录入该年度安排（国务院办公厅通知）后重试。"
        )


# --- reading ----------------------------------------------------------------------------------


class _Table:
    """The exceptions of each year touched by one call, loaded on first use."""

    def __init__(self) -> None:
        self._years: dict[int, dict[date, bool]] = {}

    def exceptions(self, year: int) -> dict[date, bool]:
        if year not in self._years:
            if not HolidayYear.objects.filter(year=year).exists():
                raise CalendarUnknownError(year)
            rows = CalendarDay.objects.filter(date__year=year).values_list("date", "is_working_day")
            self._years[year] = dict(rows)
        return self._years[year]

    def is_working_day(self, day: date) -> bool:
        return self.exceptions(day.year).get(day, day.weekday() < 5)


def year_status(year: int) -> str | None:
    """`HolidayYear.Status` value of `year`, or None when the year has not been entered."""
    return HolidayYear.objects.filter(year=year).values_list("status", flat=True).first()


def is_provisional(day: date) -> bool:
    """Whether `day` lies in a year whose schedule is only provisional (results must be flagged)."""
    status = year_status(day.year)
    if status is None:
        raise CalendarUnknownError(day.year)
    return status == HolidayYear.Status.PROVISIONAL


def is_working_day(day: date) -> bool:
    return _Table().is_working_day(day)


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start`; `start` itself is never counted (domain §0)."""
    if days < 1:
        raise ValueError("工作日天数应为正整数。")
    table, day = _Table(), start
    while days:
        day += timedelta(days=1)
        if table.is_working_day(day):
            days -= 1
    return day


def next_working_day(day: date) -> date:
    """`day` if it is a working day, else the first working day after it (刑事诉讼法 Art. 105)."""
    table = _Table()
    while not table.is_working_day(day):
        day += timedelta(days=1)
    return day


def holidays_between(start: date, end: date) -> list[CalendarDay]:
    """The exception rows from `start` to `end` inclusive, for display; every year must be known."""
    known = set(HolidayYear.objects.filter(year__range=(start.year, end.year)).values_list("year", flat=True))
    for year in range(start.year, end.year + 1):
        if year not in known:
            raise CalendarUnknownError(year)
    return list(CalendarDay.objects.filter(date__range=(start, end)))


# --- seeding from chinese-calendar ----------------------------------------------------------------


def library_source() -> str:
    try:
        return f"{LIBRARY_SOURCE_PREFIX} {version('chinesecalendar')}"
    except PackageNotFoundError:
        return f"{LIBRARY_SOURCE_PREFIX} {chinese_calendar.__version__}"


def library_years() -> range:
    """The years the installed chinese-calendar knows, found by probing (it raises outside them)."""
    last = FIRST_LIBRARY_YEAR
    while _library_knows(last + 1):
        last += 1
    return range(FIRST_LIBRARY_YEAR, last + 1)


def _library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _holiday_name(detail: str | None) -> str:
    return HOLIDAY_NAMES.get(detail, detail) if detail else "法定节假日"


def library_exceptions(year: int) -> dict[date, tuple[bool, str]]:
    """The exceptions of `year` per chinese-calendar: date → (is_working_day, Chinese name).

    A holiday period that joins two festivals (国庆节 with 中秋节 in 2017, 2023, 2025) is named after
    both, in the order they come; a make-up working day takes the name of the nearest period of its
    festival in the same year, so 2025-09-28 is "国庆节、中秋节调休上班".
    """
    first = date(year, 1, 1)
    days = [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]
    details = {day: chinese_calendar.get_holiday_detail(day) for day in days}

    periods: list[list[date]] = []  # runs of consecutive named holiday days, weekends included
    for day in days:
        is_holiday, detail = details[day]
        if is_holiday and detail:
            if periods and periods[-1][-1] == day - timedelta(days=1):
                periods[-1].append(day)
            else:
                periods.append([day])
    period_names: list[tuple[list[date], set[str], str]] = []
    for period in periods:
        festivals = list(dict.fromkeys(details[day][1] for day in period))
        period_names.append((period, set(festivals), "、".join(_holiday_name(f) for f in festivals)))
    name_of_day = {day: name for period, _, name in period_names for day in period}

    def make_up_name(day: date, festival: str | None) -> str:
        candidates = [(abs((period[0] - day).days), name) for period, fs, name in period_names if festival in fs]
        base = min(candidates)[1] if candidates else (_holiday_name(festival) if festival else "")
        return f"{base}{MAKE_UP_SUFFIX}"

    exceptions: dict[date, tuple[bool, str]] = {}
    for day in days:
        is_holiday, detail = details[day]
        weekend = day.weekday() >= 5
        if is_holiday and not weekend:
            exceptions[day] = (False, name_of_day.get(day, _holiday_name(detail)))
        elif not is_holiday and weekend:
            exceptions[day] = (True, make_up_name(day, detail))
    return exceptions


@dataclass(frozen=True)
class YearSync:
    """What a library sync did (or, in a dry run, would do) to one year."""

    year: int
    days: int  # exception rows the year has after the sync
    added: tuple[date, ...] = ()
    removed: tuple[date, ...] = ()
    changed: tuple[date, ...] = ()
    year_written: bool = False  # the HolidayYear row was created or (re)marked confirmed by the library
    skipped: str = ""  # why the year was left alone

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.year_written)


@transaction.atomic
def sync_library_years(
    holiday_year_model: type[models.Model],
    calendar_day_model: type[models.Model],
    years: Iterable[int],
    *,
    dry_run: bool = False,
) -> dict[int, YearSync]:
    """(Re)write `years` from chinese-calendar as confirmed years; migration-safe (takes the models).

    A year an admin confirmed from another source is skipped. A provisional year is replaced: the
    library's data is the State Council notice. Years the library does not know raise ValueError.
    """
    years = sorted(set(years))
    if not years:
        return {}
    confirmed = HolidayYear.Status.CONFIRMED.value
    source = library_source()
    existing = {row.year: row for row in holiday_year_model.objects.filter(year__in=years)}
    known = library_years()
    unknown = [
        year for year in years
        if year not in known and not _admin_confirmed(existing.get(year))
    ]
    if unknown:
        raise ValueError(
            f"{source} 只包含{known.start}–{known.stop - 1}年的节假日安排，没有"
            f"{'、'.join(str(year) for year in unknown)}年；请在“节假日安排”中录入，或用 --provisional 建立暂定年度。"
        )
    rows = calendar_day_model.objects.filter(date__range=(date(years[0], 1, 1), date(years[-1], 12, 31)))
    have: dict[int, dict[date, tuple[bool, str]]] = {year: {} for year in years}
    for row in rows:
        if row.date.year in have:
            have[row.date.year][row.date] = (row.is_working_day, row.name)

    results: dict[int, YearSync] = {}
    to_delete: list[date] = []
    to_create: list[models.Model] = []
    years_new: list[models.Model] = []
    years_update: list[models.Model] = []
    now = timezone.now()
    for year in years:
        holiday_year = existing.get(year)
        if _admin_confirmed(holiday_year):
            results[year] = YearSync(
                year, days=len(have[year]), skipped=f"管理员已依据“{holiday_year.source}”确认，未用 {source} 覆盖"
            )
            continue
        want = library_exceptions(year)
        added = tuple(sorted(want.keys() - have[year].keys()))
        removed = tuple(sorted(have[year].keys() - want.keys()))
        changed = tuple(sorted(day for day in want.keys() & have[year].keys() if want[day] != have[year][day]))
        to_delete += removed + changed
        to_create += [
            calendar_day_model(date=day, is_working_day=want[day][0], name=want[day][1]) for day in added + changed
        ]
        year_written = True
        if holiday_year is None:
            years_new.append(holiday_year_model(year=year, status=confirmed, source=source))
        elif (holiday_year.status, holiday_year.source) != (confirmed, source):
            holiday_year.status, holiday_year.source, holiday_year.updated_at = confirmed, source, now
            years_update.append(holiday_year)
        else:
            year_written = False
        results[year] = YearSync(
            year, days=len(want), added=added, removed=removed, changed=changed, year_written=year_written
        )
    if not dry_run:
        calendar_day_model.objects.filter(date__in=to_delete).delete()
        calendar_day_model.objects.bulk_create(to_create)
        holiday_year_model.objects.bulk_create(years_new)
        holiday_year_model.objects.bulk_update(years_update, ["status", "source", "updated_at"])
    return results


def _admin_confirmed(holiday_year: models.Model | None) -> bool:
    return (
        holiday_year is not None
        and holiday_year.status == HolidayYear.Status.CONFIRMED
        and not holiday_year.source.startswith(LIBRARY_SOURCE_PREFIX)
    )


def calendar_sync_from_library(years: Iterable[int] | None = None, *, dry_run: bool = False) -> dict[int, YearSync]:
    """Seed or refresh `years` (default: every year the library knows) from chinese-calendar.

    Returns per year what changed; `YearSync.days` is the year's exception count.
    """
    return sync_library_years(HolidayYear, CalendarDay, library_years() if years is None else years, dry_run=dry_run)


@transaction.atomic
def holiday_year_create_provisional(*, year: int) -> tuple[HolidayYear, bool]:
    """Open `year` as provisional: weekends only, holidays to be entered by an admin later.

    Returns the year and whether it was created; a year already entered is left as it is.
    """
    holiday_year, created = HolidayYear.objects.get_or_create(
        year=year, defaults={"status": HolidayYear.Status.PROVISIONAL, "source": PROVISIONAL_SOURCE}
    )
    return holiday_year, created
