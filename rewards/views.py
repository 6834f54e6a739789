"""举报奖励 pages: the bureau's register of rewards, and one tip-off case's reward with the form of
the step the user may take next."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils import timezone
from django.views import generic

from agencies.permissions import officer_of
from casework.models import Case, CaseSource, PaymentKind
from casework.selectors import case_list_for_user
from casework.step_pages import CaseStepView, Step
from rewards import forms, services
from rewards.models import ASSESSABLE, Reward, RewardStatus
from rewards.permissions import can_approve_reward, can_see_reward

PAGE_SIZE = 50
AWAITING = "awaiting"  # tip-off cases with fund money recovered and no reward assessed yet


def reward_next_step(user, case: Case, reward: Reward | None) -> str | None:
    """The step `user` may take on the reward now, or None."""
    if reward is not None and reward.status == RewardStatus.CALCULATED and can_approve_reward(user, case) \
            and reward.assessed_by_id != user.pk:
        return "approve"
    if reward is None or reward.status in ASSESSABLE:
        return "assess"
    if reward.status == RewardStatus.APPROVED:
        return "notify"
    if reward.status == RewardStatus.NOTIFIED:
        return "waive" if timezone.localdate() > reward.claim_due_on else "pay"
    return None


class RewardCaseView(CaseStepView):
    template_name = "rewards/reward_case.html"
    record_name = "举报奖励"
    refusal = "举报奖励只对承办案件的医疗保障局工作人员可见（举报案件且保密）。"
    steps = {
        "assess": Step(forms.AssessForm, "核定奖励", lambda user, case, data: services.reward_assess(user=user, case=case, **data)),
        "approve": Step(forms.ApproveForm, "提交审批意见", lambda user, case, data: services.reward_approve(user=user, case=case, **data),
                        confirm="审批意见提交后不能撤回，确定提交吗？"),
        "notify": Step(forms.NotifyForm, "登记已告知", lambda user, case, data: services.reward_notify(user=user, case=case, **data)),
        "pay": Step(forms.PayForm, "登记发放", lambda user, case, data: services.reward_pay(user=user, case=case, **data),
                    confirm="发放登记后不能撤回，确定已向举报人发放奖励吗？"),
        "waive": Step(forms.WaiveForm, "登记为逾期未领取", lambda user, case, data: services.reward_waive(user=user, case=case),
                      confirm="登记后奖励视为放弃，不能再发放。确定吗？"),
    }
    visible = staticmethod(can_see_reward)

    def open_steps(self, user, case, record) -> list[str]:
        step = reward_next_step(user, case, record)
        return [step] if step else []

    def load(self, case):
        return Reward.objects.select_related("policy", "assessed_by", "approved_by", "paid_by").filter(case=case).first()

    def initial(self, step: str) -> dict:
        if step == "assess" and self.record is not None:
            return {"eligible": "yes" if self.record.status == RewardStatus.CALCULATED else "no", "assessment": self.record.assessment}
        return {}

    def get_context_data(self, **kwargs):
        return super().get_context_data(reward=self.record, recovered=services.recovered(self.case), **kwargs)


class RewardListView(generic.TemplateView):
    """The bureau's 举报奖励台账: each tip-off case's reward and its state, and the cases still awaiting one."""

    template_name = "rewards/reward_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        officer = officer_of(user)
        show = self.request.GET.get("status", "")
        cases = case_list_for_user(user=user).filter(source=CaseSource.TIP)
        cases = cases.filter(agency=officer.agency) if officer else cases.none()
        if show == AWAITING:
            cases = cases.filter(reward__isnull=True, penalties__payments__kind=PaymentKind.REFUND).distinct()
        else:
            cases = cases.filter(reward__isnull=False)
            if show in RewardStatus.values:
                cases = cases.filter(reward__status=show)
        page = Paginator(cases.select_related("reward"), PAGE_SIZE).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            page=page, show=show, statuses=[(AWAITING, "待核定"), *RewardStatus.choices], awaiting=AWAITING,
            today=timezone.localdate(), **kwargs,
        )
