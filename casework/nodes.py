"""A human-task node whose every page is closed to users outside the task's agency.

viewflow's stock `View` lets anyone who may see the process open a task's detail page, and its
index page redirects silently. Here both answer 403 unless the user may see the process *and*
belongs to the agency the task is addressed to (the object of its `.Permission(...)`).
"""

from __future__ import annotations

from django.urls import path
from viewflow.workflow import STATUS, flow
from viewflow.workflow.flow import utils
from viewflow.workflow.nodes.view import ViewActivation

from agencies.audit import audit_append
from agencies.models import Agency
from agencies.permissions import officer_of


class AuditedViewActivation(ViewActivation):
    """Taking a task (认领) and handing it back (退回) change who must act: both are audited, on the
    single-task pages and the bulk ones alike. The events go to the process's own thread, so a
    confidential referral's steps never show on its case's timeline."""

    @ViewActivation.status.super()
    def assign(self, user):
        self.task.owner = user
        self.task.save()
        self._audit(user, "task.claimed", "认领")

    @ViewActivation.status.super()
    def unassign(self):
        owner = self.task.owner
        self.task.owner = None
        self.task.save()
        self._audit(owner, "task.returned", "退回")

    def _audit(self, user, verb: str, action: str) -> None:
        officer = officer_of(user) if user is not None else None
        audit_append(
            actor=user, verb=verb, target=self.task, agency=officer.agency if officer else None,
            thread=f"process:{self.task.process_id}", summary=f"{action}任务「{self.flow_task.task_title or self.flow_task.name}」",
            data={"task": self.task.pk, "process": self.task.process_id},
        )


class View(flow.View):
    activation_class = AuditedViewActivation

    def can_view(self, user, task) -> bool:
        if not self.flow_class.instance.has_view_permission(user, task.process.coerced):
            return False
        agency_pk = task.owner_permission_obj_pk
        if agency_pk is None:
            return True
        officer = officer_of(user)
        if officer is None:
            return False
        if str(officer.agency_id) == str(agency_pk):
            return True
        # 代录: the clerks of the agency that records for an agency on paper (agencies.recording)
        on_paper = Agency.objects.filter(pk=agency_pk, recorded_by_id=officer.agency_id).first()
        return on_paper is not None and user.has_perm(task.owner_permission, on_paper)

    @property
    def index_path(self):
        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/",
            utils.wrap_task_view(self, self.index_view, permission=self.can_view),
            name="index",
        )

    @property
    def detail_path(self):
        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/detail/",
            utils.wrap_task_view(self, self.detail_view, permission=self.can_view),
            name="detail",
        )


def resume_waiting(process, node_name: str) -> bool:
    """Complete a flow's wait at `node_name` (a `flow.Handle`), if the process is waiting there."""
    for task in process.task_set.filter(status=STATUS.NEW):
        if task.flow_task.name == node_name:
            task.flow_task.run(task)
            return True
    return False
