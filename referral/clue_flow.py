"""线索移送 — to the health commission, market regulation, the discipline bodies or the procuratorate.

Each referral is its own process linked to the case (viewflow's Subprocess is PRO-only). A
confidential (discipline) referral goes to one named receiver; nobody else takes its tasks.
"""

from __future__ import annotations

from viewflow import this
from viewflow.workflow import flow, lock

from agencies.permissions import ACT_FOR_AGENCY, APPROVE_TRANSFER
from casework.nodes import View
from casework.workflow import ScopedFlowMixin
from referral import clue_tasks, clues
from referral.models import ReferralProcess, ReferralStatus
from referral.selectors import referral_process_list_for_user

CASE_TITLE = "{{ process.referral.case_title }}"


def sending_agency(process):
    return process.coerced.referral.from_agency


def receiving_agency(process):
    return process.coerced.referral.to_agency


def named_recipient(activation):
    """A confidential referral's tasks go straight to its named receiver; others wait in the agency queue."""
    return activation.process.referral.recipient


class ClueReferralFlow(ScopedFlowMixin, flow.Flow):
    """线索移送

    准备移送材料 → 负责人审批 → 签发线索移送函 → 接收机关签收 → 反馈处理结果 → 移送机关办结（或不再跟踪）。"""

    process_class = ReferralProcess
    process_summary_template = "{{ process.referral.get_kind_display }}（{{ process.referral.to_agency.short_name }}）"
    case_lookup = "referralprocess__referral__case"
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.open).Annotation(title="启动线索移送").Next(this.prepare)
    prepare = (
        View(clue_tasks.PrepareClueView.as_view())
        .Annotation(title="准备线索移送材料", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=sending_agency)
        .Assign(lambda activation: activation.process.referral.created_by)
        .Next(this.approve)
    )
    approve = (
        View(clue_tasks.ApproveClueView.as_view())
        .Annotation(title="负责人审批线索移送", summary_template=CASE_TITLE)
        .Permission(APPROVE_TRANSFER, obj=sending_agency)
        .Next(this.is_approved)
    )
    is_approved = (
        flow.If(lambda activation: activation.process.referral.status == ReferralStatus.SENT)
        .Annotation(title="是否批准")
        .Then(this.acknowledge)
        .Else(this.end)
    )
    acknowledge = (
        View(clue_tasks.AcknowledgeClueView.as_view())
        .Annotation(title="签收线索移送函", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=receiving_agency)
        .Assign(named_recipient)
        .Next(this.give_feedback)
    )
    give_feedback = (
        View(clue_tasks.ClueFeedbackView.as_view())
        .Annotation(title="反馈处理结果", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=receiving_agency)
        .Assign(lambda activation: activation.process.referral.receipt_signed_by)
        .Next(this.close)
    )
    close = (
        View(clue_tasks.CloseClueView.as_view())
        .Annotation(title="办结线索移送", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=sending_agency)
        .Assign(lambda activation: activation.process.referral.created_by)
        .Next(this.end)
    )
    end = flow.End().Annotation(title="线索移送办结")

    def visible_processes(self, user):
        return referral_process_list_for_user(user=user)

    def open(self, activation, case, kind, opened_by):
        activation.process.referral = clues.clue_open(case=case, kind=kind, opened_by=opened_by)
        return activation.process
