"""Case permissions: codenames and get-or-404 helpers. Grants go through agencies.permissions."""

from __future__ import annotations

from django.http import Http404

from agencies.permissions import ACT_FOR_AGENCY, acts_for_a_bureau, can_act_for
from casework.models import Case, Evidence

VIEW_CASE = "casework.view_case"


def can_view_case(user, case: Case) -> bool:
    return user.is_authenticated and user.has_perm(VIEW_CASE, case)


def can_register_leads(user) -> bool:
    """Leads are registered by officers of a medical security bureau who may act for it."""
    return acts_for_a_bureau(user)


def can_edit_case(user, case: Case) -> bool:
    """Add parties or evidence: an officer of the owning agency, while the case is open."""
    return case.is_open and can_view_case(user, case) and can_act_for(user, case.agency, ACT_FOR_AGENCY)


def get_case_or_404(*, user, case_id: int) -> Case:
    """The case, or 404 for anyone who may not see it (an outsider learns nothing, not even that it exists)."""
    case = Case.objects.select_related("agency", "lead_officer", "registered_by").filter(pk=case_id).first()
    if case is None or not can_view_case(user, case):
        raise Http404("没有找到该案件，或您无权查看。")
    return case


def get_evidence_or_404(*, user, case_id: int, evidence_id: int) -> Evidence:
    case = get_case_or_404(user=user, case_id=case_id)
    evidence = case.evidence.filter(pk=evidence_id).first()
    if evidence is None:
        raise Http404("没有找到该证据材料。")
    return evidence
