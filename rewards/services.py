"""A tip-off case's reward, step by step (domain.md §6.11):

核定 (assess: eligible, with the amount the standard gives for the money recovered; or not) →
审批 (the head approves, or refuses: 不予奖励) → 告知 (the reporter is told; the claim period of
2 months starts) → 发放 (paid, with the claimant's identity checked) or, once the period has passed,
视为放弃. Each step is one transaction and one audit event; a wrong input raises ValidationError
naming the field and changes nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.urls import reverse
from django.utils import timezone

from agencies.audit import audit_append
from agencies.dates import day_error
from agencies.models import Role
from agencies.selectors import officer_users
from casework.clocks import add_months
from casework.models import Case, CaseStatus, PaymentKind, PenaltyPayment
from notifications.services import notify
from rewards.models import ASSESSABLE, PayMethod, Reward, RewardStatus
from rewards.permissions import can_approve_reward, can_see_reward
from rewards.standards import CENT, calculate, policy_for

# Before the filing decision nothing about the tip-off is settled; an eligible reward also needs a decision.
UNDECIDED = (CaseStatus.LEAD, CaseStatus.PENDING_FILING)
NOTICE_CHANNELS = ("电话", "短信", "书面", "当面")
DECISION_DATE = "decision"  # LIANBAN_REWARD_POLICY_DATE; otherwise "tip"


def reward_url(case: Case) -> str:
    return reverse("rewards:case", args=[case.pk])


def recovered(case: Case) -> Decimal:
    """案值 for the reward: the fund money ordered back that has actually come in (追回到账)."""
    paid = PenaltyPayment.objects.filter(decision__case=case, kind=PaymentKind.REFUND).aggregate(total=Sum("amount"))["total"]
    return (paid or Decimal("0")).quantize(CENT)


def governing_date(case: Case) -> date | None:
    """The date that picks the standard: the tip-off's registration or the latest decision, by setting
    (LIANBAN_REWARD_POLICY_DATE; which one the rule means is UNCONFIRMED, domain.md §6.11)."""
    if settings.LIANBAN_REWARD_POLICY_DATE == DECISION_DATE:
        return case.penalties.aggregate(last=Max("decided_on"))["last"]
    return timezone.localdate(case.registered_at)


def _audit(reward: Reward, *, actor, verb: str, summary: str, data: dict | None = None) -> None:
    case = reward.case
    audit_append(actor=actor, verb=verb, target=reward, agency=case.agency, thread=f"case:{case.pk}",
                 summary=f"{case.number} 举报奖励：{summary}", data=data)


def _locked(case: Case) -> Reward | None:
    return Reward.objects.select_for_update().select_related("case__agency").filter(case=case).first()


@transaction.atomic
def reward_assess(*, user, case: Case, eligible: bool, assessment: str) -> Reward:
    """核定: eligible (the standard's amount for the money recovered) or not, with the assessor's reasons.
    May be done again until the head has approved."""
    case = Case.objects.select_for_update().select_related("agency").get(pk=case.pk)
    if not can_see_reward(user, case):
        raise PermissionDenied("只有承办案件的医疗保障局工作人员可以核定举报奖励。")
    reward = _locked(case)
    if reward is not None and reward.status not in ASSESSABLE:
        raise ValidationError(f"举报奖励已{reward.get_status_display()}，不能重新核定。")
    if case.status in UNDECIDED:
        raise ValidationError("作出是否立案的决定后才能核定举报奖励。")
    assessment = assessment.strip()
    if not assessment:
        raise ValidationError({"assessment": "请填写核定意见：线索是否有明确对象和具体事实、主要事实是否查证属实、是否为已掌握的线索。"})
    values = {"policy": None, "policy_date": None, "basis": recovered(case), "amount": None, "calculation": []}
    if eligible:
        if not case.penalties.exists():
            raise ValidationError({"eligible": "本案尚无行政处罚（处理）决定，主要事实未经查证属实，不能核定奖励。"})
        if not values["basis"]:
            raise ValidationError({"eligible": "本案尚无退回医保基金的到账记录：奖励按查实追回的医保基金计算，请先登记到账。"})
        on = governing_date(case)
        policy = policy_for(region_code=case.agency.region_code, on=on)
        calculation = calculate(policy, values["basis"])
        values.update(policy=policy, policy_date=on, amount=calculation.amount, calculation=calculation.lines)
    status = RewardStatus.CALCULATED if eligible else RewardStatus.INELIGIBLE
    now = timezone.now()
    again = reward is not None
    reward, _ = Reward.objects.update_or_create(case=case, defaults={
        **values, "status": status, "assessment": assessment, "assessed_by": user, "assessed_at": now,
        "closed_at": None if eligible else now,
    })
    verb = "reward.assessed" if eligible else "reward.ineligible"
    summary = (f"核定奖励 {reward.amount} 元（案值 {reward.basis} 元，{reward.policy.name}）" if eligible else "核定不予奖励")
    _audit(reward, actor=user, verb=verb, summary=("重新" if again else "") + summary,
           data={"amount": reward.amount, "basis": reward.basis, "policy": reward.policy_id, "assessment": assessment})
    if eligible:
        notify(recipients=officer_users(agency=case.agency, roles=[Role.HEAD]), event="reward.assessed",
               title=f"举报奖励待审批：{case.number}", body=f"核定奖励 {reward.amount} 元，请审批。", url=reward_url(case))
    return reward


@transaction.atomic
def reward_approve(*, user, case: Case, approve: bool, opinion: str) -> Reward:
    """审批 by the head: approved, or refused (不予奖励) with the reason."""
    reward = _locked(case)
    if reward is None or not can_approve_reward(user, reward.case):
        raise PermissionDenied("只有本局负责人可以审批举报奖励。")
    if reward.status != RewardStatus.CALCULATED:
        raise ValidationError(f"举报奖励{reward.get_status_display()}，无需审批。")
    if reward.assessed_by_id == user.pk:
        raise ValidationError("核定人不能审批自己核定的举报奖励，请由其他负责人审批。")
    opinion = opinion.strip()
    if not approve and not opinion:
        raise ValidationError({"opinion": "不予奖励的，请填写理由。"})
    reward.status = RewardStatus.APPROVED if approve else RewardStatus.INELIGIBLE
    reward.approved_by, reward.approved_at, reward.approval_opinion = user, timezone.now(), opinion or "同意。"
    if not approve:
        reward.closed_at = reward.approved_at
    reward.save()
    _audit(reward, actor=user, verb="reward.approved" if approve else "reward.refused",
           summary=f"{'批准' if approve else '不予'}奖励 {reward.amount} 元：{reward.approval_opinion}")
    notify(recipients=[reward.assessed_by], event="reward.approved", title=f"举报奖励{'已批准' if approve else '不予批准'}：{case.number}",
           body=reward.approval_opinion, url=reward_url(reward.case))
    return reward


@transaction.atomic
def reward_notify(*, user, case: Case, notified_on: date | None, channel: str) -> Reward:
    """告知: the reporter is told of the approved reward; the claim period (2 months) starts that day."""
    reward = _locked(case)
    if reward is None or not can_see_reward(user, reward.case):
        raise PermissionDenied("只有承办案件的医疗保障局工作人员可以告知举报人。")
    if reward.status != RewardStatus.APPROVED:
        raise ValidationError(f"举报奖励{reward.get_status_display()}，不能告知领取。")
    errors: dict[str, str] = {}
    if problem := day_error(notified_on, label="告知日期", earliest=timezone.localdate(reward.approved_at),
                            earliest_label="审批日期"):
        errors["notified_on"] = problem
    if channel not in NOTICE_CHANNELS:
        errors["channel"] = "请选择告知方式。"
    if errors:
        raise ValidationError(errors)
    reward.status, reward.notified_on, reward.notice_channel = RewardStatus.NOTIFIED, notified_on, channel
    reward.claim_due_on = add_months(notified_on, settings.LIANBAN_REWARD_CLAIM_MONTHS)
    reward.save()
    _audit(reward, actor=user, verb="reward.notified",
           summary=f"已告知举报人领取奖励（{channel}），领取期限至 {reward.claim_due_on:%Y-%m-%d}")
    return reward


@transaction.atomic
def reward_pay(*, user, case: Case, paid_on: date | None, method: str, voucher_number: str, identity_checked: bool) -> Reward:
    """发放: paid to the reporter within the claim period, after the reporter's identity was checked."""
    reward = _locked(case)
    if reward is None or not can_see_reward(user, reward.case):
        raise PermissionDenied("只有承办案件的医疗保障局工作人员可以登记奖励发放。")
    if reward.status != RewardStatus.NOTIFIED:
        raise ValidationError(f"举报奖励{reward.get_status_display()}，不能登记发放。")
    errors: dict[str, str] = {}
    if problem := day_error(paid_on, label="发放日期", earliest=reward.notified_on, earliest_label="告知日期"):
        errors["paid_on"] = problem
    if "paid_on" not in errors and paid_on > reward.claim_due_on:
        errors["paid_on"] = f"已超过领取期限（{reward.claim_due_on:%Y-%m-%d}），逾期未领取的视为放弃。"
    if method not in PayMethod.values:
        errors["method"] = "请选择发放方式。"
    voucher_number = voucher_number.strip()
    if not voucher_number:
        errors["voucher_number"] = "请填写发放凭证号（转账回单号或领款凭证号）。"
    if not identity_checked:
        errors["identity_checked"] = "请先核验领奖人的有效身份证件（须与举报人一致）。"
    if errors:
        raise ValidationError(errors)
    reward.status, reward.paid_on, reward.pay_method, reward.voucher_number = RewardStatus.PAID, paid_on, method, voucher_number
    reward.paid_by, reward.closed_at = user, timezone.now()
    reward.save()
    _audit(reward, actor=user, verb="reward.paid",
           summary=f"发放奖励 {reward.amount} 元（{reward.get_pay_method_display()}，凭证 {voucher_number}，{paid_on:%Y-%m-%d}）")
    return reward


@transaction.atomic
def reward_waive(*, user, case: Case) -> Reward:
    """视为放弃: the claim period has passed without the reporter claiming."""
    reward = _locked(case)
    if reward is None or not can_see_reward(user, reward.case):
        raise PermissionDenied("只有承办案件的医疗保障局工作人员可以办理。")
    if reward.status != RewardStatus.NOTIFIED:
        raise ValidationError(f"举报奖励{reward.get_status_display()}，不能登记为放弃。")
    if timezone.localdate() <= reward.claim_due_on:
        raise ValidationError(f"领取期限至 {reward.claim_due_on:%Y-%m-%d}，期限届满后才能登记为逾期未领取。")
    reward.status, reward.closed_at = RewardStatus.WAIVED, timezone.now()
    reward.save()
    _audit(reward, actor=user, verb="reward.waived", summary=f"领取期限 {reward.claim_due_on:%Y-%m-%d} 已过，举报人未领取，视为放弃")
    return reward
