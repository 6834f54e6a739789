"""The task pages of a clue referral (health, market, discipline, procuratorate)."""

from __future__ import annotations

from referral import clues, forms
from referral.letters.clue_letter import WORDING
from referral.tasks import ReferralTaskView


class PrepareClueView(ReferralTaskView):
    form_class = forms.CluePackageForm
    success_text = "线索移送材料已提请负责人审批。"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "referral": self.referral}

    def get_initial(self):
        officer = getattr(self.request.user, "officer", None)
        return {
            "to_agency": self.referral.to_agency,
            "facts": self.referral.facts,
            "request": WORDING[self.referral.kind].request,
            "contact_name": officer.display_name if officer else "",
            "contact_phone": officer.phone if officer else "",
        }

    def perform(self, form):
        clues.clue_submit(referral=self.referral, user=self.request.user, **form.cleaned_data)


class ApproveClueView(ReferralTaskView):
    form_class = forms.ApprovalForm
    success_text = "审批已完成。"

    def perform(self, form):
        clues.clue_approve(referral=self.referral, user=self.request.user, **form.cleaned_data)


class AcknowledgeClueView(ReferralTaskView):
    form_class = forms.ClueAcknowledgeForm
    success_text = "已签收。"

    def get_initial(self):
        officer = None if self.paper_agency else getattr(self.request.user, "officer", None)  # 代录: the paper's signer
        return {"signer_title": officer.title if officer else ""}

    def perform(self, form):
        clues.clue_acknowledge(referral=self.referral, user=self.request.user, **form.cleaned_data)


class ClueFeedbackView(ReferralTaskView):
    form_class = forms.ClueFeedbackForm
    success_text = "处理结果已反馈移送机关。"

    def perform(self, form):
        clues.clue_feedback(referral=self.referral, user=self.request.user, **form.cleaned_data)


class CloseClueView(ReferralTaskView):
    form_class = forms.ClueCloseForm
    success_text = "本次移送已办结。"

    def perform(self, form):
        clues.clue_close(referral=self.referral, user=self.request.user)
