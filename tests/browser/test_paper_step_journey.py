"""代录 in a real browser: the city police are not on Lianban; the bureau's clerk finds their 签收回执
in 我的工作, enters the paper 回执 with its scan, confirms, and the referral page lists the scan
marked 代录 for the officer who made the transfer."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.services import agency_set_recorder
from demo.stories import SENT
from referral.models import ReferralStatus
from tests.browser.pages import submit_task_form
from tests.browser.test_work_list_journey import sign_in_at_the_root

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "华康诊所涉嫌串换药品骗取医保基金案"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_the_clerk_enters_the_police_paper_receipt_and_the_officer_finds_its_scan(new_page, cast, tell, tmp_path):
    case = tell(SENT, title=TITLE)
    agency_set_recorder(agency=cast.agencies["zj-psb"], recorded_by=cast.agencies["zj-msb"])
    scan = tmp_path / "回执扫描件.pdf"
    scan.write_bytes(PDF)

    clerk = sign_in_at_the_root(new_page, cast.user("msb_clerk"))
    row = clerk.locator("tr[data-task]", has_text=TITLE).filter(has_text="签收回执")
    expect(row).to_have_count(1)
    row.get_by_role("button", name="认领并办理").click()
    clerk.wait_for_url("**/execute/")
    section = clerk.get_by_test_id("paper-step")
    expect(section).to_contain_text("代录：镇江市公安局纸质办理")
    clerk.locator("input[name=signer_title]").fill("经侦大队民警")
    clerk.locator("input[name=paper-reference]").fill("回执（镇医保移〔2026〕1号）")
    clerk.locator("input[name=paper-scan]").set_input_files(str(scan))
    asked = submit_task_form(clerk)
    assert "代录镇江市公安局" in asked

    referral = case.referrals.get()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIPTED

    officer = sign_in_at_the_root(new_page, cast.user("msb_officer"))
    officer.goto(reverse("referrals:detail", args=[referral.pk]))
    records = officer.get_by_test_id("paper-records")
    expect(records).to_contain_text("签收回执")
    expect(records).to_contain_text("代录")
    expect(records).to_contain_text("孙悦")
    link = records.get_by_role("link", name="回执（镇医保移〔2026〕1号）")
    assert officer.request.get(link.get_attribute("href")).body() == PDF
