"""Chinese identifier checks: 统一社会信用代码 (GB 32100-2015) and 居民身份证号码 (GB 11643-1999)."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    code = value.strip().upper()
    if len(code) != 18 or any(c not in _USCC_ALPHABET for c in code):
        raise ValidationError("统一社会信用代码应为18位数字或大写字母（不含 I、O、Z、S、V）。")
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError("统一社会信用代码校验位不正确，请核对。")


def id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def validate_resident_id(value: str) -> None:
    number = value.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError("居民身份证号码应为18位，最后一位可为 X。")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError("居民身份证号码中的出生日期无效。") from None
    if born > timezone.localdate():
        raise ValidationError("居民身份证号码中的出生日期晚于今天，请核对。")
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError("居民身份证号码校验位不正确，请核对。")
