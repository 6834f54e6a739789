"""超期督办 — when a legal clock is breached, its agency's head gets a task to act on it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from viewflow import this
from viewflow.workflow import flow, lock

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
