"""Drive flows from code exactly as the task pages do: take the task, run the service, complete it.

Used by `manage.py demo` to put cases in every stage, and by tests to set up a state quickly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from django.db import transaction
from viewflow.workflow import STATUS
from viewflow.workflow.models import Process, Task

from agencies import recording

from casework.intake import lead_start
from casework.nodes import task_query
from casework.flows import CaseFlow
from casework.models import Case


def register_case(*, user, at: datetime | None = None, **fields) -> Case:
    """Start the case flow like the 登记线索 page does (`at`: as having happened then, see `complete`)."""
    if not CaseFlow.register.can_execute(user):
        raise PermissionError(f"{user} may not register leads")
    with transaction.atomic(), _happening(at) as before:
        case = lead_start(user=user, **fields)
        _date_tasks(case.process, before, at)
    return case


def open_task(process, node_name: str):
    tasks = [
        task
        for task in process.task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED]).order_by("pk")
        if task.flow_task.name == node_name
    ]
    if len(tasks) != 1:
        raise LookupError(f"no single open task {node_name!r} in process {process.pk} (found {len(tasks)})")
    return tasks[0]


def complete(process, node_name: str, user, perform: Callable[[], object], *, at: datetime | None = None) -> None:
    """Assign (if needed), run `perform` and complete the task, under the flow lock, like a task POST.

    `at`: the step as having happened at that moment (the demo's stories take realistic days): the
    services record their times and start their clocks then (agencies.recording.as_of), and the
    task, with those it opened, carries that time in viewflow's own columns, which the leaders'
    step durations read. The audit trail keeps the time the step was really recorded."""
    task = open_task(process, node_name)
    flow_class = task.flow_task.flow_class
    with flow_class.lock(process.pk), transaction.atomic(), _happening(at) as before:
        task = task_query(flow_class).get(pk=task.pk)  # as the task page reads it, under the lock
        activation = task.flow_task.activation_class(task)
        if task.status == STATUS.NEW:
            if not activation.assign.has_perm(user):
                raise PermissionError(f"{user} may not take task {node_name!r}")
            activation.assign(user)
        if not task.flow_task.can_execute(user, task):
            raise PermissionError(f"{user} may not execute task {node_name!r}")
        activation.start(SimpleNamespace(user=user))
        perform()
        activation.process.refresh_from_db()  # gateways must see what `perform` saved, not a cached copy
        activation.execute()
        _date_tasks(process, before, at, done=task)


@dataclass(frozen=True)
class _Before:
    task: int  # the last task id before the step
    process: int  # the last process id before the step


@contextmanager
def _happening(at: datetime | None) -> Iterator[_Before | None]:
    """Inside: the services' time is `at` (when given); yields where the ids stood before, to re-date what the step opens."""
    if at is None:
        yield None  # the step happens now: nothing to re-date
        return
    before = _Before(
        task=Task.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        process=Process.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    )
    with recording.as_of(at):
        yield before


def _date_tasks(process, before: _Before | None, at: datetime | None, *, done=None) -> None:
    """Give the step's task (done), every task it opened — in this process or one it started, such
    as a case's transfer — and the processes it started the step's time instead of now."""
    if at is None:
        return
    if done is not None:
        Task.objects.filter(pk=done.pk).update(assigned=at, started=at, finished=at)
    opened = Task.objects.filter(pk__gt=before.task)
    opened.update(created=at)
    opened.filter(finished__isnull=False).update(started=at, finished=at)
    Process.objects.filter(pk__gt=before.process).update(created=at)
