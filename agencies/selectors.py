"""Reads about agencies and officers."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from agencies.models import Agency, AgencyKind, Officer


def agency_counterparts(*, agency: Agency, kind: str) -> QuerySet[Agency]:
    """Agencies of `kind` at the same level in the same region (同级), e.g. the PSB for an MSB."""
    return Agency.objects.filter(kind=kind, level=agency.level, region_code=agency.region_code)


def agency_same_level_psb(*, agency: Agency) -> Agency | None:
    return agency_counterparts(agency=agency, kind=AgencyKind.PSB).order_by("pk").first()


def agency_forward_targets(*, agency: Agency) -> QuerySet[Agency]:
    """The police organs a PSB may pass a transfer on to as competent (310 Art. 7): the other organs of
    its own city — the city's bureau, its district and county branches — and the province's above it;
    never another city's."""
    city = agency.region_code[:4]
    province = agency.region_code[:2] + "0000"
    return (
        Agency.objects.filter(kind=AgencyKind.PSB)
        .filter(Q(region_code__startswith=city) | Q(region_code=province))
        .exclude(pk=agency.pk)
        .order_by("region_code", "name")
    )


def officer_list(*, agency: Agency, roles: Iterable[str] | None = None) -> QuerySet[Officer]:
    officers = Officer.objects.filter(agency=agency, user__is_active=True).select_related("user", "agency")
    if roles is not None:
        officers = officers.filter(role__in=list(roles))
    return officers


def officer_users(*, agency: Agency, roles: Iterable[str] | None = None) -> list:
    return [officer.user for officer in officer_list(agency=agency, roles=roles)]


def bureaus_below(agency: Agency) -> list[Agency]:
    """The 医疗保障局 below `agency` in the hierarchy, level by level (one query a level)."""
    below, level = [], [agency]
    while level:
        level = list(Agency.objects.filter(parent__in=level, kind=AgencyKind.MSB).order_by("region_code"))
        below += level
    return below
