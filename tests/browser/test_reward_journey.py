"""举报奖励 in a real browser: from the tip-off case's page the officer assesses the reward and reads
how it was counted; the head finds it in 举报奖励台账 and approves it, confirming first."""

from __future__ import annotations

import pytest

from rewards.models import Reward, RewardStatus
from tests.rewards.test_rewards import case, standards, tip_case  # noqa: F401 - the fixtures

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_officer_assesses_and_the_head_approves_a_reward(tip_case, open_as):  # noqa: F811
    page = open_as("msb_officer")
    page.goto(f"/cases/{tip_case.pk}/")
    expect(page.get_by_test_id("reward")).to_contain_text("未核定")
    page.get_by_test_id("reward").get_by_role("link").click()
    page.wait_for_url(f"**/rewards/cases/{tip_case.pk}/")
    page.get_by_label("符合奖励条件，按奖励标准核定金额").check()
    page.get_by_label("核定意见").fill("线索有明确对象和具体事实，经查证属实，非已掌握线索。")
    page.get_by_role("button", name="核定奖励").click()
    expect(page.get_by_test_id("reward-status")).to_contain_text("已核定，待审批")
    expect(page.get_by_test_id("reward-amount")).to_contain_text("8000.00 元")
    expect(page.get_by_test_id("reward-calculation")).to_contain_text("100,000.00元以下的部分 100,000.00元 × 6% = 6,000.00元")

    head = open_as("msb_head")
    head.goto("/rewards/")
    head.get_by_role("link", name=tip_case.number).click()
    head.get_by_label("同意奖励").check()
    asked = []
    head.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    head.get_by_role("button", name="提交审批意见").click()
    expect(head.get_by_test_id("reward-status")).to_contain_text("已批准，待告知举报人")
    assert asked == ["审批意见提交后不能撤回，确定提交吗？"]
    assert Reward.objects.get(case=tip_case).status == RewardStatus.APPROVED
