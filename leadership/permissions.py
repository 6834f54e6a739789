"""Who reads the statistics, and for which regions.

Officers of a 医疗保障局 (leaders and heads above all) read the figures of their own bureau's region and
of the bureaus below it: a city bureau its city, the province the whole province or any one of its
cities. Another city's numbers are never within reach of a city officer.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied

from agencies.models import Agency, AgencyKind, AgencyLevel
from agencies.permissions import officer_of
from agencies.selectors import bureaus_below
from leadership.statistics import Region

WHOLE = {AgencyLevel.NATIONAL: "全国", AgencyLevel.PROVINCE: "全省", AgencyLevel.CITY: "全市", AgencyLevel.COUNTY: "全县（区）"}


def statistics_agency_of(user) -> Agency | None:
    """The user's bureau when it is a 医疗保障局; nobody else reads these statistics."""
    officer = officer_of(user)
    if officer is None or officer.agency.kind != AgencyKind.MSB:
        return None
    return officer.agency


def can_view_statistics(user) -> bool:
    return statistics_agency_of(user) is not None


def can_read_discipline_counts(user) -> bool:
    """The count of referrals to the discipline bodies: confidential, for LIANBAN_STATISTICS_DISCIPLINE_ROLES only."""
    officer = officer_of(user)
    return statistics_agency_of(user) is not None and officer.role in settings.LIANBAN_STATISTICS_DISCIPLINE_ROLES


def get_statistics_agency_or_403(user) -> Agency:
    agency = statistics_agency_of(user)
    if agency is None:
        raise PermissionDenied("只有医疗保障局的工作人员可以查看统计。")
    return agency


def statistics_regions(agency: Agency) -> list[tuple[Region, str]]:
    """(region, label for the picker): the bureau's own region first, then each bureau's below it."""
    below = [bureau for bureau in bureaus_below(agency) if bureau.region_code != agency.region_code]
    own = Region(code=agency.region_code, name=agency.region_name)
    regions = [(own, f"{own.name}（{WHOLE[agency.level]}）" if below else own.name)]
    seen = {own.code}
    for bureau in below:
        if bureau.region_code not in seen:
            seen.add(bureau.region_code)
            regions.append((Region(code=bureau.region_code, name=bureau.region_name), bureau.region_name))
    return regions
