"""Reads used by the inspection pages; every list is scoped to the user."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from agreements.models import AgreementStatus, Institution
from agreements.permissions import agreement_agency_of, visible_institutions_q
from inspections.models import Inspection
from inspections.permissions import visible_inspections_q


def inspection_list_for_user(*, user, search: str = "", kind: str = "") -> QuerySet[Inspection]:
    inspections = Inspection.objects.filter(visible_inspections_q(user))
    if search:
        inspections = inspections.filter(Q(institution__name__icontains=search) | Q(institution__uscc__iexact=search))
    if kind:
        inspections = inspections.filter(kind=kind)
    return inspections.select_related("institution", "agency", "recorded_by").order_by("-inspected_on", "-id")


def institutions_to_inspect(*, user) -> QuerySet[Institution]:
    """The institutions the user may inspect: those they may see, still designated (协议未解除)."""
    agency = agreement_agency_of(user)
    if agency is None:
        return Institution.objects.none()
    return Institution.objects.filter(visible_institutions_q(agency)).exclude(status=AgreementStatus.TERMINATED).order_by("name")
