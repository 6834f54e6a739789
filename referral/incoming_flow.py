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
    form_class = forms.IncomingAcknowledgeForm
    success_text = "已签收并登记为线索。"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "resumable": incoming.resumable_cases(self.referral)}

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


class FinalReportView(ReferralTaskView):
    form_class = forms.FinalReportForm
    success_text = "书面报告已报送。"

    def perform(self, form):
        incoming.incoming_final_report(referral=self.referral, user=self.request.user, **form.cleaned_data)


def sender(process):
    return process.coerced.referral.from_agency


def bureau(process):
    return process.coerced.referral.to_agency


class IncomingReferralFlow(ScopedFlowMixin, flow.Flow):
    """来文办理

    公安机关反向移送、人民检察院检察意见、上级交办、飞行检查移交或经办机构移交 → 医疗保障部门签收并登记线索
    → 依法处理 → 书面答复 → 来文机关签收答复（飞行检查移交：办结后再报送书面报告并经签收）。"""

    process_class = ReferralProcess
    process_summary_template = "{{ process.referral.get_kind_display }}（{{ process.referral.from_agency.short_name }}）"
    case_lookup = "referralprocess__referral__case"
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
        .Next(this.is_report_owed)
    )
    # 飞行检查移交 (令第6号): the progress report above, then a written report once the case is handled.
    is_report_owed = (
        flow.If(lambda activation: incoming.needs_final_report(activation.process.referral))
        .Annotation(title="是否须报送书面报告")
        .Then(this.is_handled)
        .Else(this.end)
    )
    is_handled = (
        flow.If(lambda activation: activation.process.referral.handling_completed_at is not None)
        .Annotation(title="移交问题是否处理完毕")
        .Then(this.final_report)
        .Else(this.await_handling)
    )
    await_handling = flow.Handle().Annotation(title="等待案件办结").Next(this.final_report)
    final_report = (
        View(FinalReportView.as_view())
        .Annotation(title="报送书面报告", summary_template=CASE_TITLE)
        .Permission(ACT_FOR_AGENCY, obj=bureau)
        .Assign(lambda activation: activation.process.referral.receipt_signed_by)
        .Next(this.receive_final_report)
    )
    receive_final_report = (
        View(ReplyReceivedView.as_view())
        .Annotation(title="签收书面报告", summary_template=CASE_TITLE)
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
