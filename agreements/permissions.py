"""Who may see and handle agreements and practitioners' records. No object grants: visibility follows
the officer's agency (the 经办机构 that holds the agreement; the MSBs over its region), like a selector."""

from __future__ import annotations

import re

from django.db.models import Q
from django.http import Http404

from agencies.models import Agency, AgencyKind
from agencies.permissions import can_act_for, officer_of
from agencies.regions import region_covers, region_prefix
from agreements.models import AgreementAction, Institution, Practitioner

AGREEMENT_AGENCY_KINDS = {AgencyKind.HANDLING, AgencyKind.MSB}


def agreement_agency_of(user) -> Agency | None:
    """The user's agency when it is a 经办机构 or a 医疗保障局; nobody else works with agreements."""
    officer = officer_of(user)
    if officer is None or officer.agency.kind not in AGREEMENT_AGENCY_KINDS:
        return None
    return officer.agency


def can_use_agreements(user) -> bool:
    return agreement_agency_of(user) is not None


def visible_institutions_q(agency: Agency | None, *, copied: bool = False) -> Q:
    """The holding 经办机构 sees its own institutions; an MSB sees those in its region, read-only.
    `copied`: the same, on the copy of the institution's 经办机构 and region that practitioners and
    inspections carry (`institution_agency`, `institution_region`)."""
    if agency is None:
        return Q(pk__in=[])
    if agency.kind == AgencyKind.HANDLING:
        return Q(institution_agency=agency) if copied else Q(agency=agency)
    return region_q(region_prefix(agency.region_code), field="institution_region" if copied else "region_code")


def region_q(prefix: str, *, field: str = "region_code") -> Q:
    """行政区划代码 starting with `prefix`, also said as the range of codes it spans (`>= 3211 AND < 3212`):
    the same rows, but an index on the code serves a range under any collation and LIKE only under "C"."""
    within = Q(**{f"{field}__startswith": prefix})
    if not re.fullmatch(r"[0-9]+", prefix):  # "" (the whole country) or not a code: no range to add
        return within
    within &= Q(**{f"{field}__gte": prefix})
    if kept := prefix.rstrip("9"):  # 3219 → below 322; 99 → no upper bound
        within &= Q(**{f"{field}__lt": kept[:-1] + str(int(kept[-1]) + 1)})
    return within


def can_view_institution(user, institution: Institution) -> bool:
    agency = agreement_agency_of(user)
    if agency is None:
        return False
    if agency.kind == AgencyKind.HANDLING:
        return institution.agency_id == agency.pk
    return region_covers(agency.region_code, institution.region_code)


def can_handle_institution(user, institution: Institution) -> bool:
    """Record 协议处理, register practitioners and record points: officers of the holding 经办机构."""
    return can_act_for(user, institution.agency)


def can_receive_for_agency(user) -> Agency | None:
    """The 经办机构 for which `user` may register institutions and receive designation applications."""
    agency = agreement_agency_of(user)
    if agency is None or agency.kind != AgencyKind.HANDLING or not can_act_for(user, agency):
        return None
    return agency


def get_institution_or_404(*, user, institution_id: int) -> Institution:
    institution = Institution.objects.select_related("agency").filter(pk=institution_id).first()
    if institution is None or not can_view_institution(user, institution):
        raise Http404("没有找到该定点医药机构，或您无权查看。")
    return institution


def get_action_or_404(*, user, action_id: int) -> AgreementAction:
    action = AgreementAction.objects.select_related("institution__agency").filter(pk=action_id).first()
    if action is None or not can_view_institution(user, action.institution):
        raise Http404("没有找到该协议处理记录，或您无权查看。")
    return action


def can_view_practitioner(user, practitioner: Practitioner) -> bool:
    """一医一档 is read where the person works or worked: the agencies that see the institution the
    practitioner is registered at, or an institution where points were recorded. Elsewhere a complete
    身份证号码 still finds the person in the list (practitioner_list_for_user), not the record."""
    if can_view_institution(user, practitioner.institution):
        return True
    institutions = Institution.objects.filter(visible_institutions_q(agreement_agency_of(user)))
    return practitioner.point_records.filter(institution__in=institutions).exists()


def get_practitioner_or_404(*, user, practitioner_id: int) -> Practitioner:
    practitioner = Practitioner.objects.select_related("institution__agency").filter(pk=practitioner_id).first()
    if practitioner is None or not can_view_practitioner(user, practitioner):
        raise Http404("没有找到该人员，或您无权查看。")
    return practitioner
