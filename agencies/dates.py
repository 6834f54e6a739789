"""Dates and times as Chinese official texts write them, for every letter, record and message.

GB/T 9704-2012 §7.3.5.4: 成文日期 in Arabic numerals, year in full, month and day without a
leading zero (2026年12月4日, never 12月04日). Times are Beijing time to the minute.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


def format_date(value: date) -> str:
    """2026年11月23日; an aware datetime is first taken to its Beijing calendar day."""
    if isinstance(value, datetime):
        value = timezone.localtime(value, SHANGHAI)
    return f"{value.year}年{value.month}月{value.day}日"


def format_datetime_minute(value: datetime) -> str:
    """An aware datetime in Beijing time, to the minute: 2026年11月23日14时05分."""
    local = timezone.localtime(value, SHANGHAI)
    return f"{format_date(local)}{local.hour}时{local.minute:02d}分"


def day_error(day: date | None, *, label: str, earliest: date, earliest_label: str) -> str:
    """What is wrong with a day something was done on — missing, after today, before the step it
    follows — or "" when nothing is."""
    if day is None:
        return f"请填写{label}。"
    if day > timezone.localdate():
        return f"{label}不能晚于今天。"
    if day < earliest:
        return f"{label}不能早于{earliest_label}（{earliest:%Y-%m-%d}）。"
    return ""
