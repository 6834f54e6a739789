"""Live notifications in a real browser: the police officer's open page learns of a transfer the
moment the MSB head approves it, without a reload — and a tab that was offline catches up on reconnect."""

from __future__ import annotations

import pytest
from django.utils import timezone

from demo.stories import PENDING_APPROVAL
from tests.browser.pages import NO_SOCKET, approve_transfer, wait_for_live_socket

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "康宁医院涉嫌虚构医药服务骗取医保基金案"
TOAST_TIMEOUT_MS = 10_000


def open_referrals_and_listen(open_as):
    """The PSB officer signs in through the login form and keeps the referral list open, socket connected."""
    police = open_as("psb_officer", form=True)
    police.goto("/referrals/")
    wait_for_live_socket(police)
    police.evaluate("window.__marker = 1")  # gone if the page reloads
    return police


def test_psb_officers_open_page_shows_the_toast_when_the_head_approves_the_transfer(open_as, tell):
    case = tell(PENDING_APPROVAL, title=TITLE)
    police = open_referrals_and_listen(open_as)
    badge = police.locator("#lb-notification-badge")
    unread_before = int(badge.get_attribute("data-unread-count"))

    head = open_as("msb_head")
    approve_transfer(head, TITLE)

    toast = police.locator("#lb-toasts .lb-toast", has_text="收到移送案件")
    expect(toast).to_be_visible(timeout=TOAST_TIMEOUT_MS)
    toast.hover()  # a toast dismisses itself after 8 s unless hovered
    expect(toast).to_contain_text(TITLE)
    expect(badge).to_be_visible()
    expect(badge).to_have_text(str(unread_before + 1))
    assert police.evaluate("window.__marker") == 1, "the toast must arrive without a reload"

    referral = case.referrals.get()
    toast.locator("a.lb-toast__link").click()
    police.wait_for_url(f"**/referrals/{referral.pk}/")
    letter = f"镇医保移〔{timezone.localdate().year}〕1号"
    expect(police.get_by_test_id("letter-link").first).to_contain_text(letter)  # the 移送书; the 清单 follows
    expect(police.get_by_test_id("referral-status")).not_to_have_text("待负责人审批")


def test_a_toast_missed_while_offline_is_replayed_when_the_page_reconnects(open_as, tell):
    tell(PENDING_APPROVAL, title=TITLE)
    police = open_referrals_and_listen(open_as)
    # Offline emulation blocks new connections but leaves an open socket alone: drop it by hand.
    police.context.set_offline(True)
    police.evaluate("window.lianbanNotifications.state.socket.close()")
    police.wait_for_function(NO_SOCKET)

    approve_transfer(open_as("msb_head"), TITLE)
    police.wait_for_timeout(1_000)  # room for a (wrong) live delivery to show up
    expect(police.locator(".lb-toast")).to_have_count(0)
    assert police.evaluate("window.lianbanNotifications.state.socket") is None

    police.context.set_offline(False)  # the `online` event reconnects at once, with ?since=<last seen id>
    toast = police.locator("#lb-toasts .lb-toast", has_text="收到移送案件")
    expect(toast).to_be_visible(timeout=TOAST_TIMEOUT_MS)
    expect(toast).to_contain_text(TITLE)
    assert "since=" in police.evaluate("window.lianbanNotifications.state.socket.url")
    expect(police.locator("#lb-notification-badge")).to_have_text("1")
    assert police.evaluate("window.__marker") == 1
