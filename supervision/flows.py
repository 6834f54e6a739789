"""挂牌督办流程 — as the BPMN diagram reads. The handling unit's progress and final reports, 催办 and
the escalation ladder are actions on the supervision page; the flow waits for the 结案报告."""

from __future__ import annotations

from django.db import transaction
from viewflow import this
from viewflow.workflow import flow, lock

from agencies.permissions import ACT_FOR_AGENCY, APPROVE_CASE
from casework.nodes import View
from casework.workflow import ScopedFlowMixin
from supervision import services, tasks
from supervision.models import SupervisionProcess, SupervisionStatus
from supervision.selectors import supervision_process_list_for_user

CASE_TITLE = "{{ process.supervision.case.title }}"


def supervisor(process):
    return process.coerced.supervision.supervisor


def handling_unit(process):
    return process.coerced.supervision.case.agency


def status_is(status):
    return lambda activation: activation.process.supervision.status == status


class SupervisionFlow(ScopedFlowMixin, flow.Flow):
    """挂牌督办

    报请或上级决定 → 督办机关负责人决定并印发挂牌督办通知书 → 承办单位报送查处方案 → 按期报送进展报告 → 报送结案报告
    → 督办机关审核销号或退回重办；督办期间可以催办、升级督办措施或撤销督办。"""

    process_class = SupervisionProcess
    process_summary_template = "挂牌督办：{{ process.supervision.case.title }}"
    case_lookup = "supervisionprocess__supervision__case"
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.open).Annotation(title="提出挂牌督办").Next(this.designate)
    designate = (
        View(tasks.DesignateView.as_view())
        .Annotation(title="决定挂牌督办", summary_template=CASE_TITLE)
        .Permission(APPROVE_CASE, obj=supervisor)
        .Next(this.is_designated)
    )
    is_designated = (
        flow.If(status_is(SupervisionStatus.ACTIVE)).Annotation(title="是否挂牌").Then(this.submit_plan).Else(this.end_declined)
    )
    submit_plan = (
        View(tasks.SubmitPlanView.as_view())
        .Annotation(title="报送查处方案", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=handling_unit)
        .Assign(lambda activation: activation.process.supervision.case.lead_officer)
        .Next(this.await_final_report)
    )
    await_final_report = flow.Handle().Annotation(title="督办中（进展报告、催办）").Next(this.is_revoked)
    is_revoked = (
        flow.If(status_is(SupervisionStatus.REVOKED)).Annotation(title="是否撤销督办").Then(this.end_revoked).Else(this.review)
    )
    review = (
        View(tasks.ReviewView.as_view())
        .Annotation(title="审核结案报告", summary_template=CASE_TITLE)
        .Permission(APPROVE_CASE, obj=supervisor)
        .Next(this.is_accepted)
    )
    is_accepted = (
        flow.If(status_is(SupervisionStatus.CLOSED)).Annotation(title="是否销号").Then(this.end).Else(this.await_final_report)
    )
    end = flow.End().Annotation(title="审核销号")
    end_declined = flow.End().Annotation(title="不予挂牌")
    end_revoked = flow.End().Annotation(title="撤销督办")

    def visible_processes(self, user):
        return supervision_process_list_for_user(user=user)

    def open(self, activation, supervision):
        activation.process.supervision = supervision
        return activation.process


def supervision_open(*, case, user, **fields):
    """报请 or list a case and start its flow, in one transaction: the decision task lands in the
    supervisor's queue."""
    with transaction.atomic():
        supervision = services.supervision_propose(case=case, user=user, **fields)
        SupervisionFlow.start.run(supervision=supervision)
    return supervision
