"""案件办理流程 — the case, as the BPMN diagram reads.

The one composition root allowed to call `referral`: a criminal transfer is its own flow
(viewflow's Subprocess is PRO-only), started here and awaited by `await_transfer`.
"""

from __future__ import annotations

from viewflow import this
from viewflow.workflow import flow, lock

from agencies.permissions import ACT_FOR_AGENCY, APPROVE_CASE
from casework import services, tasks
from casework.models import CaseProcess, CaseStatus, Handling
from casework.nodes import View
from casework.permissions import can_register_leads
from casework.selectors import case_process_list_for_user
from casework.workflow import ScopedFlowMixin
from referral import incoming
from referral.clue_flow import ClueReferralFlow
from referral.flows import TransferFlow


def owning_agency(process):
    # viewflow hands over either the CaseProcess or its base Process row (in can_assign)
    return process.coerced.case.agency


def lead_officer(activation):
    return activation.process.case.lead_officer




CASE_TITLE = "{{ process.case.title }}"  # what a task shows as its summary in the inbox and queue


class CaseFlow(ScopedFlowMixin, flow.Flow):
    """案件办理

    线索登记 → 核查 → 立案审批 → 调查 → 处理决定（结案、行政处理或移送公安机关）。"""

    process_class = CaseProcess
    process_summary_template = "{{ process.case.number }}"
    case_lookup = "caseprocess__case"
    lock_impl = lock.select_for_update_lock

    register = (
        flow.Start(tasks.RegisterLeadView.as_view())
        .Annotation(title="登记线索")
        .Available(can_register_leads)
        .Next(this.verify)
    )
    register_incoming = (
        flow.StartHandle(this.open_incoming).Annotation(title="登记来文（反向移送、检察意见）").Next(this.verify)
    )
    verify = (
        View(tasks.VerifyLeadView.as_view())
        .Annotation(title="核查线索", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=owning_agency)
        .Assign(lead_officer)
        .Next(this.is_filing_proposed)
    )
    is_filing_proposed = (
        flow.If(lambda activation: activation.process.case.status == CaseStatus.PENDING_FILING)
        .Annotation(title="是否提请立案")
        .Then(this.file_case)
        .Else(this.close_lead)
    )
    file_case = (
        View(tasks.FileCaseView.as_view())
        .Annotation(title="立案审批", summary_template=CASE_TITLE)
        .Permission(APPROVE_CASE, obj=owning_agency)
        .Next(this.is_filed)
    )
    is_filed = (
        flow.If(lambda activation: activation.process.case.filed_at is not None)
        .Annotation(title="是否立案")
        .Then(this.investigate)
        .Else(this.close_lead)
    )
    investigate = (
        View(tasks.InvestigateView.as_view())
        .Annotation(title="调查取证", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=owning_agency)
        .Assign(lead_officer)
        .Next(this.decide)
    )
    decide = (
        View(tasks.DecideView.as_view())
        .Annotation(title="处理决定审批", summary_template=CASE_TITLE)
        .Permission(APPROVE_CASE, obj=owning_agency)
        .Next(this.open_parallel_referrals)
    )
    open_parallel_referrals = (
        flow.Function(this.refer_in_parallel).Annotation(title="同时移送其他机关").Next(this.route_handling)
    )
    route_handling = (
        flow.Switch()
        .Annotation(title="处理方式")
        .Case(this.start_transfer, lambda activation: activation.process.case.handling == Handling.CRIMINAL)
        .Case(this.handle_administratively, lambda activation: activation.process.case.handling == Handling.ADMINISTRATIVE)
        .Default(this.handling_done)
    )
    start_transfer = flow.Function(this.open_transfer).Annotation(title="启动移送").Next(this.await_transfer)
    await_transfer = flow.Handle().Annotation(title="等待移送结果").Next(this.is_transfer_accepted)
    is_transfer_accepted = (
        flow.If(lambda activation: activation.process.case.status == CaseStatus.TRANSFERRED)
        .Annotation(title="公安机关是否立案")
        .Then(this.handling_done)
        .Else(this.handle_administratively)
    )
    handle_administratively = (
        View(tasks.AdministrativeHandlingView.as_view())
        .Annotation(title="行政处理", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=owning_agency)
        .Assign(lead_officer)
        .Next(this.handling_done)
    )
    handling_done = flow.Function(this.handled).Annotation(title="办理完毕").Next(this.are_referrals_settled)
    # A case closes only when every referral has ended or is no longer tracked (domain §7).
    are_referrals_settled = (
        flow.If(lambda activation: not services.open_referrals(activation.process.case).exists())
        .Annotation(title="移送是否均已办结")
        .Then(this.finish)
        .Else(this.await_referrals)
    )
    await_referrals = flow.Handle().Annotation(title="等待其他移送办结").Next(this.finish)
    finish = (
        flow.Switch()
        .Annotation(title="办结方式")
        .Case(this.end_transferred, lambda activation: activation.process.case.status == CaseStatus.TRANSFERRED)
        .Default(this.close_case)
    )
    close_case = flow.Function(this.close).Annotation(title="结案").Next(this.end)
    close_lead = flow.Function(this.not_filed).Annotation(title="不予立案").Next(this.end_not_filed)

    end = flow.End().Annotation(title="已结案")
    end_not_filed = flow.End().Annotation(title="不予立案")
    end_transferred = flow.End().Annotation(title="移送公安机关立案")

    def visible_processes(self, user):
        return case_process_list_for_user(user=user)

    def open_incoming(self, activation, case):
        activation.process.case = case
        return activation.process

    def refer_in_parallel(self, activation):
        case = activation.process.case
        for kind in case.also_refer_to:
            ClueReferralFlow.start.run(case=case, kind=kind, opened_by=case.lead_officer)

    def open_transfer(self, activation):
        case = activation.process.case
        TransferFlow.start.run(case=case, opened_by=case.lead_officer)

    def handled(self, activation):
        """Whoever handed the case to the bureau and awaits its completion hears of it (飞行检查移交)."""
        incoming.incoming_case_handled(case=activation.process.case)

    def close(self, activation):
        services.case_close(case=activation.process.case)

    def not_filed(self, activation):
        services.case_close_lead(case=activation.process.case)
        incoming.incoming_case_handled(case=activation.process.case)
