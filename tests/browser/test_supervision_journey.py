"""A supervised case in a real browser: the city officer asks for 挂牌督办 from the case page; the
province's head decides it from the queue; the officer's open page learns of it at once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from demo.stories import INVESTIGATING
from tests.browser.pages import choose, submit_task_form, wait_for_live_socket

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "康宁医院虚构住院案"


def test_a_case_is_proposed_listed_and_the_handling_officer_is_told_live(open_as, tell):
    case = tell(INVESTIGATING, title=TITLE)
    officer = open_as("msb_officer", form=True)
    officer.goto(f"/cases/{case.pk}/")
    officer.get_by_role("link", name="报请挂牌督办").click()
    field = officer.locator("vf-field-select-multiple[name=criteria]")
    field.locator(".mdc-select__anchor").click()
    field.locator("li[data-value='amount']").click()
    officer.keyboard.press("Escape")
    officer.locator("textarea[name=reason]").fill("虚构住院骗取医保基金48万余元，媒体已有报道。")
    officer.get_by_role("button", name="提交").click()
    expect(officer.get_by_test_id("supervision-status")).to_have_text("报请挂牌，待督办机关决定")
    wait_for_live_socket(officer)
    officer.evaluate("window.__marker = 1")

    head = open_as("js_msb_head")
    head.goto("/workflow/queue/")
    head.locator("tr", has_text=TITLE).filter(has_text="决定挂牌督办").get_by_role("link").first.click()
    head.wait_for_url("**/assign/")
    head.locator("button[name=_continue]").click()
    head.wait_for_url("**/execute/")
    choose(head, "approve", "yes")
    head.locator("textarea[name=opinion]").fill("同意挂牌督办。")
    head.locator("textarea[name=issue]").fill("查清全部违法事实，依法从严处理。")
    assert "决定挂牌督办" in submit_task_form(head)

    toast = officer.locator("#lb-toasts .lb-toast", has_text="案件被挂牌督办")
    expect(toast).to_be_visible(timeout=10_000)
    toast.hover()
    expect(toast).to_contain_text(TITLE)
    assert officer.evaluate("window.__marker") == 1, "the toast must arrive without a reload"
    officer.reload()
    expect(officer.get_by_test_id("supervision-status")).to_have_text("督办中")
    notice = f"苏医保督〔{timezone.localdate().year}〕1号"
    expect(officer.get_by_role("link", name=notice)).to_be_visible()  # the 挂牌督办通知书, to download
