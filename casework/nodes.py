"""A human-task node whose every page is closed to users outside the task's agency.

viewflow's stock `View` lets anyone who may see the process open a task's detail page, and its
index page redirects silently. Here both answer 403 unless the user may see the process *and*
belongs to the agency the task is addressed to (the object of its `.Permission(...)`).

Its pages read the task in one query with what a step reads next (`task_view`). viewflow's own
wrappers read the task, its process and the flow's process row one query each, its `can_execute`
reads the task's owner, and the step then reads the case and the case's agency: six queries on
every 认领 and 办理 where one does.
"""

from __future__ import annotations

from functools import update_wrapper

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.urls import path
from viewflow.fsm import TransitionNotAllowed
from viewflow.workflow import STATUS, flow
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


def task_query(flow_class):
    """A flow's tasks with their process, the flow's own process row and, when the flow names one
    (`case_lookup`), the case the task is about and the case's agency: one query for what every
    step's page, permission check and service read."""
    lookup = getattr(flow_class, "case_lookup", "")
    return flow_class.task_class._default_manager.select_related(f"process__{lookup}__agency" if lookup else "process")


def task_view(node, origin_view, *, permission=None, executes: bool = False):
    """viewflow's task-page wrapper (`viewflow.workflow.flow.utils.wrap_task_view`, and `wrap_view`
    when `executes`), the task read by `task_query`: a POST runs under the flow lock in one
    transaction; the task must belong to the node's flow; `permission(user, task=…)` is asked, or,
    for the 办理 page, `can_execute`, and the activation started."""

    def view(request, *args, **kwargs):
        def call_with_activation():
            task = task_query(node.flow_class).filter(pk=kwargs["task_pk"]).first()
            if task is None or task.process.flow_class != node.flow_class:
                raise Http404("没有找到该任务。")
            request.activation = node.activation_class(task)
            if executes:
                if not node.can_execute(request.user, task=task):
                    raise PermissionDenied
                request.activation.start(request)
            elif permission is not None and not permission(request.user, task=task):
                raise PermissionDenied
            return origin_view(request, *args, **kwargs)

        try:
            if request.method == "POST":
                with node.flow_class.lock(kwargs["process_pk"]), transaction.atomic():
                    return call_with_activation()
            return call_with_activation()
        except TransitionNotAllowed as refusal:
            raise PermissionDenied(",".join(refusal.args)) from refusal

    update_wrapper(view, origin_view)
    return view


class View(flow.View):
    activation_class = AuditedViewActivation

    def can_execute(self, user, task) -> bool:
        """The task's owner may do it: viewflow's own check, from the owner's id, without reading the owner."""
        return task.owner_id is not None and task.owner_id == user.pk

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

    def _task_url(self, name: str, view, suffix: str = "", **wrapping):
        return path(f"<int:process_pk>/{self.name}/<int:task_pk>/{suffix}", task_view(self, view, **wrapping), name=name)

    @property
    def index_path(self):
        return self._task_url("index", self.index_view, permission=self.can_view)

    @property
    def detail_path(self):
        return self._task_url("detail", self.detail_view, "detail/", permission=self.can_view)

    @property
    def view_path(self):
        return self._task_url("execute", self.view, "execute/", executes=True)

    @property
    def assign_path(self):
        return self._task_url("assign", self.assign_view, "assign/", permission=self.can_assign)

    @property
    def unassign_path(self):
        return self._task_url("unassign", self.unassign_view, "unassign/", permission=self.can_unassign)


def resume_waiting(process, node_name: str) -> bool:
    """Complete a flow's wait at `node_name` (a `flow.Handle`), if the process is waiting there."""
    for task in process.task_set.filter(status=STATUS.NEW):
        if task.flow_task.name == node_name:
            task.flow_task.run(task)
            return True
    return False
