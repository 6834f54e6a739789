"""Words and figures printed in letters: Chinese numerals, amounts in 元 and in 大写, dates.

Split out of layout.py, which re-exports every public name, so `layout.format_date` still works.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from agencies.dates import SHANGHAI, format_date, format_datetime_minute  # noqa: F401 — one formatter for every text

_DIGITS_LOWER = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1–99 in Chinese numerals, as heading numbers use them: 一, 十, 十一, 二十三."""
    if not 0 < n < 100:
        raise ValueError(f"标题序号应在1至99之间，收到{n}。")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else "十" if tens == 1 else f"{_DIGITS_LOWER[tens]}十"
    return head + (_DIGITS_LOWER[ones] if ones else "")


_DIGITS_UPPER = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


def _cents(amount: Decimal) -> int:
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"金额应为最多两位小数的数值，收到{amount}。")
    return int(amount * 100)


def _group_words(n: int) -> str:
    """0 < n < 10000 in uppercase; zeros between digits collapse to one 零."""
    words, pending_zero = "", False
    for place in (3, 2, 1, 0):
        digit = n // 10**place % 10
        if digit == 0:
            pending_zero = pending_zero or bool(words)
            continue
        words += ("零" if pending_zero else "") + _DIGITS_UPPER[digit] + _PLACES[place]
        pending_zero = False
    return words


def amount_in_words(amount: Decimal) -> str:
    """Chinese uppercase amount (大写金额) by the 支付结算办法 rules, e.g. 人民币叁仟元整."""
    cents = _cents(amount)
    if cents < 0:
        raise ValueError("金额不能为负数。")
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    if yuan >= 10**16:
        raise ValueError(f"金额过大：{amount}。")
    words, pending_zero = "", False
    for index in range(len(_GROUPS) - 1, -1, -1):
        group = yuan // 10**(4 * index) % 10000
        if group == 0:
            pending_zero = pending_zero or bool(words)
            continue
        if words and (pending_zero or group < 1000):
            words += "零"
        words += _group_words(group) + _GROUPS[index]
        pending_zero = False
    if yuan:
        words += "元"
    if not jiao and not fen:
        return f"人民币{words or '零元'}整"
    if jiao:
        words += _DIGITS_UPPER[jiao] + "角"
    elif yuan:
        words += "零"
    if fen:
        words += _DIGITS_UPPER[fen] + "分"
    return f"人民币{words}"


def format_amount(amount: Decimal) -> str:
    """Figures with thousands separators and two decimals: 123,456.78元."""
    _cents(amount)
    return f"{amount:,.2f}元"


def calendar_day(value: date) -> date:
    """The Beijing calendar day of an aware datetime, or a plain date unchanged."""
    return timezone.localtime(value, SHANGHAI).date() if isinstance(value, datetime) else value


def format_when(value: date) -> str:
    """A datetime to the minute in Beijing time, a plain date as a date."""
    return format_datetime_minute(value) if isinstance(value, datetime) else format_date(value)
