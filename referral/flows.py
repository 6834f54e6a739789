"""涉嫌犯罪案件移送 — MSB → same-level PSB (《行政执法机关移送涉嫌犯罪案件的规定》 Arts. 5–8)."""

from __future__ import annotations

from viewflow import this
from viewflow.workflow import flow, lock

from agencies.permissions import ACT_FOR_AGENCY, APPROVE_TRANSFER
from casework.nodes import View
from casework.workflow import ScopedFlowMixin
from referral import services, tasks
from referral.models import ReferralProcess, ReferralStatus, SupervisionOutcome
from referral.selectors import referral_process_list_for_user


def sending_agency(process):
    # viewflow hands over either the ReferralProcess or its base Process row (in can_assign)
    return process.coerced.referral.from_agency


def receiving_agency(process):
    return process.coerced.referral.to_agency


def supervising_procuratorate(process):
    return process.coerced.referral.supervision.procuratorate


CASE_TITLE = "{{ process.referral.case_title }}"  # what a task shows as its summary in the inbox and queue


class TransferFlow(ScopedFlowMixin, flow.Flow):
    """涉嫌犯罪案件移送

    准备移送材料 → 负责人审批 → 移送同级公安机关 → 签收回执 → 立案审查（或转送）→ 立案后移交涉案物品；
    不予立案的，移送机关可以提请复议或建议人民检察院立案监督。"""

    process_class = ReferralProcess
    process_summary_template = "{{ process.referral.from_agency.short_name }} → {{ process.referral.to_agency.short_name }}"
    case_lookup = "referralprocess__referral__case"
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.open).Annotation(title="启动移送").Next(this.prepare_package)
    prepare_package = (
        View(tasks.PreparePackageView.as_view())
        .Annotation(title="准备移送材料", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=sending_agency)
        .Assign(lambda activation: activation.process.referral.created_by)
        .Next(this.approve_transfer)
    )
    approve_transfer = (
        View(tasks.ApproveTransferView.as_view())
        .Annotation(title="负责人审批移送", summary_template=CASE_TITLE)
        .Permission(APPROVE_TRANSFER, obj=sending_agency)
        .Next(this.is_approved)
    )
    is_approved = (
        flow.If(lambda activation: activation.process.referral.status != ReferralStatus.REFUSED)
        .Annotation(title="是否批准")
        .Then(this.send_transfer)
        .Else(this.conclude)
    )
    send_transfer = flow.Function(this.send).Annotation(title="签发移送书并移送").Next(this.sign_receipt)
    sign_receipt = (
        View(tasks.SignReceiptView.as_view())
        .Annotation(title="签收回执", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=receiving_agency)
        .Next(this.decide_filing)
    )
    decide_filing = (
        View(tasks.DecideFilingView.as_view())
        .Annotation(title="立案审查", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=receiving_agency)
        .Next(this.is_forwarded)
    )
    is_forwarded = (
        flow.If(lambda activation: activation.process.referral.status == ReferralStatus.SENT)
        .Annotation(title="是否转送")
        .Then(this.sign_receipt)  # the competent police organ now signs and reviews
        .Else(this.is_filed)
    )
    is_filed = (
        flow.If(lambda activation: activation.process.referral.status == ReferralStatus.FILED)
        .Annotation(title="是否立案")
        .Then(this.hand_over)
        .Else(this.respond_to_decline)
    )
    respond_to_decline = (
        View(tasks.DeclineResponseView.as_view())
        .Annotation(title="决定是否复议或建议立案监督", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=sending_agency)
        .Assign(lambda activation: activation.process.referral.created_by)
        .Next(this.route_objection)
    )
    route_objection = (
        flow.Switch()
        .Annotation(title="移送机关的决定")
        .Case(this.decide_reconsideration, lambda activation: activation.process.referral.status == ReferralStatus.RECONSIDERING)
        .Case(this.request_explanation, lambda activation: activation.process.referral.status == ReferralStatus.SUPERVISING)
        .Default(this.conclude)
    )
    decide_reconsideration = (
        View(tasks.ReconsiderationView.as_view())
        .Annotation(title="复议", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=receiving_agency)
        .Next(this.is_reconsidered_filed)
    )
    is_reconsidered_filed = (
        flow.If(lambda activation: activation.process.referral.status == ReferralStatus.FILED)
        .Annotation(title="复议后是否立案")
        .Then(this.hand_over)
        .Else(this.respond_to_decline)
    )
    request_explanation = (
        View(tasks.ExplanationRequestView.as_view())
        .Annotation(title="要求说明不立案理由", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=supervising_procuratorate)
        .Next(this.explain_decline)
    )
    explain_decline = (
        View(tasks.ExplanationView.as_view())
        .Annotation(title="说明不立案理由", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=receiving_agency)
        .Next(this.assess_explanation)
    )
    assess_explanation = (
        View(tasks.SupervisionOutcomeView.as_view())
        .Annotation(title="审查不立案理由", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=supervising_procuratorate)
        .Next(this.is_filing_ordered)
    )
    is_filing_ordered = (
        flow.If(lambda activation: activation.process.referral.supervision.outcome == SupervisionOutcome.FILING_ORDERED)
        .Annotation(title="是否通知立案")
        .Then(this.file_as_ordered)
        .Else(this.conclude)
    )
    file_as_ordered = (
        View(tasks.OrderedFilingView.as_view())
        .Annotation(title="依通知立案", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=receiving_agency)
        .Next(this.hand_over)
    )
    hand_over = (
        View(tasks.HandoverView.as_view())
        .Annotation(title="移交涉案物品", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=sending_agency)
        .Assign(lambda activation: activation.process.referral.created_by)
        .Next(this.confirm_handover)
    )
    confirm_handover = (
        View(tasks.ConfirmHandoverView.as_view())
        .Annotation(title="签收交接清单", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=receiving_agency)
        .Next(this.conclude)
    )
    conclude = flow.Function(this.report_outcome).Annotation(title="反馈移送结果").Next(this.end)
    end = flow.End().Annotation(title="移送办结")

    def visible_processes(self, user):
        return referral_process_list_for_user(user=user)

    def open(self, activation, case, opened_by):
        activation.process.referral = services.transfer_open(case=case, opened_by=opened_by)
        return activation.process

    def send(self, activation):
        services.transfer_send(referral=activation.process.referral)

    def report_outcome(self, activation):
        services.transfer_conclude(referral=activation.process.referral)
