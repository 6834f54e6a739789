"""Reads used by the agreement pages; every list is scoped to the user."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from agencies.models import AgencyKind, AuditEvent
from agencies.regions import region_prefix
from agreements.models import (
    AgreementAction,
    AgreementStatus,
    DesignationApplication,
    Institution,
    PaymentStatus,
    Practitioner,
)
from agreements.permissions import agreement_agency_of, region_q, visible_institutions_q
from casework.paging import KeysetPages

# Each list's order, served by an index of the same columns (migrations 0003_list_order): the holding
# 经办机构's rows lead with `agency`, a bureau's with the region range or the order itself.
INSTITUTION_ORDER = ("region_code", "name", "id")
APPLICATION_ORDER = ("-received_on", "-id")
PRACTITIONER_ORDER = ("name", "id")


def institution_list_for_user(*, user, search: str = "", status: str = "") -> QuerySet[Institution]:
    institutions = Institution.objects.filter(visible_institutions_q(agreement_agency_of(user)))
    if search:
        institutions = institutions.filter(Q(name__icontains=search) | Q(uscc__icontains=search))
    if status:
        institutions = institutions.filter(status=status)
    return institutions.select_related("agency").order_by(*INSTITUTION_ORDER)


def institution_pages_for_user(*, user, search: str = "", status: str = "") -> KeysetPages:
    """The institution list page by page, read from (agency, region_code, name, id) for the holding
    经办机构 and from (region_code, name, id) within the region's range for a bureau."""
    return KeysetPages(rows=institution_list_for_user(user=user, search=search, status=status), order=INSTITUTION_ORDER)


def institutions_held_by(*, agency) -> QuerySet[Institution]:
    """Where the 经办机构's officers may register practitioners: its own institutions still under agreement."""
    return Institution.objects.filter(agency=agency).exclude(status=AgreementStatus.TERMINATED).order_by("name")


def practitioners_of_institution(*, institution: Institution, stop: int) -> list[Practitioner]:
    """The first `stop` people registered at the institution, by name."""
    return list(institution.practitioners.order_by(*PRACTITIONER_ORDER)[:stop])


def action_list_for_institution(*, institution: Institution) -> QuerySet[AgreementAction]:
    return institution.actions.select_related("decided_by", "case").order_by("-decided_on", "-id")


def timeline(*, target) -> QuerySet[AuditEvent]:
    """The audit events of an institution's or a practitioner's thread, oldest first."""
    thread = f"{target._meta.model_name}:{target.pk}"
    return AuditEvent.objects.filter(thread=thread).select_related("actor", "agency").order_by("occurred_at", "id")


def application_list_for_user(*, user, search: str = "") -> QuerySet[DesignationApplication]:
    agency = agreement_agency_of(user)
    if agency is None:
        return DesignationApplication.objects.none()
    if agency.kind == AgencyKind.HANDLING:
        applications = DesignationApplication.objects.filter(agency=agency)
    else:
        applications = DesignationApplication.objects.filter(region_q(region_prefix(agency.region_code)))
    if search:
        applications = applications.filter(name__icontains=search)
    return applications.select_related("agency", "received_by").order_by(*APPLICATION_ORDER)


def application_pages_for_user(*, user, search: str = "") -> KeysetPages:
    """Newest received first, read from (agency, received_on, id) for the receiving 经办机构 and from
    (received_on, id) for a bureau (its region checked on each row as the index yields it)."""
    return KeysetPages(rows=application_list_for_user(user=user, search=search), order=APPLICATION_ORDER)


RESIDENT_ID = re.compile(r"^\d{17}[\dXx]$")


def _status_q(status: str) -> Q:
    """Payment status as it stands today: a suspension whose period is over counts as 正常."""
    today = timezone.localdate()
    expired = Q(status=PaymentStatus.SUSPENDED, suspended_until__lte=today)
    if status == PaymentStatus.NORMAL:
        return Q(status=PaymentStatus.NORMAL) | expired
    if status == PaymentStatus.SUSPENDED:
        return Q(status=PaymentStatus.SUSPENDED) & ~expired
    return Q(status=status)


def practitioner_list_for_user(*, user, search: str = "", status: str = "") -> QuerySet[Practitioner]:
    """Practitioners registered at institutions the user may see; a complete 身份证号码 finds the person
    wherever they are registered (一医一档 follows the person), a partial one finds nothing."""
    agency = agreement_agency_of(user)
    if agency is None:
        return Practitioner.objects.none()
    scope = visible_institutions_q(agency, copied=True)  # the institution's 经办机构 and region, copied on the row
    if search and RESIDENT_ID.match(search):
        practitioners = Practitioner.objects.filter(id_number=search.upper())
    elif search:
        practitioners = Practitioner.objects.filter(scope, name__icontains=search)
    else:
        practitioners = Practitioner.objects.filter(scope)
    if status:
        practitioners = practitioners.filter(_status_q(status))
    return practitioners.select_related("institution").order_by(*PRACTITIONER_ORDER)


def practitioner_pages_for_user(*, user, search: str = "", status: str = "") -> KeysetPages:
    """By name: read from (institution_agency, name, id) for the holding 经办机构, from (name, id) for a
    bureau (its region checked on each row as the index yields it); a complete 身份证号码 is one row."""
    return KeysetPages(rows=practitioner_list_for_user(user=user, search=search, status=status), order=PRACTITIONER_ORDER)


def points_by_year(*, practitioner: Practitioner) -> list[dict]:
    """[{"year": 2026, "total": 9}, …], newest year first; each year starts again from zero."""
    return list(
        practitioner.point_records.annotate(year=ExtractYear("event_date"))
        .values("year").annotate(total=Sum("points")).order_by("-year")
    )
