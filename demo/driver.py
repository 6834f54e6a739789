"""Drive flows from code exactly as the task pages do: take the task, run the service, complete it.

Used by `manage.py demo` to put cases in every stage, and by tests to set up a state quickly.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from django.db import transaction
from viewflow.workflow import STATUS

from casework import services as case_services
from casework.flows import CaseFlow
from casework.models import Case


def register_case(*, user, **fields) -> Case:
    """Start the case flow like the 登记线索 page does."""
    node = CaseFlow.register
    if not node.can_execute(user):
        raise PermissionError(f"{user} may not register leads")
    with transaction.atomic():
        activation = node.activation_class.create(node, None, None)
        activation.start(SimpleNamespace(user=user))
        case = case_services.case_register(user=user, **fields)
        activation.process.case = case
        activation.execute()
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


def complete(process, node_name: str, user, perform: Callable[[], object]) -> None:
    """Assign (if needed), run `perform` and complete the task, under the flow lock, like a task POST."""
    task = open_task(process, node_name)
    flow_class = task.flow_task.flow_class
    with flow_class.lock(process.pk), transaction.atomic():
        task.refresh_from_db()
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
