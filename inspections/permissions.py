"""Who records and reads inspections: officers of a 医疗保障局 or 经办机构, for the institutions they may
see (agreements.permissions: the holding 经办机构 its own, an MSB those in its region)."""

from __future__ import annotations

from django.db.models import Q

from agencies.models import Agency
from agencies.permissions import can_act_for
from agreements.models import Institution
from agreements.permissions import agreement_agency_of, can_view_institution, visible_institutions_q


def inspecting_agency_of(user) -> Agency | None:
    """The agency in whose name `user` records inspections, or None."""
    agency = agreement_agency_of(user)
    if agency is None or not can_act_for(user, agency):
        return None
    return agency


def can_use_inspections(user) -> bool:
    return agreement_agency_of(user) is not None


def can_inspect(user, institution: Institution) -> bool:
    return inspecting_agency_of(user) is not None and can_view_institution(user, institution)


def visible_inspections_q(user) -> Q:
    """Inspections of the institutions the user may see."""
    agency = agreement_agency_of(user)
    if agency is None:
        return Q(pk__in=[])
    return visible_institutions_q(agency, copied=True)  # the institution's 经办机构 and region, copied on the row
