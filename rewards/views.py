"""举报奖励 pages: the bureau's register of rewards, and one tip-off case's reward with the form of
the step the user may take next."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import generic

from agencies.permissions import officer_of
from casework.forms import add_service_errors
from casework.models import Case, CaseSource, PaymentKind
from casework.permissions import get_case_or_404
from casework.selectors import case_list_for_user
from rewards import forms, services
from rewards.models import ASSESSABLE, Reward, RewardStatus
from rewards.permissions import can_approve_reward, can_see_reward

PAGE_SIZE = 50
AWAITING = "awaiting"  # tip-off cases with fund money recovered and no reward assessed yet


def next_step(user, case: Case, reward: Reward | None) -> str | None:
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


STEPS = {
    "assess": (forms.AssessForm, "核定奖励", "", lambda user, case, data: services.reward_assess(user=user, case=case, **data)),
    "approve": (forms.ApproveForm, "提交审批意见", "审批意见提交后不能撤回，确定提交吗？",
                lambda user, case, data: services.reward_approve(user=user, case=case, **data)),
    "notify": (forms.NotifyForm, "登记已告知", "", lambda user, case, data: services.reward_notify(user=user, case=case, **data)),
    "pay": (forms.PayForm, "登记发放", "发放登记后不能撤回，确定已向举报人发放奖励吗？",
            lambda user, case, data: services.reward_pay(user=user, case=case, **data)),
    "waive": (forms.WaiveForm, "登记为逾期未领取", "登记后奖励视为放弃，不能再发放。确定吗？",
              lambda user, case, data: services.reward_waive(user=user, case=case)),
}


class RewardCaseView(generic.TemplateView):
    template_name = "rewards/reward_case.html"

    def dispatch(self, request, *args, **kwargs):
        self.case = get_case_or_404(user=request.user, case_id=kwargs["case_id"])
        if not can_see_reward(request.user, self.case):
            raise PermissionDenied("举报奖励只对承办案件的医疗保障局工作人员可见（举报案件且保密）。")
        self.reward = Reward.objects.select_related("policy", "assessed_by", "approved_by", "paid_by").filter(case=self.case).first()
        self.step = next_step(request.user, self.case, self.reward)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.step is None:
            raise PermissionDenied("举报奖励当前没有您可以办理的步骤。")
        form_class, label, _, act = STEPS[self.step]
        form = form_class(request.POST)
        if request.POST.get("step") != self.step:  # a page left open while someone else took the step
            form.is_valid()
            form.add_error(None, "举报奖励的状态已经变化，本次提交未保存。请核对下方的当前状态后再办理。")
        elif form.is_valid():
            try:
                reward = act(request.user, self.case, form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"举报奖励：{reward.get_status_display()}。")
                return redirect(reverse("rewards:case", args=[self.case.pk]))
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form", None)
        step = self.step
        if step is not None and form is None:
            form = STEPS[step][0](initial=self.initial(step))
        case_url = reverse("cases:detail", args=[self.case.pk])
        return super().get_context_data(
            case=self.case, reward=self.reward, step=step, form=form,
            submit_label=STEPS[step][1] if step else "", confirm=STEPS[step][2] if step else "",
            recovered=services.recovered(self.case), page_title="举报奖励",
            crumbs=[("案件", reverse("cases:index")), (self.case.number, case_url)], **kwargs,
        )

    def initial(self, step: str) -> dict:
        if step == "assess" and self.reward is not None:
            return {"eligible": "yes" if self.reward.status == RewardStatus.CALCULATED else "no", "assessment": self.reward.assessment}
        return {}


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
