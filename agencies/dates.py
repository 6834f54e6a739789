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
