"""Who sees a supervision, and what the supervising level reads of the case: the case, its
referrals (not the confidential ones) and their clocks — nothing else of the handling agency."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from agencies.models import AuditEvent
from agencies.permissions import officer_of
from agencies.visibility import BranchPages
from casework.models import Deadline
from referral.selectors import without_confidential_clocks
from supervision.models import Supervision, SupervisionProcess


def supervision_list_for_user(*, user, search: str = "", status: str = "") -> QuerySet[Supervision]:
    officer = officer_of(user)
    if officer is None:
        return Supervision.objects.none()
    agency = officer.agency_id
    rows = Supervision.objects.filter(Q(supervisor=agency) | Q(co_supervisor=agency) | Q(case__agency=agency))
    if search:
        rows = rows.filter(Q(case__title__icontains=search) | Q(case__number__icontains=search) | Q(notice__number__icontains=search))
    if status:
        rows = rows.filter(status=status)
    return rows.select_related("case", "case__agency", "supervisor", "co_supervisor", "notice")


def supervision_pages_for_user(*, user, search: str = "", status: str = "") -> BranchPages | QuerySet[Supervision]:
    """What the supervision list pages through: the agency's supervisions as supervisor, as
    co-supervisor and on its own cases, each read newest first from an index of its own, merged."""
    officer = officer_of(user)
    if officer is None:
        return Supervision.objects.none()
    agency = officer.agency_id
    branches = [Supervision.objects.filter(supervisor=agency), Supervision.objects.filter(co_supervisor=agency),
                Supervision.objects.filter(case__agency=agency)]
    if search:
        found = Q(case__title__icontains=search) | Q(case__number__icontains=search) | Q(notice__number__icontains=search)
        branches = [branch.filter(found) for branch in branches]
    if status:
        branches = [branch.filter(status=status) for branch in branches]
    rows = Supervision.objects.select_related("case", "case__agency", "supervisor", "co_supervisor", "notice")
    return BranchPages(model=Supervision, branches=branches, key="proposed_at", rows=rows)


def supervision_process_list_for_user(*, user) -> QuerySet[SupervisionProcess]:
    return SupervisionProcess.objects.filter(supervision__in=supervision_list_for_user(user=user).values("pk"))


def get_supervision_or_404(*, user, supervision_id: int) -> Supervision:
    supervision = supervision_list_for_user(user=user).filter(pk=supervision_id).first()
    if supervision is None:
        raise Http404("没有找到该督办事项，或您无权查看。")
    return supervision


def supervised_referrals(supervision: Supervision):
    return supervision.case.referrals.filter(confidential=False).select_related("to_agency", "from_agency").order_by("created_at")


def supervised_clocks(supervision: Supervision) -> QuerySet[Deadline]:
    """Every clock of the case and of its open referrals, without those of confidential referrals."""
    clocks = without_confidential_clocks(Deadline.objects.filter(case=supervision.case))
    return clocks.select_related("agency", "responsible").order_by("started_at", "id")


def supervision_timeline(supervision: Supervision) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(thread=f"supervision:{supervision.pk}").select_related("actor", "agency").order_by("occurred_at", "id")
