"""我的工作 in a real browser: a visitor signs in at `/`, lands on the work list, takes the approval
with one click and approves it; the police officer, signed in on 我的工作, gets the live toast, takes the receipt and the review from their own work list,
the referral's flow chart marks the step they are at and moves on with them, and the review form
shows only the fields of the decision chosen."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from demo.scenario import DEMO_PASSWORD
from demo.stories import PENDING_APPROVAL
from referral.models import ReferralStatus
from tests.browser.conftest import server_verifiable_password
from tests.browser.pages import choose, submit_task_form, wait_for_live_socket

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "康宁医院涉嫌虚构医药服务骗取医保基金案"


def sign_in_at_the_root(new_page, user) -> object:
    server_verifiable_password(user, DEMO_PASSWORD)
    page = new_page()
    page.goto("/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/workflow/work/")
    return page


def take_from_my_work(page, step: str):
    """On 我的工作, the row of the case at `step`: 认领并办理, then the task's form."""
    page.goto("/workflow/work/")
    row = page.locator("tr[data-task]", has_text=TITLE).filter(has_text=step)
    expect(row).to_have_count(1)
    row.get_by_role("button", name="认领并办理").click()
    page.wait_for_url("**/execute/")
    return row


def chart_steps(page, url: str) -> tuple[str, set[str], set[str]]:
    """The flow chart on `url`: its address, the steps marked current and the steps marked done."""
    page.goto(url)
    image = page.get_by_test_id("flow-chart")
    expect(image).to_be_visible()
    source = image.get_attribute("src")
    svg = page.request.get(source).text()
    marked = dict(re.findall(r'<g id="(\w+)"[^>]* class="(\w+)"', svg))
    current = {name for name, status in marked.items() if status in {"new", "assigned", "started"}}
    return source, current, {name for name, status in marked.items() if status == "done"}


def shown(page, name: str) -> bool:
    return page.locator(f"vf-field-select[name={name}], [name={name}][data-lb-show-when]").first.is_visible()


def test_sign_in_take_the_approval_from_my_work_and_the_police_review_shows_the_fields_of_its_decision(new_page, cast, tell):
    case = tell(PENDING_APPROVAL, title=TITLE)
    police = sign_in_at_the_root(new_page, cast.user("psb_officer"))  # 我的工作 open, listening
    wait_for_live_socket(police)
    head = sign_in_at_the_root(new_page, cast.user("msb_head"))
    row = head.locator("tr[data-task]", has_text=TITLE)
    expect(row).to_contain_text("负责人审批移送")
    expect(row).to_contain_text(case.number)
    expect(row.locator(".lb-left")).to_contain_text("剩余")

    take_from_my_work(head, "负责人审批移送")
    choose(head, "approve", "yes")
    head.locator("textarea[name=opinion]").fill("同意移送。")
    submit_task_form(head)

    toast = police.locator("#lb-toasts .lb-toast", has_text="收到移送案件")  # live, without a reload
    expect(toast).to_be_visible(timeout=10_000)
    expect(toast).to_contain_text(TITLE)
    referral_page = reverse("referrals:detail", args=[case.referrals.get().pk])
    before, current, done = chart_steps(police, referral_page)
    assert current == {"sign_receipt"} and {"approve_transfer", "send_transfer"} <= done
    take_from_my_work(police, "签收回执")
    submit_task_form(police)  # the receipt's time, count and title come filled in
    after, current, done = chart_steps(police, referral_page)
    assert after != before  # a new address: no browser keeps the old highlight
    assert current == {"decide_filing"} and "sign_receipt" in done

    take_from_my_work(police, "立案审查")
    fields = {name: police.locator(f"[data-lb-show-when][name={name}]") for name in
              ("document_number", "police_case_number", "reason", "files_returned", "forward_to")}
    for field in fields.values():  # nothing but the decision before one is chosen
        expect(field).to_be_hidden()
    choose(police, "decision", "forward")
    expect(fields["forward_to"]).to_be_visible()
    expect(fields["reason"]).to_be_visible()
    for name in ("document_number", "police_case_number", "files_returned"):
        expect(fields[name]).to_be_hidden()
    choose(police, "decision", "decline")
    for name in ("document_number", "reason", "files_returned"):
        expect(fields[name]).to_be_visible()
    for name in ("police_case_number", "forward_to"):
        expect(fields[name]).to_be_hidden()
    choose(police, "decision", "file")
    expect(fields["document_number"]).to_be_visible()
    expect(fields["police_case_number"]).to_be_visible()
    expect(fields["reason"]).to_be_hidden()

    police.locator("input[name=document_number]").fill("镇公（经）立字〔2026〕41号")
    police.locator("input[name=police_case_number]").fill("A3211000000002026110041")
    submit_task_form(police)
    referral = case.referrals.get()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.FILED and referral.decision_reason == ""
