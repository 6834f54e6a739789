"""Password policy: at least LIANBAN_PASSWORD_MIN_LENGTH characters of at least three of four classes.

Listed in AUTH_PASSWORD_VALIDATORS beside Django's similarity, common-password and all-digits
validators, so every place that sets a password through a form (the password change page, the
admin, `createsuperuser`) refuses a weak one with a Chinese message. The length rule is Django's
own with the message in Chinese: Django 5.2 changed that msgid and its zh_Hans catalog lags behind.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLengthValidator
from django.core.exceptions import ValidationError

CLASSES: tuple[tuple[str, str], ...] = (
    ("upper", "大写字母"),
    ("lower", "小写字母"),
    ("digit", "数字"),
    ("symbol", "符号"),
)


def character_classes(password: str) -> set[str]:
    """The classes of CLASSES that occur in the password; any character that is not a letter or digit is a symbol."""
    found: set[str] = set()
    for char in password:
        if char.isupper():
            found.add("upper")
        elif char.islower():
            found.add("lower")
        elif char.isdigit():
            found.add("digit")
        elif not char.isalnum():
            found.add("symbol")
    return found


class CharacterClassValidator:
    """At least `min_classes` of: upper-case letters, lower-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        if not 1 <= min_classes <= len(CLASSES):
            raise ValueError(f"min_classes must be between 1 and {len(CLASSES)}; got {min_classes}")
        self.min_classes = min_classes

    def validate(self, password: str, user: object | None = None) -> None:
        found = character_classes(password)
        if len(found) < self.min_classes:
            missing = "、".join(label for code, label in CLASSES if code not in found)
            raise ValidationError(
                f"密码须至少包含大写字母、小写字母、数字、符号中的 {self.min_classes} 类；当前密码缺少：{missing}。",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return f"密码须至少包含大写字母、小写字母、数字、符号中的 {self.min_classes} 类。"


class MinimumLengthValidator(DjangoMinimumLengthValidator):
    """Django's length rule, saying so in Chinese."""

    def get_error_message(self) -> str:
        return f"密码太短：至少包含 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少包含 {self.min_length} 个字符。"
