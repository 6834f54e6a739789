"""Reads about agencies and officers."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
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
    """The active users who are officers of `agency` (in `roles`), each with its officer row, in the
    officer list's order: the users themselves, read with the one join that says who they are (every
    step that notifies a bureau's heads asks this; reading officers with their agency and sorting by
    it cost half again as much)."""
    users = get_user_model().objects.filter(officer__agency=agency, is_active=True).select_related("officer")
    if roles is not None:
        users = users.filter(officer__role__in=list(roles))
    return list(users.order_by("officer__role", "username"))


def bureaus_below(agency: Agency) -> list[Agency]:
    """The 医疗保障局 below `agency` in the hierarchy, level by level (one query a level)."""
    below, level = [], [agency]
    while level:
        level = list(Agency.objects.filter(parent__in=level, kind=AgencyKind.MSB).order_by("region_code"))
        below += level
    return below
