"""What every flow shares: visibility scoped per user, the task form view, and viewflow's pages scoped.

viewflow's stock dashboard, process list, task list and chart show every process of a flow to
anyone allowed to open the flow (viewflow-notes.md B.2, "visibility gap"). Each flow here says
which processes a user may see (`visible_processes`); every page below filters through it. The
officer's task lists (我的待办, 待认领, 已办, 我的工作) live in casework.task_list_views.
"""

from __future__ import annotations

from functools import cached_property, wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import URLResolver, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django.views.generic import RedirectView
from viewflow import viewprop
from viewflow.workflow import STATUS, chart
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.flow import views as flow_views
from viewflow.workflow.flow.viewset import FlowViewset, WorkflowAppViewset
from viewflow.workflow.models import Task

from agencies import recording
from agencies.permissions import officer_of
from casework import paper, presenters, tasklists
from casework.forms import add_service_errors
from casework.task_list_views import (
    ArchiveView, InboxBulkUnassignView, InboxView, MenuCount, QueueBulkAssignView, QueueView, WorkListView,
)


class ScopedFlowMixin:
    """Mixed into a Flow: a process is visible only through the flow's own `visible_processes`.

    Every task URL of the flow (index, detail, assign, execute, undo … of every node type) is
    guarded here, once: the process in the URL must be visible to the user and the task must belong
    to it, or the answer is 404. viewflow checks some of these pages per node and not others.
    """

    case_lookup = ""  # the path, from the process row, to the case its tasks are about (我的工作 names rows by it)

    def visible_processes(self, user):  # pragma: no cover - each flow defines it
        raise NotImplementedError

    def _get_urls(self):
        patterns = super()._get_urls()
        _guard_patterns(patterns, self)
        return patterns

    def has_view_permission(self, user, obj=None) -> bool:
        if not user.is_authenticated or officer_of(user) is None:
            return False
        if obj is None:
            return True  # may open the flow's pages; each page scopes its rows
        return self.visible_processes(user).filter(pk=obj.pk).exists()

    def has_manage_permission(self, user, obj=None) -> bool:
        return False  # nobody cancels or reassigns other people's tasks through the generic UI


def _guard_patterns(patterns, flow) -> None:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _guard_patterns(pattern.url_patterns, flow)
        elif "process_pk" in str(pattern.pattern):
            pattern.callback = _guarded(pattern.callback, flow, taking=pattern.name in RACED_ACTIONS)


# The task pages two officers can race on: 认领 (assign) and 办理 (execute). viewflow refuses the
# loser with PermissionDenied (or FlowLockFailed when the winner held the flow lock too long).
RACED_ACTIONS = {"assign", "execute"}
TAKEN_BY_OTHERS = "该任务已被他人办理。"
ALREADY_DONE_BY_YOU = "该任务已办理，请勿重复提交。"
BUSY = "该任务正在办理中，请稍后刷新查看。"


def _guarded(view, flow, *, taking: bool = False):
    @wraps(view)
    def guarded_view(request, *args, **kwargs):
        process_pk, task_pk = kwargs.get("process_pk"), kwargs.get("task_pk")
        _visible_task_or_404(request.user, flow, process_pk, task_pk)
        if not taking:
            return view(request, *args, **kwargs)
        try:
            return view(request, *args, **kwargs)
        except (PermissionDenied, FlowLockFailed) as refusal:
            text = race_lost_message(request.user, task_pk, busy=isinstance(refusal, FlowLockFailed))
            if text is None:
                raise
            messages.warning(request, text, fail_silently=True)
            return HttpResponseRedirect(reverse("workflow:inbox"))

    return guarded_view


def visible_task(user, flow, process_pk: int, task_pk: int):
    """The task, if it is of that process and the user may see the process (the task pages' guard)."""
    return Task.objects.filter(pk=task_pk, process_id=process_pk, process__in=flow.visible_processes(user).values("pk"))


def _visible_task_or_404(user, flow, process_pk: int, task_pk: int | None) -> None:
    """404 unless the user may see the process and the task (when the URL names one) belongs to it:
    one query when both hold, which is every time a page is opened from the lists."""
    if not user.is_authenticated:
        raise Http404("没有找到该流程，或您无权查看。")
    if task_pk is not None and visible_task(user, flow, process_pk, task_pk).exists():
        return
    if not flow.visible_processes(user).filter(pk=process_pk).exists():
        raise Http404("没有找到该流程，或您无权查看。")
    if task_pk is not None:
        raise Http404("没有找到该任务。")


def race_lost_message(user, task_pk: int, *, busy: bool = False) -> str | None:
    """Why a task page was refused, when the reason is that the task moved on (read after the
    refusal's transaction rolled back): finished or taken by someone else. None when the task is
    still there for this user, or the user may not act in the task's agency: a plain refusal."""
    task = Task.objects.filter(pk=task_pk).first()
    if task is None:
        return None
    node = task.flow_task
    if (hasattr(node, "can_view") and not node.can_view(user, task)) or not _could_take(node, user, task):
        return None
    finished = task.status in (STATUS.DONE, STATUS.CANCELED) or task.finished is not None
    mine = task.owner_id == user.pk
    if finished:
        return ALREADY_DONE_BY_YOU if mine else TAKEN_BY_OTHERS
    if task.owner_id is not None and not mine:
        return TAKEN_BY_OTHERS
    return BUSY if busy else None


def _could_take(node, user, task) -> bool:
    """Whether the user holds the permission the task asks of whoever takes it (viewflow's
    can_assign without its "not yet taken" condition): only they lost a race."""
    if task.owner_id == user.pk or not task.owner_permission:
        return True
    obj = getattr(node, "_owner_permission_obj", None)
    if callable(obj):
        obj = obj(task.process)
    return user.has_perm(task.owner_permission, obj=obj) or user.has_perm(task.owner_permission)


class TaskFormView(flow_views.mixins.TaskViewTemplateNames, generic.FormView):
    """A flow task as a form: `perform` calls the service, then the task completes.

    The request already runs inside the flow lock and a transaction (viewflow wraps task POSTs);
    a ValidationError from the service is shown on the form and changes nothing.
    """

    template_filename = "task.html"
    template_name = "lianban/task.html"
    success_text = "已办理。"
    # The task form's own field for when the step was taken, if it has one: 代录 (casework.paper)
    # then takes the paper step's time from it instead of asking twice. A 签收 form's received_at
    # is found without being named.
    paper_time_field: str | None = None

    @property
    def paper_time(self) -> str | None:
        if self.paper_time_field:
            return self.paper_time_field
        return "received_at" if "received_at" in getattr(self.form_class, "base_fields", {}) else None

    @property
    def activation(self):
        return self.request.activation

    @property
    def process(self):
        return self.request.activation.process

    def perform(self, form) -> None:  # pragma: no cover - each task defines it
        raise NotImplementedError

    @cached_property
    def paper_agency(self):
        """The agency on paper whose step the user (a clerk of its recording agency) enters, or None."""
        return paper.paper_agency_for(self.request.user, self.activation.task)

    @cached_property
    def paper_form(self) -> paper.PaperStepForm | None:
        if self.paper_agency is None:
            return None
        bound = {"data": self.request.POST, "files": self.request.FILES} if self.request.method == "POST" else {}
        return paper.PaperStepForm(
            **bound, prefix="paper", earliest=paper.step_earliest(self.activation.task), asks_time=self.paper_time is None,
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(paper_form=self.paper_form, paper_agency=self.paper_agency, **kwargs)

    def form_valid(self, form):
        if self.paper_form is not None:
            return self.paper_form_valid(form)
        try:
            self.perform(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        self.activation.execute()
        messages.success(self.request, self.success_text, fail_silently=True)
        return HttpResponseRedirect(self.get_success_url())

    def paper_form_valid(self, form):
        """代录: the step as it was taken on paper, at its own time, with its scan kept beside the task."""
        extra = self.paper_form
        if not extra.is_valid():
            return self.form_invalid(form)
        if self.paper_time is None:
            occurred_at = extra.cleaned_data["occurred_at"]
        else:
            try:
                occurred_at = paper.paper_time_check(form.cleaned_data[self.paper_time], earliest=extra.earliest)
            except ValidationError as exc:
                form.add_error(self.paper_time, exc)
                return self.form_invalid(form)
        step = paper.paper_step(agency=self.paper_agency, occurred_at=occurred_at, user=self.request.user)
        try:
            with transaction.atomic(), recording.on_paper(step):
                self.perform(form)
                paper.paper_record_create(
                    task=self.activation.task, agency=self.paper_agency, user=self.request.user, occurred_at=occurred_at,
                    reference=extra.cleaned_data["reference"], scan=extra.cleaned_data["scan"],
                )
                self.activation.execute()
        except ValidationError as exc:
            add_service_errors(extra if "scan" in getattr(exc, "error_dict", {}) else form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"已代录{self.paper_agency.short_name}的纸质办理步骤。", fail_silently=True)
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self) -> str:
        return self.request.resolver_match.flow_viewset.get_success_url(self.request)


# --- scoped viewflow pages -------------------------------------------------------------------------


def _visible(flow_class, user):
    return flow_class.instance.visible_processes(user)


class ScopedDashboardView(flow_views.DashboardView):
    def get_context_data(self, **kwargs):
        sorted_nodes, _ = chart.topsort(self.flow_class)
        tasks = self.flow_class.task_class._default_manager.filter(process__in=_visible(self.flow_class, self.request.user))
        columns = [
            {
                "node": node,
                "node_ref": get_task_ref(node),
                "tasks": tasks.filter(Q(finished__isnull=True) | Q(status=STATUS.ERROR), flow_task=node)[: self.MAX_ROWS],
            }
            for node in sorted_nodes
            if node.task_type in ["HUMAN", "JOB", "SUBPROCESS"]
        ]
        end_nodes = [node for node in sorted_nodes if node.task_type == "END"]
        context = generic.TemplateView.get_context_data(self, **kwargs)
        context.update(
            columns=columns,
            start_nodes=[
                {"node": node, "can_execute": node.can_execute(self.request.user)}
                for node in self.flow_class.instance.get_start_nodes()
            ],
            end_nodes=end_nodes,
            finished=tasks.filter(finished__isnull=False, flow_task__in=end_nodes)[: self.MAX_ROWS],
        )
        return context


class ScopedProcessListView(flow_views.DashboardProcessListView):
    def get_queryset(self):
        visible = _visible(self.flow_class, self.request.user).values("pk")
        return super().get_queryset().filter(pk__in=visible).order_by("-created", "-pk")


class ScopedTaskListView(flow_views.DashboardTaskListView):
    def flow_task(self, task):
        return task.title  # the step's Chinese title, not its Python name

    flow_task.short_description = _("Task")

    def get_queryset(self):
        return super().get_queryset().filter(process__in=_visible(self.flow_class, self.request.user).values("pk"))


class ScopedChartView(flow_views.FlowChartView):
    """The flow chart (SVG) of a process the user may see, its Chinese step titles wrapped to their boxes."""

    def get(self, request, *args, **kwargs):
        process_pk = kwargs.get("process_pk")
        if process_pk is not None and not _visible(self.flow_class, request.user).filter(pk=process_pk).exists():
            raise Http404("没有找到该流程，或您无权查看。")
        if request.GET.get("format") == "bpmn":
            return super().get(request, *args, **kwargs)
        grid = chart.calc_layout_data(self.flow_class)
        presenters.chart_titles_wrapped(grid)
        if process_pk is not None:
            chart.calc_cell_status(self.flow_class, grid, process_pk)
        return HttpResponse(chart.grid_to_svg(grid), content_type="image/svg+xml")


class ScopedProcessDetailView(flow_views.DetailProcessView):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            raise PermissionDenied
        if not _visible(self.flow_class, request.user).filter(pk=kwargs.get("process_pk")).exists():
            raise Http404("没有找到该流程，或您无权查看。")
        return super().dispatch(request, *args, **kwargs)


class ScopedFlowViewset(FlowViewset):
    dashboard_view_class = ScopedDashboardView
    process_list_view_class = ScopedProcessListView
    process_detail_view_class = ScopedProcessDetailView
    task_list_view_class = ScopedTaskListView
    chart_view_class = ScopedChartView


class ScopedWorkflowAppViewset(WorkflowAppViewset):
    work_view_class = WorkListView
    inbox_view_class = InboxView
    queue_view_class = QueueView
    archive_view_class = ArchiveView
    tasks_assign_view_class = QueueBulkAssignView
    tasks_unassign_view_class = InboxBulkUnassignView

    @viewprop
    def work_view(self):
        return self.work_view_class.as_view(**self.filter_kwargs(self.work_view_class))

    @property
    def work_path(self):
        return path("work/", self.work_view, name="work")

    @property
    def paper_scan_path(self):
        return path("paper/<int:record_id>/scan/", paper.paper_scan_download, name="paper_scan")

    @property
    def index_path(self):
        return path("", RedirectView.as_view(pattern_name="workflow:work"), name="index")

    def get_context_data(self, request):
        inbox, queue = (MenuCount(number) for number in tasklists.counted(self.flow_classes, request.user))
        return {"user_inbox": inbox, "user_queue": queue}
