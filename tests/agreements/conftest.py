"""Institutions, practitioners and a second 经办机构 for the agreement tests.

镇江市医保中心 (fund_officer) holds the agreements of 镇江 institutions; 镇江市医保局 (msb_officer) and
江苏省医保局 (js_msb_officer) read them; 常州 is the other city: its MSB (cz_msb_officer) sees none of
镇江's institutions, and its own 经办机构 (cz_fund_officer, made here) registers practitioners in 常州.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from agencies.models import AgencyKind, AgencyLevel, Role
from agencies.services import agency_create, officer_create
from agreements import services
from agreements.models import ActionKind, InstitutionKind, TerminationGround
from casework.identifiers import id_check_char, uscc_check_char


def uscc(serial: int, region: str = "321100") -> str:
    first17 = f"91{region}MA{serial:07d}"
    return first17 + uscc_check_char(first17)


def resident_id(serial: int, region: str = "321102") -> str:
    first17 = f"{region}19800101{serial:03d}"
    return first17 + id_check_char(first17)


def wrong_check(code: str) -> str:
    """The code with a wrong check character."""
    return code[:-1] + ("1" if code[-1] != "1" else "2")


def today() -> date:
    return timezone.localdate()


def days_ago(days: int) -> date:
    return today() - timedelta(days=days)


def years_later(day: date, years: int) -> date:
    """The same calendar day `years` later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def day_after_years(day: date, years: int) -> date:
    """The first day after a period of `years` starting on `day` (民法典 Art. 201–202: the start day is
    not counted and the period ends on the same calendar day, or the month's last day)."""
    return years_later(day, years) + timedelta(days=1)


def register_institution(user, serial: int, *, name: str = "", region: str = "321100", **changes):
    fields = {
        "name": name or f"镇江测试医院{serial}有限公司",
        "uscc": uscc(serial, region),
        "kind": InstitutionKind.HOSPITAL,
        "legal_representative": f"法人{serial}",
        "legal_representative_id": resident_id(serial),
        "controller": f"控制人{serial}",
        "controller_id": resident_id(500 + serial),
        "region_code": region,
        "agreement_start": days_ago(365),
        "agreement_end": today() + timedelta(days=730),
        **changes,
    }
    return services.institution_register(user=user, **fields)


def suspend(user, institution, *, decided_on: date | None = None, number: str = "镇医保中心协〔2026〕1号"):
    return services.action_record(
        user=user, institution=institution, kind=ActionKind.SUSPEND, decided_on=decided_on or days_ago(30),
        document_number=number, facts="虚记诊疗项目，拒不整改。", statement_heard=True,
    )


def terminate(user, institution, *, decided_on: date | None = None):
    return services.agreement_terminate(
        user=user, institution=institution, decided_on=decided_on or days_ago(10),
        ground=TerminationGround.FRAUD_CONFIRMED, document_number="镇医保中心协〔2026〕9号",
        facts="经医疗保障行政部门查实虚构医药服务骗取医保基金。", statement_heard=True,
    )


@pytest.fixture
def fund(cast):
    return cast.user("fund_officer")


@pytest.fixture
def kangning(fund):
    """镇江康宁医院: a 镇江 hospital under agreement with 镇江市医保中心."""
    return register_institution(fund, 1, name="镇江康宁医院有限公司", legal_representative="孙康宁", controller="孙大成")


@pytest.fixture
def cz_fund(cast):
    """常州市医保中心 and its officer: the 经办机构 of another city."""
    agency = agency_create(
        code="cz-fund", name="常州市医疗保险基金管理中心", short_name="常州市医保中心", kind=AgencyKind.HANDLING,
        level=AgencyLevel.CITY, region_code="320400", region_name="常州市", doc_prefix="常医保中心",
        parent=cast.agencies["cz-msb"],
    )
    return officer_create(username="cz_fund_officer", full_name="蒋涛", agency=agency, role=Role.OFFICER).user
