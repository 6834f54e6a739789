"""A human-task node whose every page is closed to users outside the task's agency.

viewflow's stock `View` lets anyone who may see the process open a task's detail page, and its
index page redirects silently. Here both answer 403 unless the user may see the process *and*
belongs to the agency the task is addressed to (the object of its `.Permission(...)`).
"""

from __future__ import annotations

from django.urls import path
from viewflow.workflow import STATUS, flow
from viewflow.workflow.flow import utils

from agencies.permissions import officer_of


class View(flow.View):
    def can_view(self, user, task) -> bool:
        if not self.flow_class.instance.has_view_permission(user, task.process.coerced):
            return False
        agency_pk = task.owner_permission_obj_pk
        if agency_pk is None:
            return True
        officer = officer_of(user)
        return officer is not None and str(officer.agency_id) == str(agency_pk)

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
