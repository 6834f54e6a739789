"""超期督办 — when a legal clock is breached, its agency's head gets a task to act on it."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.utils import timezone
from viewflow import this
from viewflow.workflow import STATUS, flow, lock
from viewflow.workflow.models import Process

from agencies.audit import audit_append
from agencies.permissions import HANDLE_ESCALATION, officer_of
from casework import forms
from casework.models import Deadline, EscalationProcess
from casework.nodes import View
from casework.workflow import ScopedFlowMixin, TaskFormView
from notifications.services import notify


def escalation_open(*, deadline: Deadline) -> EscalationProcess:
    """Start the head's 超期督办 task for a breached clock (called by the clock worker, in its transaction)."""
    return EscalationFlow.start.run(deadline=deadline)


def escalation_open_many(*, deadlines: Sequence[Deadline]) -> list[EscalationProcess]:
    """`escalation_open` for a batch of breached clocks (the clock worker's): five INSERTs on PostgreSQL.

    Writes the rows viewflow writes when `EscalationFlow.start` runs — the process, its finished
    start task, the head's 超期督办 task waiting for the responsible agency (same permission and
    permission object as the node computes) and the link between the two tasks — in bulk instead of
    six statements and a lock per clock (tests/casework/test_escalation_batch.py compares the rows).
    viewflow's task signals are not sent (nothing in the project listens to them). Call inside the
    worker's transaction, with each deadline's agency loaded.
    """
    if not deadlines:
        return []
    now = timezone.now()
    start, handle = EscalationFlow.start, EscalationFlow.handle
    task_class = EscalationFlow.task_class
    using = router.db_for_write(EscalationProcess)
    processes = [
        EscalationProcess(flow_class=EscalationFlow, status=STATUS.NEW, created=now, data={}, deadline=deadline, measures="")
        for deadline in deadlines
    ]
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
    waiting = []
    for process in processes:
        activation = SimpleNamespace(process=process, flow_task=handle)
        task = task_class(process=process, flow_task=handle, flow_task_type=handle.task_type, status=STATUS.NEW,
                          created=now, data={})
        if permission := handle.calc_owner_permission(activation):
            task.owner_permission = permission
            task.owner_permission_obj = handle.calc_owner_permission_obj(activation)
        if owner := handle.calc_owner(activation):
            task.owner, task.status = owner, STATUS.ASSIGNED
        waiting.append(task)
    waiting = task_class.objects.using(using).bulk_create(waiting)
    task_class.previous.through.objects.using(using).bulk_create([
        task_class.previous.through(from_task_id=after.pk, to_task_id=before.pk)
        for before, after in zip(started, waiting, strict=True)
    ])
    return processes


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
    brief_related = ("escalationprocess__deadline__case",)
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
