"""典型案例曝光 in a real browser: on a closed case the officer opens 典型案例曝光, finds the draft
already redacted, types a party's full name back in and is told; corrects it and submits; the head
approves after confirming."""

from __future__ import annotations

import pytest

from publication.models import PublicationStatus, TypicalCase
from tests.publication.test_publication import PERSON, case, closed_case  # noqa: F401 - the fixtures

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_officer_drafts_a_redacted_typical_case_and_the_head_approves_it(closed_case, open_as):  # noqa: F811
    page = open_as("msb_officer")
    page.goto(f"/cases/{closed_case.pk}/")
    page.get_by_test_id("publication").get_by_role("link").click()
    page.wait_for_url(f"**/publication/cases/{closed_case.pk}/")
    text = page.get_by_label("公开文本")
    draft = text.input_value()
    assert "张某" in draft and PERSON not in draft

    text.fill(draft + f"\n（当事人{PERSON}）")
    page.get_by_role("button", name="提交审批").click()
    expect(page.locator("body")).to_contain_text(f"公开文本仍含有不得公开的个人信息：{PERSON}（当事人姓名）")
    assert not TypicalCase.objects.exists()

    page.get_by_label("公开文本").fill(draft)
    page.get_by_role("button", name="提交审批").click()
    expect(page.get_by_test_id("publication-status")).to_contain_text("拟曝光，待审批")

    head = open_as("msb_head")
    head.goto(f"/publication/cases/{closed_case.pk}/")
    head.get_by_label("同意曝光").check()
    head.once("dialog", lambda dialog: dialog.accept())
    head.get_by_role("button", name="提交审批意见").click()
    expect(head.get_by_test_id("publication-status")).to_contain_text("已批准，待发布")
    assert TypicalCase.objects.get().status == PublicationStatus.APPROVED
