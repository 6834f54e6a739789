"""The transfer flow's task pages."""

from __future__ import annotations

from django.urls import reverse

from casework.workflow import TaskFormView
from referral import forms, handover, objections, services
from referral.models import FilingDecision


class ReferralTaskView(TaskFormView):
    summary_template = "referral/_package_summary.html"

    @property
    def referral(self):
        return self.process.referral

    def get_context_data(self, **kwargs):
        return super().get_context_data(referral=self.referral, summary_template=self.summary_template, **kwargs)

    def get_success_url(self) -> str:
        return reverse("referrals:detail", args=[self.referral.pk])


class PreparePackageView(ReferralTaskView):
    form_class = forms.PackageForm
    template_name = "referral/package_task.html"
    success_text = "移送材料已提请负责人审批。"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "referral": self.referral}

    def get_initial(self):
        referral = self.referral
        officer = getattr(self.request.user, "officer", None)
        return {
            "to_agency": referral.to_agency,
            "facts": referral.facts,
            "task_force": list(referral.case.investigators.all()),
            "evidence": list(referral.case.evidence.all()),
            "contact_name": officer.display_name if officer else "",
            "contact_phone": officer.phone if officer else "",
        }

    def perform(self, form):
        services.transfer_submit(referral=self.referral, user=self.request.user, **form.cleaned_data)


class ApproveTransferView(ReferralTaskView):
    form_class = forms.ApprovalForm
    success_text = "审批已完成。"

    def perform(self, form):
        services.transfer_approve(referral=self.referral, user=self.request.user, **form.cleaned_data)


class SignReceiptView(ReferralTaskView):
    form_class = forms.ReceiptForm
    success_text = "已签收回执。"

    def get_initial(self):
        officer = None if self.paper_agency else getattr(self.request.user, "officer", None)
        return {"signer_title": officer.title if officer else "", "items_received": self.referral.package_items.count() + 3}

    def perform(self, form):
        services.transfer_sign_receipt(referral=self.referral, user=self.request.user, **form.cleaned_data)


class DecideFilingView(ReferralTaskView):
    form_class = forms.FilingDecisionForm
    success_text = "审查决定已送达移送机关。"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "referral": self.referral}

    def perform(self, form):
        data = dict(form.cleaned_data)
        forward_to = data.pop("forward_to")
        if data["decision"] == FilingDecision.FORWARD:
            services.transfer_forward(referral=self.referral, user=self.request.user, to_agency=forward_to, reason=data["reason"])
        else:
            services.transfer_decide(referral=self.referral, user=self.request.user, **data)


class DeclineResponseView(ReferralTaskView):
    form_class = forms.DeclineResponseForm
    success_text = "决定已登记。"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "referral": self.referral}

    def perform(self, form):
        objections.decline_respond(referral=self.referral, user=self.request.user, **form.cleaned_data)


class ReconsiderationView(ReferralTaskView):
    form_class = forms.ReconsiderationDecisionForm
    success_text = "复议决定已送达移送机关。"

    def perform(self, form):
        objections.reconsideration_decide(referral=self.referral, user=self.request.user, **form.cleaned_data)


class ExplanationRequestView(ReferralTaskView):
    form_class = forms.ExplanationRequestForm
    success_text = "已要求公安机关说明不立案理由。"

    def perform(self, form):
        objections.supervision_request_explanation(referral=self.referral, user=self.request.user, **form.cleaned_data)


class ExplanationView(ReferralTaskView):
    form_class = forms.ExplanationForm
    success_text = "不立案理由说明已送达人民检察院。"

    def perform(self, form):
        objections.supervision_explain(referral=self.referral, user=self.request.user, **form.cleaned_data)


class SupervisionOutcomeView(ReferralTaskView):
    form_class = forms.SupervisionOutcomeForm
    success_text = "监督结论已送达。"

    def perform(self, form):
        objections.supervision_conclude(referral=self.referral, user=self.request.user, **form.cleaned_data)


class OrderedFilingView(ReferralTaskView):
    form_class = forms.OrderedFilingForm
    success_text = "已依通知立案。"

    def perform(self, form):
        objections.ordered_filing_record(referral=self.referral, user=self.request.user, **form.cleaned_data)


class HandoverView(ReferralTaskView):
    form_class = forms.HandoverForm
    template_name = "referral/handover_task.html"
    success_text = "交接清单已送接收机关签收。"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "initial_items": self.referral.seized_items}  # start from the package's list

    def perform(self, form):
        handover.handover_record(referral=self.referral, user=self.request.user, items=form.cleaned_data.get("items", []))


class ConfirmHandoverView(ReferralTaskView):
    form_class = forms.ConfirmHandoverForm
    success_text = "已签收交接清单。"

    def perform(self, form):
        handover.handover_confirm(referral=self.referral, user=self.request.user)
