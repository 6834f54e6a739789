"""统一社会信用代码 (GB 32100-2015) and 居民身份证号码 (GB 11643-1999), alone and on the add-party page.

Check characters in this file are computed by the standards' own formulas (written out here, not
borrowed from casework.identifiers), and the "valid" codes include the standards' published examples.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from casework import services
from casework.identifiers import validate_resident_id, validate_uscc
from casework.models import CaseSource, Subject

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V


def uscc(first17: str) -> str:
    """GB 32100-2015: weights 3^i mod 31, check = 31 − (Σ mod 31), 31 → 0."""
    total = sum(USCC_CHARS.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return first17 + USCC_CHARS[(31 - total % 31) % 31]


def resident_id(first17: str) -> str:
    """GB 11643-1999 (ISO 7064 MOD 11-2): weights 2^(17−i) mod 11, check = (12 − Σ mod 11) mod 11, 10 → X."""
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(first17))
    return first17 + "0123456789X"[(12 - total % 11) % 11]


VALID_USCC = [
    "91350100M000100Y43",  # example of GB 32100-2015
    "91440300708461136T",
    uscc("91321100MA1Q3M6T4"),
    "91350100m000100y43",  # typed in lower case
]
INVALID_USCC = {
    "91350100M000100Y44": "校验位不正确",  # wrong check character
    "91350100M000100Y4": "应为18位",  # 17 characters
    "91350100M000100Y433": "应为18位",  # 19 characters
    "91350100MO00100Y43": "应为18位数字或大写字母",  # O is not in the code alphabet
    "9135010SM000100Y43": "应为18位数字或大写字母",  # nor is S
    "": "应为18位",
}
VALID_RESIDENT_IDS = [
    "11010519491231002X",  # example of GB 11643-1999
    "440524188001010014",  # example of GB 11643-1999
    resident_id("32110219850312001"),
    "11010519491231002x",  # lower-case x
]
INVALID_RESIDENT_IDS = {
    "110105194912310021": "校验位不正确",
    "110105491231002": "应为18位",  # the old 15-digit number
    "1101051949123100211": "应为18位",
    "11010519491231X021": "应为18位",  # X only as the last character
    resident_id("11010519490231002"): "出生日期无效",  # 31 February
    resident_id("11010519491301002"): "出生日期无效",  # month 13
    resident_id("11010520230229002"): "出生日期无效",  # 2023 was no leap year
}


@pytest.mark.parametrize("code", VALID_USCC)
def test_valid_unified_social_credit_codes_pass(code):
    validate_uscc(code)


@pytest.mark.parametrize(("code", "message"), INVALID_USCC.items())
def test_invalid_unified_social_credit_code_is_refused_with_a_chinese_reason(code, message):
    with pytest.raises(ValidationError, match=message):
        validate_uscc(code)


@pytest.mark.parametrize("number", VALID_RESIDENT_IDS)
def test_valid_resident_id_numbers_pass(number):
    validate_resident_id(number)


@pytest.mark.parametrize(("number", "message"), INVALID_RESIDENT_IDS.items())
def test_invalid_resident_id_number_is_refused_with_a_chinese_reason(number, message):
    with pytest.raises(ValidationError, match=message):
        validate_resident_id(number)


def test_a_leap_day_birth_date_is_valid():
    validate_resident_id(resident_id("11010520000229002"))


def test_a_birth_date_in_the_future_is_refused():
    next_year = timezone.localdate().year + 1
    with pytest.raises(ValidationError, match="出生日期"):
        validate_resident_id(resident_id(f"110105{next_year}0101002"))


# --- through the add-party page ---------------------------------------------------------------------


@pytest.fixture
def case(cast):
    return services.case_register(user=cast.user("msb_officer"), title="证件校验测试案", source=CaseSource.TIP, summary="测试线索")


@pytest.fixture
def add_party(login, case):
    officer = login("msb_officer")

    def _post(**fields):
        data = {"kind": "insured", "name": "张某", "identifier_type": "resident_id", "identifier": VALID_RESIDENT_IDS[0],
                "address": "镇江市", **fields}
        return officer.post(reverse("cases:subject_add", args=[case.pk]), data)

    return _post


@pytest.mark.django_db
@pytest.mark.parametrize(("fields", "message"), [
    ({"identifier": "110105194912310021"}, "居民身份证号码校验位不正确，请核对。"),
    ({"identifier": resident_id("11010519490231002")}, "居民身份证号码中的出生日期无效。"),
    ({"kind": "institution", "name": "某医院", "identifier_type": "uscc", "identifier": "91350100M000100Y44"},
     "统一社会信用代码校验位不正确，请核对。"),
    ({"kind": "institution", "name": "某医院", "identifier_type": "resident_id"}, "定点医药机构应填写统一社会信用代码。"),
    ({"kind": "pharmacy", "name": "某药店", "identifier_type": "other", "identifier": "X-1"}, "定点医药机构应填写统一社会信用代码。"),
    ({"identifier_type": "uscc", "identifier": VALID_USCC[0]}, "个人应填写居民身份证号码或其他证件号码。"),
])
def test_a_bad_identifier_shows_a_chinese_error_on_the_form_and_adds_no_party(case, add_party, fields, message):
    response = add_party(**fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Subject.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_a_valid_party_is_added_with_its_identifier_in_upper_case(case, add_party, login):
    response = add_party(kind="institution", name="镇江某某医院有限公司", identifier_type="uscc", identifier="91350100m000100y43")
    assert response.status_code == 302
    response = add_party(identifier="11010519491231002x")
    assert response.status_code == 302
    assert sorted(Subject.objects.filter(case=case).values_list("identifier", flat=True)) == [
        "11010519491231002X", "91350100M000100Y43"]
    page = login("msb_officer").get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "镇江某某医院有限公司" in page and "91350100M000100Y43" in page


def form_errors(response) -> list[str]:
    form = response.context["form"]
    return [error for errors in form.errors.values() for error in errors]


@pytest.mark.django_db
def test_the_same_party_cannot_be_added_twice_to_a_case(case, add_party):
    assert add_party().status_code == 302
    response = add_party(identifier=VALID_RESIDENT_IDS[0].lower(), name="张某（重复）")
    assert response.status_code == 200
    assert "已经存在" in response.content.decode()
    assert list(Subject.objects.filter(case=case).values_list("name", flat=True)) == ["张某"]


@pytest.mark.django_db
def test_the_duplicate_party_error_is_all_in_chinese(case, add_party):
    """Once read '包含 Case，证件类型 和 证件号码 的 当事人 已经存在。' (Subject.case had no verbose_name)."""
    add_party()
    errors = form_errors(add_party(name="张某（重复）"))
    assert errors and not any(c.isascii() and c.isalpha() for error in errors for c in error), errors
