"""举报奖励: a tip-off case's reward computed from the fund money actually recovered, by the region's
standard in force on the governing date (分段累加, between the minimum and the maximum), approved by
the head (never the assessor), told to the reporter, and paid within 2 months or deemed waived —
each step audited, each wrong input named with nothing changed, and the reward seen only inside the bureau."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.models import AuditEvent
from casework import penalties
from casework.clocks import add_months
from casework.models import CaseSource, CaseStatus, PaymentKind, PenaltyKind
from casework.payments import payment_record
from demo.stories import reward_policies_demo
from notifications.models import Notification
from rewards.models import Reward, RewardPolicy, RewardStatus
from rewards.standards import calculate, policy_for
from tests.penalty_case import decided_case, decision

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(cast, tell):
    return decided_case(cast, tell)


@pytest.fixture
def standards(db):
    reward_policies_demo()
    return {policy.region_code: policy for policy in RewardPolicy.objects.all()}


@pytest.fixture
def tip_case(case, cast, standards):  # noqa: F811 - the fixture imported above
    """A tip-off case closed with 责令退回 150,000 元 (and a fine), the refund paid in full yesterday."""
    ten_days_ago = timezone.localdate() - timedelta(days=10)
    case.source, case.filed_at = CaseSource.TIP, min(case.filed_at, timezone.now() - timedelta(days=20))
    case.save(update_fields=["source", "filed_at"])
    officer = cast.user("msb_officer")
    penalty = penalties.penalty_record(case=case, user=officer, **decision(
        case, decided_on=ten_days_ago, kinds=[PenaltyKind.FINE, PenaltyKind.REFUND], refund_amount=Decimal("150000.00")))
    case.status = CaseStatus.CLOSED
    case.save(update_fields=["status"])
    payment_record(user=officer, decision=penalty, kind=PaymentKind.REFUND, amount=Decimal("150000.00"),
                   paid_on=timezone.localdate() - timedelta(days=1), receipt_number="YH-REWARD-1")
    return case


def page_url(case) -> str:
    return reverse("rewards:case", args=[case.pk])


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


# --- the standard --------------------------------------------------------------------------------------


@pytest.mark.parametrize("basis, amount, last_line", [
    (Decimal("150000"), Decimal("8000.00"), "合计 8,000.00元"),  # 100,000 × 6% + 50,000 × 4%
    (Decimal("1000"), Decimal("200"), "低于最低奖励，按 200.00元"),  # 60 元 raised to the minimum
    (Decimal("10000000"), Decimal("200000"), "超过最高奖励，按 200,000.00元"),  # 222,000 元 cut to the maximum
])
def test_the_reward_is_counted_tier_by_tier_and_kept_within_its_bounds(standards, basis, amount, last_line):
    calculation = calculate(standards["32"], basis)
    assert calculation.amount == amount
    assert calculation.lines[-1] == last_line
    if basis == Decimal("10000000"):
        assert calculation.lines[:3] == [
            "100,000.00元以下的部分 100,000.00元 × 6% = 6,000.00元",
            "100,000.00元至1,000,000.00元的部分 900,000.00元 × 4% = 36,000.00元",
            "超过1,000,000.00元的部分 9,000,000.00元 × 2% = 180,000.00元",
        ]


def test_the_standard_is_the_regions_own_in_force_that_day_else_the_national_one(standards):
    assert policy_for(region_code="321100", on=date(2024, 3, 1)) == standards["32"]
    assert policy_for(region_code="321100", on=date(2021, 5, 1)) == standards[""]  # before 江苏's took effect
    with pytest.raises(ValidationError, match="没有2024-03-01适用于本地区（440100）的举报奖励标准"):
        policy_for(region_code="440100", on=date(2024, 3, 1))  # the national one was repealed at the end of 2022


@pytest.mark.parametrize("tiers, message", [
    ([], "请至少填写一段奖励比例。"),
    ([{"upto": 100000, "rate": 6}], "最后一段的上限应为 null"),
    ([{"upto": None, "rate": 6}, {"upto": None, "rate": 2}], "只有最后一段的上限可以为 null（第1段不是最后一段）"),
    ([{"upto": 100000, "rate": 6}, {"upto": 50000, "rate": 4}, {"upto": None, "rate": 2}], "第2段的上限应高于上一段"),
    ([{"upto": None, "rate": 0}], "第1段的比例应大于 0"),
    ([{"ceiling": 5}], "第1段应写作"),
])
def test_a_wrong_standard_is_refused_with_the_tier_named(tiers, message):
    policy = RewardPolicy(region_code="33", region_name="浙江省", name="浙江省实施细则", effective_from=date(2024, 1, 1), tiers=tiers)
    with pytest.raises(ValidationError) as raised:
        policy.full_clean()
    assert any(message in line for line in raised.value.message_dict["tiers"])


# --- the reward, step by step -------------------------------------------------------------------------


def test_a_reward_goes_from_assessment_to_payment_and_into_the_statistics(tip_case, login, cast):
    officer, head = login("msb_officer"), login("msb_head")
    case_page = text(officer.get(reverse("cases:detail", args=[tip_case.pk])))
    assert "举报奖励 未核定" in case_page
    assert tip_case.number in text(officer.get(reverse("rewards:index") + "?status=awaiting"))

    response = officer.post(page_url(tip_case), {"step": "assess", "eligible": "yes", "assessment": "线索具体，主要事实经查证属实，非已掌握线索。"})
    assert response.status_code == 302
    reward = Reward.objects.get(case=tip_case)
    assert (reward.status, reward.amount, reward.basis) == (RewardStatus.CALCULATED, Decimal("8000.00"), Decimal("150000.00"))
    shown = text(officer.get(page_url(tip_case)))
    assert "100,000.00元以下的部分 100,000.00元 × 6% = 6,000.00元" in shown and "8000.00 元" in shown
    assert Notification.objects.filter(recipient=cast.user("msb_head"), event="reward.assessed").exists()

    # The assessor cannot approve; the head's page offers the approval.
    assert "提交审批意见" not in text(officer.get(page_url(tip_case)))
    assert "提交审批意见" in text(head.get(page_url(tip_case)))
    assert head.post(page_url(tip_case), {"step": "approve", "approve": "yes", "opinion": "同意奖励。"}).status_code == 302
    today = timezone.localdate()
    assert officer.post(page_url(tip_case), {"step": "notify", "notified_on": today.isoformat(), "channel": "电话"}).status_code == 302
    reward.refresh_from_db()
    assert (reward.status, reward.claim_due_on) == (RewardStatus.NOTIFIED, add_months(today, 2))

    refused = officer.post(page_url(tip_case), {"step": "pay", "paid_on": today.isoformat(), "method": "bank", "voucher_number": "ZZ-001"})
    assert "请先核验领奖人的有效身份证件" in refused.content.decode()
    reward.refresh_from_db()
    assert reward.status == RewardStatus.NOTIFIED

    paid = officer.post(page_url(tip_case), {"step": "pay", "paid_on": today.isoformat(), "method": "bank", "voucher_number": "ZZ-001",
                                             "identity_checked": "on"})
    assert paid.status_code == 302
    reward.refresh_from_db()
    assert (reward.status, reward.paid_on, reward.voucher_number) == (RewardStatus.PAID, today, "ZZ-001")
    assert list(AuditEvent.objects.filter(verb__startswith="reward.").order_by("id").values_list("verb", flat=True)) == [
        "reward.assessed", "reward.approved", "reward.notified", "reward.paid"]
    assert "举报奖励 已发放（8000.00 元）" in text(officer.get(reverse("cases:detail", args=[tip_case.pk])))

    statistics = head.get(reverse("leadership:statistics")).content.decode()
    assert re.search(r"兑现举报奖励</td><td><span[^>]*>1</span> 件", statistics)
    assert re.search(r"兑现举报奖励金额</td><td><span[^>]*>0\.80</span> 万元", statistics)


def test_the_decision_date_may_govern_the_standard(tip_case, cast, settings):
    """Which date picks the standard is UNCONFIRMED: a tip-off registered under the 2018 regime is
    counted by it, unless the setting says the decision's date governs."""
    tip_case.registered_at = timezone.make_aware(timezone.datetime(2022, 6, 1, 9, 0))
    tip_case.save(update_fields=["registered_at"])
    from rewards.services import reward_assess

    officer = cast.user("msb_officer")
    assert reward_assess(user=officer, case=tip_case, eligible=True, assessment="属实。").amount == Decimal("3000.00")  # 2%
    settings.LIANBAN_REWARD_POLICY_DATE = "decision"
    reward = reward_assess(user=officer, case=tip_case, eligible=True, assessment="属实，重新核定。")
    assert reward.amount == Decimal("8000.00") and reward.policy.region_code == "32"
    assert "重新核定奖励 8000.00 元" in AuditEvent.objects.filter(verb="reward.assessed").latest("id").summary


def _state(case) -> tuple:
    reward = Reward.objects.filter(case=case).values_list("status", "amount", "notified_on", "paid_on").first()
    return reward, AuditEvent.objects.filter(verb__startswith="reward.").count()


@pytest.mark.parametrize("before, username, posted, message", [
    (None, "msb_officer", {"step": "assess", "eligible": "yes", "assessment": " "}, "请填写核定意见"),
    ("no_refund", "msb_officer", {"step": "assess", "eligible": "yes", "assessment": "属实。"}, "本案尚无退回医保基金的到账记录"),
    ("lead", "msb_officer", {"step": "assess", "eligible": "no", "assessment": "不属实。"}, "作出是否立案的决定后才能核定举报奖励。"),
    # The head assessed it himself: his page offers only to assess again, never to approve.
    ("assessed_by_head", "msb_head", {"step": "approve", "approve": "yes", "opinion": ""}, "举报奖励的状态已经变化"),
    ("assessed", "msb_head", {"step": "approve", "approve": "no", "opinion": ""}, "不予奖励的，请填写理由。"),
    ("approved", "msb_officer", {"step": "notify", "notified_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
                                 "channel": "电话"}, "告知日期不能晚于今天。"),
    ("approved", "msb_officer", {"step": "notify", "notified_on": timezone.localdate().isoformat(), "channel": "微博"},
     "选择一个有效的选项"),
    # A payment form left open past the claim period: the page now offers 视为放弃, and the stale form changes nothing.
    ("told_long_ago", "msb_officer", {"step": "pay", "paid_on": timezone.localdate().isoformat(), "method": "bank",
                                      "voucher_number": "ZZ-9", "identity_checked": "on"}, "举报奖励的状态已经变化"),
])
def test_a_wrong_step_is_named_and_changes_nothing(tip_case, cast, login, before, username, posted, message):
    from rewards import services

    officer, head = cast.user("msb_officer"), cast.user("msb_head")
    if before == "no_refund":
        tip_case.penalties.get().payments.all().delete()
    if before == "lead":
        tip_case.status = CaseStatus.LEAD
        tip_case.save(update_fields=["status"])
    if before == "assessed_by_head":
        services.reward_assess(user=head, case=tip_case, eligible=True, assessment="属实。")
    if before in ("assessed", "approved", "told_long_ago"):
        services.reward_assess(user=officer, case=tip_case, eligible=True, assessment="属实。")
    if before in ("approved", "told_long_ago"):
        services.reward_approve(user=head, case=tip_case, approve=True, opinion="同意。")
    if before == "told_long_ago":
        Reward.objects.filter(case=tip_case).update(approved_at=timezone.now() - timedelta(days=100))
        services.reward_notify(user=officer, case=tip_case, notified_on=timezone.localdate() - timedelta(days=90), channel="书面")
    state = _state(tip_case)
    response = login(username).post(page_url(tip_case), posted)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _state(tip_case) == state


def test_an_unclaimed_reward_is_waived_only_after_its_two_months(tip_case, cast, login):
    from rewards import services

    officer, head = cast.user("msb_officer"), cast.user("msb_head")
    services.reward_assess(user=officer, case=tip_case, eligible=True, assessment="属实。")
    services.reward_approve(user=head, case=tip_case, approve=True, opinion="同意。")
    services.reward_notify(user=officer, case=tip_case, notified_on=timezone.localdate(), channel="短信")
    with pytest.raises(ValidationError, match="期限届满后才能登记为逾期未领取"):
        services.reward_waive(user=officer, case=tip_case)

    Reward.objects.filter(case=tip_case).update(notified_on=timezone.localdate() - timedelta(days=70),
                                                claim_due_on=timezone.localdate() - timedelta(days=9))
    client = login("msb_officer")
    assert "登记为逾期未领取" in text(client.get(page_url(tip_case)))
    assert client.post(page_url(tip_case), {"step": "waive"}).status_code == 302
    assert Reward.objects.get(case=tip_case).status == RewardStatus.WAIVED
    assert "视为放弃" in AuditEvent.objects.filter(verb="reward.waived").get().summary


def test_the_head_may_refuse_and_the_officer_may_assess_again(tip_case, cast):
    from rewards import services

    officer, head = cast.user("msb_officer"), cast.user("msb_head")
    services.reward_assess(user=officer, case=tip_case, eligible=True, assessment="属实。")
    refused = services.reward_approve(user=head, case=tip_case, approve=False, opinion="系已掌握线索。")
    assert (refused.status, refused.approval_opinion) == (RewardStatus.INELIGIBLE, "系已掌握线索。")
    again = services.reward_assess(user=officer, case=tip_case, eligible=False, assessment="经复核，系已掌握线索。")
    assert (again.status, again.amount) == (RewardStatus.INELIGIBLE, None)


# --- who sees it -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("username, status", [
    ("msb_officer2", 200), ("msb_chief", 200),
    ("msb_leader", 403), ("msb_clerk", 403),  # in the bureau, but neither acts for it on cases
    ("cz_msb_officer", 404),  # another city's bureau does not see the case at all
])
def test_the_reward_is_seen_only_by_the_bureaus_officers(tip_case, login, username, status):
    client = login(username)
    assert client.get(page_url(tip_case)).status_code == status
    if status == 403:
        case_page = client.get(reverse("cases:detail", args=[tip_case.pk]))
        assert case_page.status_code != 200 or 'data-testid="reward"' not in case_page.content.decode()


def test_a_case_that_was_not_a_tip_off_has_no_reward(tip_case, login):
    tip_case.source = CaseSource.DAILY
    tip_case.save(update_fields=["source"])
    officer = login("msb_officer")
    assert officer.get(page_url(tip_case)).status_code == 403
    assert 'data-testid="reward"' not in officer.get(reverse("cases:detail", args=[tip_case.pk])).content.decode()


def test_heads_of_agencies_made_before_the_permission_receive_it_at_migrate(cast):
    from guardian.models import GroupObjectPermission

    from agencies.permissions import APPROVE_REWARD, can_act_for, role_grants_ensure

    head, agency = cast.user("msb_head"), cast.agencies["zj-msb"]
    GroupObjectPermission.objects.filter(permission__codename="approve_reward").delete()
    assert not can_act_for(head, agency, APPROVE_REWARD)
    assert role_grants_ensure() == len([a for a in cast.agencies.values()])  # one head group an agency
    head = type(head).objects.get(pk=head.pk)  # a fresh permission cache
    assert can_act_for(head, agency, APPROVE_REWARD)
    assert role_grants_ensure() == 0


def test_the_system_administrator_keeps_the_standards_and_a_wrong_tier_is_named(db):
    from django.test import Client

    from demo.scenario import system_admin_ensure

    admin = Client()
    admin.force_login(system_admin_ensure())
    form = {"region_code": "33", "region_name": "浙江省", "name": "浙江省医疗保障基金举报奖励实施细则", "effective_from": "2024-01-01",
            "minimum": "200", "maximum": "200000", "note": ""}
    wrong = admin.post("/admin/rewards/rewardpolicy/add/", {**form, "tiers": '[{"upto": 100000, "rate": 5}]'})
    assert wrong.status_code == 200 and "最后一段的上限应为 null" in wrong.content.decode()
    assert not RewardPolicy.objects.exists()
    right = admin.post("/admin/rewards/rewardpolicy/add/", {**form, "tiers": '[{"upto": 100000, "rate": 5}, {"upto": null, "rate": 3}]'})
    assert right.status_code == 302, right.content.decode()[:2000]
    assert calculate(RewardPolicy.objects.get(region_code="33"), Decimal("200000")).amount == Decimal("8000.00")
    assert AuditEvent.objects.filter(thread="security", verb="admin.rewardpolicy.added").exists()
