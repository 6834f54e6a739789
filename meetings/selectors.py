"""Who sees what of the joint meetings: the member agencies (and the convening government office)
see the mechanism, its meetings and resolutions; action items sit in the 牵头单位's queue."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from agencies.models import AuditEvent
from agencies.permissions import officer_of
from agencies.visibility import BranchPages
from meetings.models import Meeting, Mechanism, Resolution, ResolutionProcess, ResolutionStatus


def mechanism_list_for_user(*, user) -> QuerySet[Mechanism]:
    officer = officer_of(user)
    if officer is None:
        return Mechanism.objects.none()
    return Mechanism.objects.filter(Q(memberships__agency=officer.agency_id) | Q(convenor_agency=officer.agency_id)).distinct()


def meeting_list_for_user(*, user, search: str = "", status: str = "") -> QuerySet[Meeting]:
    rows = Meeting.objects.filter(mechanism__in=mechanism_list_for_user(user=user).values("pk"))
    if search:
        rows = rows.filter(Q(title__icontains=search) | Q(mechanism__name__icontains=search))
    if status:
        rows = rows.filter(status=status)
    return rows.select_related("mechanism")


def meeting_pages_for_user(*, user, search: str = "", status: str = "") -> BranchPages:
    """What the meeting list pages through: the meetings of each mechanism the user's agency sits on,
    each read newest first from the (mechanism, held_at, id) index, merged."""
    mechanisms = list(mechanism_list_for_user(user=user).values_list("pk", flat=True))
    branches = [Meeting.objects.filter(mechanism=mechanism) for mechanism in mechanisms]
    if search:
        branches = [branch.filter(Q(title__icontains=search) | Q(mechanism__name__icontains=search)) for branch in branches]
    if status:
        branches = [branch.filter(status=status) for branch in branches]
    return BranchPages(model=Meeting, branches=branches, key="held_at", rows=Meeting.objects.select_related("mechanism"))


def resolution_list_for_user(*, user) -> QuerySet[Resolution]:
    return Resolution.objects.filter(meeting__mechanism__in=mechanism_list_for_user(user=user).values("pk")).select_related(
        "meeting", "owner")


def open_items_of_agency(*, user) -> QuerySet[Resolution]:
    """The action items the user's agency leads and has not settled."""
    officer = officer_of(user)
    if officer is None:
        return Resolution.objects.none()
    return resolution_list_for_user(user=user).filter(owner=officer.agency_id).exclude(
        status__in=[ResolutionStatus.DONE, ResolutionStatus.BLOCKED]).order_by("due_on", "id")


def resolution_process_list_for_user(*, user) -> QuerySet[ResolutionProcess]:
    return ResolutionProcess.objects.filter(resolution__in=resolution_list_for_user(user=user).values("pk"))


def _or_404(rows, pk: int, what: str):
    row = rows.filter(pk=pk).first()
    if row is None:
        raise Http404(f"没有找到该{what}，或您无权查看。")
    return row


def get_mechanism_or_404(*, user, mechanism_id: int) -> Mechanism:
    return _or_404(mechanism_list_for_user(user=user), mechanism_id, "联席会议机制")


def get_meeting_or_404(*, user, meeting_id: int) -> Meeting:
    return _or_404(meeting_list_for_user(user=user), meeting_id, "会议")


def get_resolution_or_404(*, user, resolution_id: int) -> Resolution:
    return _or_404(resolution_list_for_user(user=user), resolution_id, "议定事项")


def mechanism_timeline(mechanism: Mechanism) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(thread=f"mechanism:{mechanism.pk}").select_related("actor", "agency").order_by("occurred_at", "id")
