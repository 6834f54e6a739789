"""The officer's task pages: 我的工作, 我的待办, 待认领, 已办, the bulk 认领 / 退回, and the menu's badges.

The lists are viewflow's list views over casework.tasklists' index-served queries, with three
changes that keep a page's cost flat in the data: pages are read by cursor without counting
(casework.paging), each row's summary is loaded for the page's rows only, one query a flow
(tasklists.TaskPages), and the rows are written here as strings rather than cell by cell in
viewflow's list template (`TaskListMixin.table_rows`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.views import generic
from viewflow import viewprop
from viewflow.workflow.flow import views as flow_views

from agencies import links
from casework import briefs, tasklists, worklist
from casework.paging import KeysetPaginator, query_without_paging


def _only_within(selected, allowed):
    """The selected tasks, refused as a whole if any of them is not among the allowed ones."""
    permitted = selected.filter(pk__in=allowed.values("pk"))
    if permitted.count() != selected.count():
        raise PermissionDenied("所选任务中有您无权办理的任务。")
    return permitted


class QueueBulkAssignView(flow_views.BulkAssignTasksActionView):
    """Bulk 认领: only tasks from the user's own queue are even shown on the confirmation page."""

    flow_classes = None

    def get_queryset(self):
        return _only_within(super().get_queryset(), tasklists.queue(self.flow_classes, self.request.user))


class InboxBulkUnassignView(flow_views.BulkUnassignTasksActionView):
    """Bulk 退回: only tasks from the user's own inbox."""

    flow_classes = None

    def get_queryset(self):
        return _only_within(super().get_queryset(), tasklists.inbox(self.flow_classes, self.request.user))


PIN_LOCATION = "vf-pin-location"  # viewflow's session key: the task list a finished task returns to


# viewflow's list template writes this cell before each row's cells when the list has bulk actions
# (viewflow/views/list.html): the checkbox its bulk-action script reads.
CHECKBOX_CELL = (
    '<td class="vf-list__action-cell"><div class="mdc-checkbox"><input type="checkbox" class="mdc-checkbox__native-control"/>'
    '<div class="mdc-checkbox__background"><svg class="mdc-checkbox__checkmark" viewBox="0 0 24 24">'
    '<path class="mdc-checkbox__checkmark-path" fill="none" stroke="white" d="M1.73,12.91 8.1,19.28 22.79,4.59"/></svg>'
    '<div class="mdc-checkbox__mixedmark"></div></div></div></td>'
)


class TaskListMixin:
    """The lists of casework.tasklists: index-served queries, a filter without per-process options,
    pages read by cursor without counting, and what each row's summary shows loaded for the page's
    rows, one query a flow (tasklists.TaskPages), in the columns the summaries print (casework.briefs)."""

    flow_classes = None
    template_name = "casework/task_list.html"
    select = None  # one of tasklists.inbox / queue / archive
    paginate_by = 20  # as every other list of Lianban (viewflow's lists show 25)

    @viewprop
    def queryset(self):
        return self.select(self.flow_classes, self.request.user).order_by("-created", "-id")

    def dispatch(self, request, *args, **kwargs):
        """viewflow's StoreRequestPathMixin pins the list's address in the session (where a finished task
        returns to) on every request, so every list page wrote the session back: an UPDATE and a commit
        a page. It is written here only when it changed, and the mixin's own write is stepped over."""
        if request.session.get(PIN_LOCATION) != request.get_full_path():
            request.session[PIN_LOCATION] = request.get_full_path()
        return super(flow_views.mixins.StoreRequestPathMixin, self).dispatch(request, *args, **kwargs)

    def paginate_queryset(self, queryset, page_size):
        """Pages by cursor (`?after=` / `?before=`, casework.paging): page 1,000 reads what page 1 reads."""
        pages = self.pages(queryset.order_by(), tasklists.paging_order(queryset.query.order_by))
        paginator = KeysetPaginator(pages, page_size)
        page = paginator.seek(after=self.request.GET.get("after"), before=self.request.GET.get("before"))
        return paginator, page, page.object_list, page.has_other_pages()

    def pages(self, tasks, order):
        """What the list pages through: `tasks` (the list's filtered queryset) read by cursor in `order`."""
        return tasklists.TaskPages(rows=tasks, order=order)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(page_query=query_without_paging(self.request.GET), **kwargs)
        context["table_rows"] = self.table_rows(context["page_obj"])
        return context

    def table_rows(self, tasks) -> list[SafeString]:
        """The page's `<tr>`s as viewflow's list template writes them (the same cells, escaped the same
        way), each written as one string: the template's per-cell loop cost more than the cells."""
        check = CHECKBOX_CELL if self.get_bulk_actions() else ""
        columns = [(column, conditional_escape(column.column_type())) for column in self.list_columns.values()]
        return [
            mark_safe(f'<tr data-row-id="{int(task.pk)}">{check}' + "".join(
                f'<td class="vf-list__table-cell-{kind}">{conditional_escape(self.format_value(task, column, column.get_value(task)))}</td>'
                for column, kind in columns
            ) + "</tr>")
            for task in tasks
        ]

    # The rows' cells as viewflow's columns show them: the summaries' templates compiled once (casework.briefs),
    # the addresses from a pattern reversed once (agencies.links).
    def task_id(self, task):
        url = links.row_url(task.flow_task.reverse, "index", task.process_id, task.pk)
        return format_html('<a href="{}">#{}/{}</a>', url, task.process_id, task.pk)

    task_id.short_description = "#"

    def brief(self, task):
        return briefs.task_brief(task)

    brief.short_description = "Brief"

    def process_brief(self, task):
        url = links.row_url(task.flow_task.flow_class.parent.reverse, "process_detail", task.process_id)
        return format_html('<a href="{}">{}</a>', url, briefs.process_brief(task.process))

    process_brief.short_description = "Process brief"

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "flow_classes": self.flow_classes}


class InboxView(TaskListMixin, flow_views.WorkflowInboxListView):
    select = staticmethod(tasklists.inbox)
    filterset_class = tasklists.TaskListFilter


class QueueView(TaskListMixin, flow_views.WorkflowQueueListView):
    select = staticmethod(tasklists.queue)
    filterset_class = tasklists.TaskListFilter

    def pages(self, tasks, order):
        """The queue as the menu's badge counted it (tasklists.QueueKeys): a short one read whole."""
        _, waiting = tasklists.counted(self.flow_classes, self.request.user)
        return tasklists.QueuePages(rows=tasks, order=order, waiting=waiting)


class ArchiveView(TaskListMixin, flow_views.WorkflowArchiveListView):
    select = staticmethod(tasklists.archive)
    filterset_class = tasklists.ArchiveListFilter


class MenuCount:
    """A menu badge (`{{ user_queue.count }}` in viewflow's menu), counted no further than the cap.

    The badges are on every page, so they may not count a bureau's whole queue: past 99 one says "99+".
    Both are counted in one query, once a request (tasklists.counted), which 待认领's list reads too.
    """

    cap = tasklists.BADGE_CAP - 1

    def __init__(self, counted: int):
        self.count = f"{self.cap}+" if counted > self.cap else str(counted)


class WorkListView(generic.TemplateView):
    """我的工作 (casework.worklist): the start page after login."""

    template_name = "casework/work_list.html"
    flow_classes = None
    viewset = None
    paginate_by = 20

    def get_context_data(self, **kwargs):
        order = self.request.GET.get("order", worklist.DEFAULT_ORDER)
        order = order if order in worklist.ORDERS else worklist.DEFAULT_ORDER
        paginator = KeysetPaginator(worklist.WorkPages(self.flow_classes, self.request.user, order), self.paginate_by)
        page = paginator.seek(after=self.request.GET.get("after"), before=self.request.GET.get("before"))
        return super().get_context_data(
            rows=page.object_list, page_obj=page, order=order, page_query=query_without_paging(self.request.GET),
            orders=[(key, label) for key, (label, _) in worklist.ORDERS.items()], **kwargs,
        )
