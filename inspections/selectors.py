"""Reads used by the inspection pages; every list is scoped to the user."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from agreements.models import AgreementStatus, Institution
from agreements.permissions import agreement_agency_of, visible_institutions_q
from casework.paging import KeysetPages
from inspections.models import Inspection
from inspections.permissions import visible_inspections_q

INSPECTION_ORDER = ("-inspected_on", "-id")  # served by inspection_held_order and inspection_order


def inspection_list_for_user(*, user, search: str = "", kind: str = "") -> QuerySet[Inspection]:
    inspections = Inspection.objects.filter(visible_inspections_q(user))
    if search:
        inspections = inspections.filter(Q(institution__name__icontains=search) | Q(institution__uscc__iexact=search))
    if kind:
        inspections = inspections.filter(kind=kind)
    return inspections.select_related("institution", "agency", "recorded_by").order_by(*INSPECTION_ORDER)


def inspection_pages_for_user(*, user, search: str = "", kind: str = "") -> KeysetPages:
    """Newest first: read from (institution_agency, inspected_on, id) for the holding 经办机构, from
    (inspected_on, id) for a bureau (its region checked on each row as the index yields it)."""
    return KeysetPages(rows=inspection_list_for_user(user=user, search=search, kind=kind), order=INSPECTION_ORDER)


def institutions_to_inspect(*, user) -> QuerySet[Institution]:
    """The institutions the user may inspect: those they may see, still designated (协议未解除)."""
    agency = agreement_agency_of(user)
    if agency is None:
        return Institution.objects.none()
    return Institution.objects.filter(visible_institutions_q(agency)).exclude(status=AgreementStatus.TERMINATED).order_by("name")
