"""我的工作 by due date, read from the deadlines: the soonest clock first, at any size.

A task's key is `(due, id)`: `due` is the soonest open clock the user's agency runs on the task's case,
or NO_CLOCK for a task whose case has none (those come last, by id). Sorting the user's whole work
set by that key costs what the work set costs (a head with 28,459 waiting tasks at 1M cases), so a
large work set is read the other way round: the agency's open clocks soonest first, from a partial
index (deadline_agency_open_due), in growing chunks, each completed with the other clocks due at its
last clock's due time; each chunk's new cases are turned into their processes (one indexed query a
flow path, as one UNION ALL) and those into the user's tasks (through the open tasks' index by process).
A chunk ends the walk once the page is full with keys due by the chunk's last due time: no case not
yet met can have a clock due by then. A small work set (under SMALL_WORK_SET tasks)
is sorted whole, which is cheaper for it: its tasks' cases read from their processes a flow path at a
time (`cases_of_processes`), their soonest clocks in one query, the keys sorted here.
"""

from __future__ import annotations

from datetime import datetime, timezone as dt_timezone

from django.db.models import F, Min, OuterRef, QuerySet, Subquery, Value
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.db.models.functions import Coalesce
from viewflow.workflow import STATUS
from viewflow.workflow.models import Process, Task

from casework.models import Deadline, OPEN_DEADLINE_STATUSES
from casework.paging import Key, KeysetPages

NO_CLOCK = datetime(9999, 12, 31, tzinfo=dt_timezone.utc)  # sorts rows without a clock after every clock
SMALL_WORK_SET = 500  # tasks: below this, sorting the work set beats walking the agency's clocks
FIRST_CHUNK = 100  # clocks read at the first step of a walk; each further step reads twice as many


def open_clocks(agency_id: int | None) -> QuerySet[Deadline]:
    """The agency's clocks still running (or paused), soonest first."""
    return Deadline.objects.filter(agency_id=agency_id, status__in=OPEN_DEADLINE_STATUSES).order_by("due_at", "id")


def cases_of_processes(processes) -> dict[int, int]:
    """`{process id: case id}` for `processes`, given as `(id, flow class)` pairs: one UNION ALL with a
    branch for each flow's path to its case (`case_lookup`) among them, each a join by primary key.
    An expression over every flow's path (casework.worklist.case_of) joins every path's tables to
    every row, and PostgreSQL took 1–3 ms to plan it, more than reading the rows."""
    by_path: dict[str, list[int]] = {}
    for process_id, flow_class in processes:
        if getattr(flow_class, "case_lookup", ""):
            by_path.setdefault(flow_class.case_lookup, []).append(process_id)
    branches = [Process.objects.filter(pk__any_of=ids).order_by().values_list("pk", path) for path, ids in by_path.items()]
    if not branches:
        return {}
    return {pk: case_id for pk, case_id in branches[0].union(*branches[1:], all=True) if case_id is not None}


def open_tasks(process_ids) -> QuerySet[Task]:
    """The new and assigned tasks of the processes (the only ones a user's 我的待办 or 待认领 holds), read from
    the index of open tasks by process (migration 0023)."""
    return Task.objects.filter(process_id__any_of=process_ids, status__in=(STATUS.NEW, STATUS.ASSIGNED)).order_by()


def with_due(tasks: QuerySet, case_ref, agency_id: int | None) -> QuerySet:
    """`tasks` with `due`: their case's soonest open clock of the agency, NO_CLOCK when there is none."""
    soonest = open_clocks(agency_id).filter(case_id=OuterRef("case_ref")).values("due_at")[:1]
    return tasks.annotate(case_ref=case_ref).annotate(due=Coalesce(Subquery(soonest), Value(NO_CLOCK)))


class DueKeys:
    """The `(due, id)` keys of the tasks in `parts` (disjoint querysets of tasks: the inbox and the
    queue), past a cursor in either direction — what casework.paging.MergedPages reads from a part."""

    _fields, _descending, key_types = ("due", "id"), False, (datetime, int)

    def __init__(self, *, parts: list[QuerySet], flow_classes, case_ref, agency_id: int | None):
        self._parts, self._agency_id = parts, agency_id
        self._sorted = [KeysetPages(rows=with_due(part, case_ref, agency_id), order=self._fields, key_types=self.key_types)
                        for part in parts]
        self._lookups = list(dict.fromkeys(flow.case_lookup for flow in flow_classes if flow.case_lookup))

    def keys(self, *, stop: int, after: Key | None = None, before: Key | None = None) -> list[Key]:
        if stop <= 0:
            return []
        if self._small():
            keys = [key for key in self._whole() if (after is None or key > tuple(after)) and (before is None or key < tuple(before))]
            return keys[:stop] if before is None else keys[::-1][:stop]
        if before is not None:
            return self._backwards(stop, before)
        keys = self._walk(stop, after=after) if after is None or after[0] != NO_CLOCK else []
        if len(keys) < stop:
            keys += self._unclocked(stop - len(keys), after=after if after and after[0] == NO_CLOCK else None)
        return keys

    def _small(self) -> bool:
        """Whether the work set is under SMALL_WORK_SET tasks; if so, its tasks are kept (`_work`)."""
        if not hasattr(self, "_work"):
            work = [row for part in self._parts for row in part.values_list("pk", "process_id", "process__flow_class")[:SMALL_WORK_SET]]
            self._work = work if len(work) < SMALL_WORK_SET else None
        return self._work is not None

    def _whole(self) -> list[Key]:
        """Every key of a small work set, in order."""
        if not hasattr(self, "_keys"):
            case_ids = cases_of_processes((process_id, flow_class) for _, process_id, flow_class in self._work)
            soonest = self._soonest(set(case_ids.values()))
            self._keys = sorted((soonest.get(case_ids.get(process_id), NO_CLOCK), pk) for pk, process_id, _ in self._work)
        return self._keys

    def _soonest(self, cases: set[int]) -> dict[int, datetime]:
        """Each of `cases`' soonest open clock of the agency, for those that have one."""
        if not cases:
            return {}
        return dict(
            open_clocks(self._agency_id).filter(case_id__any_of=cases).order_by()
            .values("case_id").annotate(soonest=Min("due_at")).values_list("case_id", "soonest")
        )

    def _backwards(self, stop: int, before: Key) -> list[Key]:
        keys = self._unclocked(stop, before=before) if before[0] == NO_CLOCK else []
        if len(keys) < stop:
            keys += self._walk(stop - len(keys), before=before if before[0] != NO_CLOCK else None, backwards=True)
        return keys

    def _unclocked(self, stop: int, *, after: Key | None = None, before: Key | None = None) -> list[Key]:
        """The tasks without a clock (reached only at the end of the list), by id."""
        found = []
        for part in self._sorted:
            found += part.query(after=after, before=before).filter(due=NO_CLOCK)[:stop]
        found = sorted(tuple(key) for key in found)
        return found[:stop] if before is None else found[::-1][:stop]

    def _walk(self, stop: int, *, after: Key | None = None, before: Key | None = None, backwards: bool = False) -> list[Key]:
        """Keys from the agency's clocks in key order from the cursor (or the list's end): `stop` of them,
        or fewer when the clocks run out."""
        clocks = open_clocks(self._agency_id)
        cursor = before if backwards else after
        if cursor is not None:
            clocks = clocks.filter(due_at__lte=cursor[0]) if backwards else clocks.filter(due_at__gte=cursor[0])
        if backwards:
            clocks = clocks.order_by("-due_at", "-id")
        found: list[Key] = []
        seen: set[int] = set()
        size, last = FIRST_CHUNK, None
        while True:
            chunk = clocks
            if last is not None:  # past the previous chunk's last clock, by (due_at, id): the index scan starts there
                past = TupleLessThan if backwards else TupleGreaterThan
                chunk = chunk.filter(past(Tuple(F("due_at"), F("id")), last))
            rows = list(chunk.values_list("due_at", "id", "case_id")[:size])
            ran_out = len(rows) < size
            if not ran_out:  # the rest of the clocks due when the chunk's last one is due (deadlines fall due at a day's end, hundreds at once)
                due, last_id = rows[-1][:2]
                rows += clocks.filter(due_at=due, **{"id__lt" if backwards else "id__gt": last_id}).values_list("due_at", "id", "case_id")
            cases = {case_id for _, _, case_id in rows} - seen
            seen |= cases
            found += self._keys_of(cases, after=after, before=before)
            if ran_out:  # every key is found
                break
            last = rows[-1][:2]
            # Every clock due at `last`'s moment has been read: a case not yet met has a key past it.
            final = [key for key in found if (key[0] >= last[0] if backwards else key[0] <= last[0])]
            if len(final) >= stop:
                break
            size *= 2
        found.sort(reverse=backwards)
        return found[:stop]

    def _keys_of(self, cases: set[int], *, after: Key | None, before: Key | None) -> list[Key]:
        """The keys of the user's tasks on `cases`, each with its case's soonest clock, past the cursor."""
        if not cases:
            return []
        soonest = self._soonest(cases)
        paths = [Process.objects.filter(**{f"{lookup}__any_of": cases}).order_by().values_list("pk", lookup) for lookup in self._lookups]
        process_case = dict(paths[0].union(*paths[1:], all=True)) if paths else {}
        # The processes' open tasks, then the user's among them by key: asked as "the user's tasks of these
        # processes", PostgreSQL read the user's whole queue instead.
        candidates = set(open_tasks(process_case).values_list("pk", flat=True))
        keys = []
        for part in self._parts:
            for task_id, process_id in part.filter(pk__any_of=candidates).values_list("pk", "process_id"):
                key = (soonest[process_case[process_id]], task_id)
                if (after is None or key > tuple(after)) and (before is None or key < tuple(before)):
                    keys.append(key)
        return keys
