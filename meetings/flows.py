"""议定事项落实 — each resolution of an issued 纪要 is an action item in its 牵头单位's queue."""

from __future__ import annotations

from django.db import transaction
from viewflow import this
from viewflow.workflow import flow, lock

from agencies.permissions import ACT_FOR_AGENCY
from casework.nodes import View
from casework.workflow import ScopedFlowMixin
from meetings import services, tasks
from meetings.models import Meeting, ResolutionProcess
from meetings.selectors import resolution_process_list_for_user
from supervision.flows import supervision_open
from supervision.models import ProposalSource


def owner(process):
    return process.coerced.resolution.owner


class ResolutionFlow(ScopedFlowMixin, flow.Flow):
    """议定事项落实

    联席会议纪要印发 → 牵头单位组织落实（配合单位报送进展）→ 办结并提交佐证，或因与依法作出的决定冲突而无法落实。"""

    process_class = ResolutionProcess
    process_summary_template = "议定事项：{{ process.resolution.text|truncatechars:30 }}"
    case_lookup = "resolutionprocess__resolution__case"
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.open).Annotation(title="纪要印发").Next(this.carry_out)
    carry_out = (
        View(tasks.SettleView.as_view())
        .Annotation(title="落实议定事项", summary_template="{{ process.resolution.text|truncatechars:40 }}")
        .Permission(ACT_FOR_AGENCY, obj=owner)
        .Next(this.end)
    )
    end = flow.End().Annotation(title="办结")

    def visible_processes(self, user):
        return resolution_process_list_for_user(user=user)

    def open(self, activation, resolution):
        activation.process.resolution = resolution
        return activation.process


def minutes_issue_and_track(*, meeting: Meeting, user, **fields) -> Meeting:
    """Issue the 纪要 and put each 议定事项 in its 牵头单位's queue, in one transaction."""
    with transaction.atomic():
        meeting = services.minutes_issue(meeting=meeting, user=user, **fields)
        for resolution in meeting.resolutions.all():
            ResolutionFlow.start.run(resolution=resolution)
            if resolution.propose_supervision:  # a meeting resolution proposes 挂牌督办 (domain §9.3)
                supervision_open(case=resolution.case, user=user, criteria=[], source=ProposalSource.MEETING,
                                 reason=f"{meeting.title}（纪要{meeting.issue_label}）议定：{resolution.text}")
    return meeting
