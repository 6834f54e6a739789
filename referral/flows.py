"""涉嫌犯罪案件移送 — MSB → same-level PSB (《行政执法机关移送涉嫌犯罪案件的规定》 Arts. 5–8)."""

from __future__ import annotations

from viewflow import this
from viewflow.workflow import flow, lock

from agencies.permissions import ACT_FOR_AGENCY, APPROVE_TRANSFER
from casework.nodes import View
from casework.workflow import ScopedFlowMixin
from referral import services, tasks
from referral.models import ReferralProcess, ReferralStatus
from referral.selectors import referral_process_list_for_user


def sending_agency(process):
    # viewflow hands over either the ReferralProcess or its base Process row (in can_assign)
    return process.coerced.referral.from_agency


def receiving_agency(process):
    return process.coerced.referral.to_agency


CASE_TITLE = "{{ process.referral.case_title }}"  # what a task shows as its summary in the inbox and queue


class TransferFlow(ScopedFlowMixin, flow.Flow):
    """涉嫌犯罪案件移送

    准备移送材料 → 负责人审批 → 移送同级公安机关 → 签收回执 → 立案审查。"""

    process_class = ReferralProcess
    process_summary_template = "{{ process.referral.from_agency.short_name }} → {{ process.referral.to_agency.short_name }}"
    brief_related = ("referralprocess__referral__from_agency", "referralprocess__referral__to_agency")
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
        .Else(this.conclude)
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
