"""Every write about inspections: one transaction each, audited on the institution's timeline."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.audit import audit_append
from agreements.models import Institution
from inspections.models import Inspection
from inspections.permissions import can_inspect, inspecting_agency_of


@transaction.atomic
def inspection_record(*, user, institution: Institution, kind: str, inspected_on: date, findings: str) -> Inspection:
    """登记检查: one visit of one institution by the officer's agency."""
    agency = inspecting_agency_of(user)
    if agency is None or not can_inspect(user, institution):
        raise PermissionDenied("只有管辖该机构的医疗保障局或签约经办机构的工作人员可以登记检查。")
    inspection = Inspection(
        institution=institution, kind=kind, inspected_on=inspected_on, agency=agency, findings=(findings or "").strip(),
        recorded_by=user,
    )
    inspection.full_clean()
    if inspected_on > timezone.localdate():
        raise ValidationError({"inspected_on": "检查日期不能晚于今天。"})
    inspection.save()
    audit_append(
        actor=user, verb="inspection.recorded", target=inspection, agency=agency, thread=f"institution:{institution.pk}",
        summary=f"{agency.short_name}{inspection.get_kind_display()}（{inspected_on:%Y-%m-%d}）：{inspection.findings[:80]}",
        data={"kind": kind, "inspected_on": inspected_on},
    )
    return inspection
