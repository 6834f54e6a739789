"""Inspections of designated institutions (全覆盖检查, 双随机, 专项检查, 飞行检查), recorded by the bureau or the
经办机构 that may see the institution, and shown on the institution's record."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from agreements import services as agreement_services
from agreements.models import InstitutionKind
from casework.identifiers import id_check_char, uscc_check_char
from inspections import services
from inspections.models import Inspection, InspectionKind

pytestmark = pytest.mark.django_db


def code(first17: str, check) -> str:
    return first17 + check(first17)


@pytest.fixture
def renhe(cast):
    today = timezone.localdate()
    return agreement_services.institution_register(
        user=cast.user("fund_officer"), name="镇江仁和医院有限公司", uscc=code("91321100MA1N0B5X2", uscc_check_char),
        kind=InstitutionKind.HOSPITAL, legal_representative="钱立", legal_representative_id=code("32110219700101001", id_check_char),
        region_code="321102", agreement_start=today - timedelta(days=300), agreement_end=today + timedelta(days=400),
    )


def form(institution, **changes) -> dict:
    return {"institution": str(institution.pk), "kind": InspectionKind.FULL_COVERAGE,
            "inspected_on": timezone.localdate().isoformat(), "findings": "抽查病历30份，发现重复收费2例。", **changes}


def listed(response) -> list[str]:
    assert response.status_code == 200
    body = response.content.decode().split('data-testid="inspections"', 1)
    return re.findall(r'<a href="/agreements/\d+/">([^<]+)</a>', body[1]) if len(body) > 1 else []


def test_the_bureau_records_an_inspection_and_the_institution_page_shows_it(login, renhe):
    officer = login("msb_officer")
    page = officer.get(reverse("inspections:record"), {"institution": renhe.pk}).content.decode()
    assert f'name="institution" value="{renhe.pk}"' in page  # preselected
    response = officer.post(reverse("inspections:record"), form(renhe))
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert (inspection.agency.short_name, inspection.kind) == ("镇江市医保局", InspectionKind.FULL_COVERAGE)
    assert listed(officer.get(reverse("inspections:index"))) == ["镇江仁和医院有限公司"]
    record = login("fund_officer").get(reverse("agreements:detail", args=[renhe.pk])).content.decode()
    assert "镇江市医保局全覆盖检查" in record and "发现重复收费2例" in record


def test_a_date_in_the_future_or_the_same_visit_twice_is_refused(login, renhe):
    officer = login("fund_officer")
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert "检查日期不能晚于今天。" in officer.post(reverse("inspections:record"), form(renhe, inspected_on=tomorrow)).content.decode()
    assert officer.post(reverse("inspections:record"), form(renhe)).status_code == 302
    again = officer.post(reverse("inspections:record"), form(renhe))
    assert "该机关已登记过同一天对该机构的同类检查。" in again.content.decode()
    assert Inspection.objects.count() == 1


def test_another_citys_bureau_can_neither_see_nor_inspect_the_institution(cast, login, renhe):
    services.inspection_record(user=cast.user("fund_officer"), institution=renhe, kind=InspectionKind.SPECIAL,
                               inspected_on=timezone.localdate(), findings="未发现违法违规问题。")
    changzhou = login("cz_msb_officer")
    assert listed(changzhou.get(reverse("inspections:index"))) == []
    refused = changzhou.post(reverse("inspections:record"), form(renhe))
    assert refused.status_code == 200 and "选择一个有效的选项" in refused.content.decode()
    with pytest.raises(PermissionDenied):
        services.inspection_record(user=cast.user("cz_msb_officer"), institution=renhe, kind=InspectionKind.FLYING,
                                   inspected_on=timezone.localdate(), findings="——")
    assert Inspection.objects.count() == 1


def test_findings_are_required(cast, renhe):
    with pytest.raises(ValidationError) as raised:
        services.inspection_record(user=cast.user("msb_officer"), institution=renhe, kind=InspectionKind.RANDOM,
                                   inspected_on=timezone.localdate(), findings="  ")
    assert "findings" in raised.value.message_dict


@pytest.mark.parametrize("username", ["psb_officer", "health_officer"])
def test_other_agencies_have_no_access(login, username):
    client = login(username)
    assert client.get(reverse("inspections:index")).status_code == 403
    assert client.get(reverse("inspections:record")).status_code == 403
