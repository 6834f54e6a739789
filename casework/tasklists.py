"""The officer's task lists (我的待办, 待认领, 已办) at any number of tasks.

viewflow's own lists slowed down linearly with the data, for three reasons fixed here:

* their filter offered every process of the user as an `<option>` (7 MB of HTML at 100k cases) and
  computed the task choices with a DISTINCT over the whole list; here the process filter is gone
  and the task choices come from the flows' nodes, without a query;
* the queue matched `Concat(owner_permission, '_', owner_permission_obj_pk)` against the user's
  grants, which no index can serve; here each grant is a plain `(owner_permission,
  owner_permission_obj_pk)` pair, served by the partial indexes of casework/migrations/0008;
* each row's summary was loaded in the list's own query, a LEFT JOIN of every flow's process and
  summary tables (16 tables: PostgreSQL spent longer planning it than running it); here the page's
  rows are read first and each flow's summaries then in one query for that flow's rows (TaskPages);
* every page counted the whole list and read past every row before it (OFFSET); here pages do not
  count and start at the previous page's last `(created, id)` (a cursor, casework.paging).
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.models import AbstractBaseUser
from django.db import connections, models
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django_filters import ChoiceFilter, DateRangeFilter, FilterSet
from viewflow.workflow import STATUS
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.managers import coerce_to_related_instance
from viewflow.workflow.models import Process, Task
from viewflow.workflow.nodes import View

from agencies.permissions import agency_grants, remembered_once
from agencies.prepared import Prepared, kept
from casework import briefs
from casework.paging import Key, KeysetPages, counted_up_to


def queue_filter(user: AbstractBaseUser) -> Q:
    """The tasks the user may take: those whose `(owner_permission, owner_permission_obj_pk)` is one of
    the user's grants on agencies (`agencies.permissions.agency_grants`, read once a request however
    often the page asks: the list, the menu's 待认领 badge, `can_act_for`).

    viewflow's `user_queue` also offers tasks without a permission and new tasks owned by the user;
    no step of Lianban's flows makes either (every human step names its permission: checked by
    tests/casework/test_task_lists.py), so those branches, which no index can serve together with
    the grants, are left out.

    The grants are asked an agency at a time: `obj_pk = X AND owner_permission IN (…)`. The menu's
    badge, which needs no order, counts from the index on (owner_permission_obj_pk, owner_permission, …)
    (casework/migrations/0022), an index range for each pair; a long queue's list reads the index on
    (owner_permission_obj_pk, created, id) of the bureau's new tasks in order, checking each one's
    permission (QueueKeys).
    """
    grants = sorted(agency_grants(user))
    if not grants:
        return Q(pk__in=[])
    by_agency: dict[str, list[str]] = defaultdict(list)
    for permission, object_pk in grants:
        by_agency[object_pk].append(permission)
    pairs = Q()
    for object_pk, permissions in by_agency.items():
        pairs |= Q(owner_permission_obj_pk=object_pk, owner_permission__in=permissions)
    if len(by_agency) > 1:  # the agencies first, as a condition of their own, for an index to start from
        pairs = Q(owner_permission_obj_pk__in=sorted(by_agency)) & pairs
    return pairs


def available(flow_classes, user: AbstractBaseUser) -> QuerySet[Task]:
    return Task.objects.filter_available(flow_classes, user)


def inbox(flow_classes, user: AbstractBaseUser) -> QuerySet[Task]:
    return available(flow_classes, user).filter(owner=user, status=STATUS.ASSIGNED)


def queue(flow_classes, user: AbstractBaseUser) -> QuerySet[Task]:
    """The tasks the user may take. Built once a request (the list and the menu's badge both ask; the
    OR of the user's permission pairs took longer to build than the database took to answer it) and
    remembered with the grants it is made of (`agencies.permissions.remembered_once`): a copy each call."""
    if not user.is_authenticated:
        return Task.objects.none()
    built = remembered_once(user, ("casework.tasklists.queue", tuple(flow_classes)), lambda: (
        available(flow_classes, user).filter(flow_task_type="HUMAN", status=STATUS.NEW).filter(queue_filter(user))))
    return built.all()


BADGE_CAP = 100  # a menu badge counts this far: past 99 it says "99+"


def counted(flow_classes, user: AbstractBaseUser) -> tuple[int, int]:
    """How many tasks the user holds (我的待办) and may take (待认领), each counted up to BADGE_CAP, in
    one query; once a request, for the menu's badges and for 待认领's list (QueuePages)."""
    return remembered_once(user, ("casework.tasklists.counted", tuple(flow_classes)), lambda: (
        tuple(counted_up_to(BADGE_CAP, inbox(flow_classes, user), queue(flow_classes, user)))))


def archive(flow_classes, user: AbstractBaseUser) -> QuerySet[Task]:
    return available(flow_classes, user).filter(owner=user, finished__isnull=False)


PAGED_ORDERS = ("created", "finished")  # a column the lists sort by, with the id after it for the cursor
DEFAULT_ORDER = ("-created", "-id")  # newest first: served by the indexes of casework/migrations/0008


def paging_order(ordering) -> tuple[str, str]:
    """The `(column, id)` order a list pages through by cursor, from the order the list view asked
    for (viewflow's `?_orderby=` on a column, or the default): its first column, if it is one the
    cursor can follow, in the same direction; anything else reads newest first."""
    first = ordering[0] if ordering else None
    if isinstance(first, str) and first.removeprefix("-") in PAGED_ORDERS:
        sign = "-" if first.startswith("-") else ""
        return first, f"{sign}id"
    return DEFAULT_ORDER


def brief_prefetches(flow_class) -> list[Prefetch]:
    """What a flow's summaries show, as one query: the flow's process rows with the rows further along
    joined in, in the columns the summaries read (casework.briefs.read_paths). A flow whose summaries
    do more than print fields gets its rows whole, joined along the relations its summaries' variables
    follow (casework.briefs.related_paths)."""
    accessor = child_accessor(flow_class.process_class)
    if accessor is None:  # the flow's processes are plain process rows, loaded with their tasks
        return []
    rows = flow_class.process_class._default_manager.all()
    paths = briefs.read_paths(flow_class)
    if paths is None:
        relations = briefs.related_paths(flow_class)
        return [Prefetch(accessor, queryset=rows.select_related(*relations) if relations else rows)]
    relations = sorted({"__".join(steps[:end]) for steps in (path.split("__") for path in paths) for end in range(1, len(steps))})
    return [Prefetch(accessor, queryset=rows.select_related(*relations).only(*paths, *relations))]


def child_accessor(process_class) -> str | None:
    """The name by which a process row reaches its flow's own process row (`caseprocess`), if the flow has one."""
    relation = child_relation(process_class)
    return relation.get_accessor_name() if relation else None


def child_relation(process_class):
    """The one-to-one relation from a process row to its flow's own process row, if the flow has one."""
    return next((relation for relation in Process._meta.related_objects
                 if relation.one_to_one and relation.related_model is process_class), None)


class BriefsLoaded:
    """Pages whose rows are tasks, loaded with what their summaries show.

    On PostgreSQL the page's tasks are read by their ids (one array) with a statement compiled once a
    process (agencies.prepared), not by the list's own query again: the ids were read from the user's
    list a moment before, in the same read (`Pages.read`), and the list's conditions, which differ from
    user to user, would make a statement to compile on every request."""

    def load(self, keys) -> list[models.Model]:
        if not keys:
            return []
        if connections[self._rows.db].vendor != "postgresql":
            tasks = super().load(keys)
        else:
            loaded = {task.pk: task for task in _tasks_by_id(self._rows.db).rows({"ids": [key[-1] for key in keys]})}
            found = (loaded[key[-1]] for key in keys if key[-1] in loaded)
            tasks = [coerce_to_related_instance(task, task.flow_task.flow_class.task_class) for task in found]
        prefetch_briefs(tasks)
        return tasks


class TaskPages(BriefsLoaded, KeysetPages):
    """A task list read by cursor; the page's rows come with what their summaries show."""


class QueueKeys(KeysetPages):
    """The keys of a queue (`queue()`, maybe filtered further) of which the user may take `waiting`
    tasks in all, as the menu's badge counted them (`counted`).

    In order, the queue is read from the index by agency and time (0008, 0019), checking each new task's
    permission: an officer who may take none of a bureau's 28,459 waiting tasks (they wait for the head)
    stepped over all of them to fill an empty page. A queue the badge counted short (under BADGE_CAP) is
    read whole instead, from the index by agency and permission (0022), which holds none of the others,
    and sorted here; an empty one is not read at all. A longer queue is read in order, as before: the walk
    then stops at the page's last row, and still steps over any of the bureau's tasks of other
    permissions newer than it."""

    def __init__(self, *, rows: QuerySet[Task], order: tuple[str, ...], waiting: int):
        super().__init__(rows=rows, order=order)
        self.waiting = waiting

    def keys(self, *, stop: int, after: Key | None = None, before: Key | None = None) -> list[Key]:
        if self.waiting >= BADGE_CAP or self._fields[0] != "created":  # (a new task has no `finished` to sort by here)
            return super().keys(stop=stop, after=after, before=before)
        if stop <= 0 or not self.waiting:
            return []
        found = (tuple(row) for row in self.query(after=after, before=before).order_by())
        return sorted(found, reverse=self._descending != (before is not None))[:stop]


class QueuePages(BriefsLoaded, QueueKeys):
    """待认领's pages (QueueKeys), the rows with what their summaries show."""


def prefetch_briefs(tasks) -> None:
    """Load what the tasks' summaries show: one query a flow among them (on PostgreSQL compiled once a
    flow and process, `_prepared`)."""
    by_flow: dict[type, list[Process]] = defaultdict(list)
    for task in tasks:
        by_flow[task.flow_task.flow_class].append(task.process)
    for flow_class, processes in by_flow.items():
        db, prefetches = processes[0]._state.db or "default", brief_prefetches(flow_class)
        if connections[db].vendor != "postgresql" or not prefetches:
            prefetch_related_objects(processes, *prefetches)
            continue
        found = {row.pk: row for row in _briefs_by_id(db, flow_class).rows({"ids": [process.pk for process in processes]})}
        relation = child_relation(flow_class.process_class)
        for process in processes:  # as prefetch_related_objects leaves them: each way of the one-to-one cached
            row = found.get(process.pk)
            relation.set_cached_value(process, row)
            if row is not None:
                relation.field.set_cached_value(row, process)


# A page's tasks by id, and each flow's summaries by process id: statements kept for the process
# (agencies.prepared.kept), the ids one array (`any_of`), compiled with a stand-in in place of them.
_STAND_IN_ID = -(2**62) + 3
_IDS = {(_STAND_IN_ID,): "ids"}


def _tasks_by_id(db: str) -> Prepared:
    return kept(("casework.tasklists.tasks", db), lambda: (
        Task.objects.using(db).select_related("process").filter(pk__any_of=[_STAND_IN_ID]), _IDS))


def _briefs_by_id(db: str, flow_class) -> Prepared:
    return kept(("casework.tasklists.briefs", db, flow_class), lambda: (
        brief_prefetches(flow_class)[0].queryset.using(db).filter(pk__any_of=[_STAND_IN_ID]), _IDS))


def task_choices(flow_classes) -> list[tuple[str, str]]:
    """Every human step of the flows, as `(reference, "流程 / 步骤")`: the same for every user, no query."""
    choices = []
    for flow_class in flow_classes:
        for node in flow_class.instance.nodes():
            if isinstance(node, View):
                choices.append((get_task_ref(node), f"{flow_class.process_title} / {node.task_title or node.name}"))
    return choices


class TaskListFilter(FilterSet):
    """Filter by step and by date; no per-process option list."""

    flow_task = ChoiceFilter(label="步骤")
    created = DateRangeFilter(label="创建时间")

    def __init__(self, *args, flow_classes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["flow_task"].field.choices = task_choices(flow_classes)

    class Meta:
        model = Task
        fields = ("flow_task", "created")


class ArchiveListFilter(TaskListFilter):
    finished = DateRangeFilter(label="完成时间")

    class Meta:
        model = Task
        fields = ("flow_task", "created", "finished")
