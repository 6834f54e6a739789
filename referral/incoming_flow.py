"""来文办理 — a reverse transfer from the police or a 检察意见 from the procuratorate, handled by the
bureau as a case of its own and answered in writing; done when the sender signs for the answer."""

from __future__ import annotations

from viewflow import this
from viewflow.workflow import flow, lock

from agencies.permissions import ACT_FOR_AGENCY
from casework.flows import CaseFlow
from casework.nodes import View
from casework.workflow import ScopedFlowMixin
from referral import forms, incoming
from referral.models import ReferralProcess
from referral.selectors import referral_process_list_for_user
from referral.tasks import ReferralTaskView

CASE_TITLE = "{{ process.referral.case_title }}"


class AcknowledgeIncomingView(ReferralTaskView):
    form_class = forms.ClueAcknowledgeForm
    success_text = "已签收并登记为线索。"

    def perform(self, form):
        incoming.incoming_acknowledge(referral=self.referral, user=self.request.user, **form.cleaned_data)


class ReplyView(ReferralTaskView):
    form_class = forms.IncomingReplyForm
    success_text = "书面答复已发出。"

    def perform(self, form):
        incoming.incoming_reply(referral=self.referral, user=self.request.user, **form.cleaned_data)


class ReplyReceivedView(ReferralTaskView):
    form_class = forms.ReplyReceivedForm
    success_text = "已签收书面答复。"

    def perform(self, form):
        incoming.incoming_reply_received(referral=self.referral, user=self.request.user)


def sender(process):
    return process.coerced.referral.from_agency


def bureau(process):
    return process.coerced.referral.to_agency


class IncomingReferralFlow(ScopedFlowMixin, flow.Flow):
    """来文办理

    公安机关反向移送或人民检察院检察意见 → 医疗保障部门签收并登记线索 → 依法处理 → 书面答复 → 来文机关签收答复。"""

    process_class = ReferralProcess
    process_summary_template = "{{ process.referral.get_kind_display }}（{{ process.referral.from_agency.short_name }}）"
    brief_related = ("referralprocess__referral__from_agency",)
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.open).Annotation(title="来文").Next(this.acknowledge)
    acknowledge = (
        View(AcknowledgeIncomingView.as_view())
        .Annotation(title="签收来文", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=bureau)
        .Next(this.open_case)
    )
    open_case = flow.Function(this.register_case).Annotation(title="登记为线索").Next(this.reply)
    reply = (
        View(ReplyView.as_view())
        .Annotation(title="书面答复来文机关", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=bureau)
        .Assign(lambda activation: activation.process.referral.receipt_signed_by)
        .Next(this.receive_reply)
    )
    receive_reply = (
        View(ReplyReceivedView.as_view())
        .Annotation(title="签收书面答复", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=sender)
        .Assign(lambda activation: activation.process.referral.created_by)
        .Next(this.end)
    )
    end = flow.End().Annotation(title="来文办结")

    def visible_processes(self, user):
        return referral_process_list_for_user(user=user)

    def open(self, activation, referral):
        activation.process.referral = referral
        return activation.process

    def register_case(self, activation):
        """The bureau's own case flow starts at 核查线索 for the lead just registered."""
        CaseFlow.register_incoming.run(case=activation.process.referral.case)
