"""超期督办 — when a legal clock is breached, its agency's head gets a task to act on it."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router, transaction
from django.utils import timezone
from viewflow import this
from viewflow.workflow import STATUS, flow, lock
from viewflow.workflow.models import Process

from agencies.audit import audit_append
from agencies.bulk import insert_columns, reserve_ids
from agencies.permissions import HANDLE_ESCALATION, officer_of
from casework import forms
from casework.models import Deadline, EscalationProcess
from casework.nodes import View
from casework.workflow import ScopedFlowMixin, TaskFormView
from notifications.services import notify


def escalation_open(*, deadline: Deadline) -> EscalationProcess:
    """Start the head's 超期督办 task for a breached clock (called by the clock worker, in its transaction)."""
    return EscalationFlow.start.run(deadline=deadline)


def escalation_open_many(*, deadlines: Sequence[Deadline]) -> list[int]:
    """`escalation_open` for a batch of breached clocks (the clock worker's); returns the processes' ids.

    Writes the rows viewflow writes when `EscalationFlow.start` runs — the process, its finished
    start task, the head's 超期督办 task waiting for the responsible agency (same permission and
    permission object as the node computes) and the link between the two tasks — in bulk instead of
    six statements and a lock per clock (tests/casework/test_escalation_batch.py compares the rows).
    viewflow's task signals are not sent (nothing in the project listens to them). Call inside the
    worker's transaction, with each deadline's agency loaded.
    """
    if not deadlines:
        return []
    using = router.db_for_write(EscalationProcess)
    processes = [EscalationProcess(flow_class=EscalationFlow, deadline=deadline) for deadline in deadlines]
    waiting = [_waiting_task(process) for process in processes]
    write = _write_postgresql if connections[using].vendor == "postgresql" else _write_models
    return write(processes, waiting, now=timezone.now(), using=using)


def _waiting_task(process: EscalationProcess) -> dict:
    """The head's task as the `handle` node assigns it: its status, owner and permission (with its object)."""
    handle = EscalationFlow.handle
    activation = SimpleNamespace(process=process, flow_task=handle)
    task = {"status": STATUS.NEW, "owner_id": None, "owner_permission": None, "owner_permission_obj": None}
    if permission := handle.calc_owner_permission(activation):
        task["owner_permission"] = permission
        task["owner_permission_obj"] = handle.calc_owner_permission_obj(activation)
    if owner := handle.calc_owner(activation):
        task["owner_id"], task["status"] = owner.pk, STATUS.ASSIGNED
    return task


def _write_postgresql(processes: list[EscalationProcess], waiting: list[dict], *, now, using: str) -> list[int]:
    """Ids reserved from the sequences, then one INSERT a table, column by column (agencies.bulk):
    no model instance is prepared field by field (2.5 of the worker's 5.5 s for 3,800 clocks)."""
    task_class, through = EscalationFlow.task_class, EscalationFlow.task_class.previous.through
    start, handle = EscalationFlow.start, EscalationFlow.handle
    count = len(processes)
    ids = reserve_ids(Process, count, using=using)
    started, handled = (task_ids := reserve_ids(task_class, 2 * count, using=using))[:count], task_ids[count:]
    insert_columns(Process, ids=ids, same={"flow_class": EscalationFlow, "status": STATUS.NEW, "created": now, "data": {}},
                   using=using)
    insert_columns(EscalationProcess, ids=ids, rows={"deadline_id": [process.deadline_id for process in processes]},
                   same={"measures": ""}, using=using)
    insert_columns(task_class, ids=started, rows={"process_id": ids}, using=using, same={
        "flow_task": start, "flow_task_type": start.task_type, "status": STATUS.DONE, "created": now, "started": now,
        "finished": now, "data": {},
    })
    objects = [task["owner_permission_obj"] for task in waiting]
    insert_columns(task_class, ids=handled, using=using, rows={
        "process_id": ids,
        "status": [task["status"] for task in waiting],
        "owner_id": [task["owner_id"] for task in waiting],
        "owner_permission": [task["owner_permission"] for task in waiting],
        "owner_permission_content_type_id": [
            ContentType.objects.db_manager(using).get_for_model(obj).pk if obj is not None else None for obj in objects],
        "owner_permission_obj_pk": [str(obj.pk) if obj is not None else None for obj in objects],
    }, same={"flow_task": handle, "flow_task_type": handle.task_type, "created": now, "data": {}})
    insert_columns(through, ids=reserve_ids(through, count, using=using), using=using,
                   rows={"from_task_id": handled, "to_task_id": started})
    return ids


def _write_models(processes: list[EscalationProcess], waiting: list[dict], *, now, using: str) -> list[int]:
    """The same rows through `bulk_create` (SQLite)."""
    task_class = EscalationFlow.task_class
    start, handle = EscalationFlow.start, EscalationFlow.handle
    parents = Process.objects.using(using).bulk_create(
        [Process(flow_class=EscalationFlow, status=STATUS.NEW, created=now, data={}) for _ in processes]
    )
    for process, parent in zip(processes, parents, strict=True):
        process.id = process.process_ptr_id = parent.pk
        process._state.adding, process._state.db = False, using
    # bulk_create refuses multi-table models: the child rows go in with the parents' ids, in one INSERT.
    EscalationProcess._base_manager.using(using)._insert(processes, fields=EscalationProcess._meta.local_concrete_fields)
    started = task_class.objects.using(using).bulk_create([
        task_class(process=process, flow_task=start, flow_task_type=start.task_type, status=STATUS.DONE,
                   created=now, started=now, finished=now, data={})
        for process in processes
    ])
    handled = task_class.objects.using(using).bulk_create([
        task_class(process=process, flow_task=handle, flow_task_type=handle.task_type, created=now, data={}, **task)
        for process, task in zip(processes, waiting, strict=True)
    ])
    task_class.previous.through.objects.using(using).bulk_create([
        task_class.previous.through(from_task_id=after.pk, to_task_id=before.pk)
        for before, after in zip(started, handled, strict=True)
    ])
    return [process.pk for process in processes]


@transaction.atomic
def escalation_handle(*, process: EscalationProcess, user, measures: str) -> None:
    if not measures.strip():
        raise ValidationError({"measures": "请填写督办措施。"})
    process.measures = measures
    process.save(update_fields=["measures"])
    deadline = process.deadline
    audit_append(
        actor=user, verb="clock.escalation_handled", target=deadline, agency=deadline.agency,
        thread=f"case:{deadline.case_id}", summary=f"超期督办：{deadline.title}。措施：{measures}"[:300],
    )
    if deadline.responsible:
        notify(
            recipients=[deadline.responsible], event="clock.escalation_handled", title=f"超期督办：{deadline.title}",
            body=measures, url=deadline.url,
        )


class HandleEscalationView(TaskFormView):
    form_class = forms.EscalationForm
    summary_template = "casework/_deadline_summary.html"
    success_text = "督办措施已登记。"

    def get_context_data(self, **kwargs):
        return super().get_context_data(deadline=self.process.deadline, summary_template=self.summary_template, **kwargs)

    def perform(self, form):
        escalation_handle(process=self.process, user=self.request.user, **form.cleaned_data)


def responsible_agency(process):
    return process.coerced.deadline.agency


class EscalationFlow(ScopedFlowMixin, flow.Flow):
    """超期督办

    法定期限届满而未办结时，由责任机关负责人督促办理并登记措施。"""

    process_class = EscalationProcess
    process_summary_template = "{{ process.deadline.title }}"
    case_lookup = "escalationprocess__deadline__case"
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.open).Annotation(title="期限届满").Next(this.handle)
    handle = (
        View(HandleEscalationView.as_view())
        .Annotation(title="超期督办", summary_template="{{ process.deadline.case.title }}")
        .Permission(HANDLE_ESCALATION, obj=responsible_agency)
        .Next(this.end)
    )
    end = flow.End().Annotation(title="督办完毕")

    def visible_processes(self, user):
        officer = officer_of(user)
        if officer is None:
            return EscalationProcess.objects.none()
        return EscalationProcess.objects.filter(deadline__agency=officer.agency)

    def open(self, activation, deadline):
        activation.process.deadline = deadline
        return activation.process
