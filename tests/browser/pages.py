"""What officers do in the browser, step by step, on the pages as rendered (viewflow Material widgets)."""

from __future__ import annotations

import re

LIVE_SOCKET = """() => {
  const live = window.lianbanNotifications;
  return !!(live && live.state.socket && live.state.socket.readyState === WebSocket.OPEN);
}"""
NO_SOCKET = "() => !window.lianbanNotifications.state.socket"
OPEN_MENU = re.compile(r"\bmdc-menu-surface--open\b")


def wait_for_live_socket(page) -> None:
    """Until the tab's notification socket is open (the server joined it to the user's group before accepting)."""
    page.wait_for_function(LIVE_SOCKET)


def choose(page, name: str, value: str) -> None:
    """Pick an option of a vf-field-select (an MDC select over a hidden input) the way a user does."""
    from playwright.sync_api import expect

    field = page.locator(f"vf-field-select[name={name}]")
    menu = field.locator(".mdc-menu-surface")
    # Right after a previous choice (on a busy machine) the MDC select may take a click on its anchor
    # while its menu is still settling and stay closed: as a user would, click again until it opens.
    for attempt in range(3):
        expect(menu.and_(page.locator(".mdc-menu-surface--animating-closed"))).to_have_count(0)
        field.locator(".mdc-select__anchor").click()
        try:
            expect(menu).to_have_class(OPEN_MENU, timeout=2_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
    field.locator(f"li[data-value='{value}']").click()
    expect(field.locator(f"input[name={name}]")).to_have_value(value)


def submit_task_form(page) -> str:
    """Click 提交 and accept the confirmation our JS asks for; returns the question asked."""
    asked: list[str] = []

    def confirm(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", confirm)
    page.locator("button[data-lb-confirm]").click()
    page.wait_for_url(lambda url: "/execute/" not in url)
    assert asked, "submitting a task form should ask for confirmation first"
    return asked[0]


def approve_transfer(page, case_title: str, opinion: str = "同意移送。") -> None:
    """The MSB head: queue → 负责人审批移送 of the case → 认领 → 批准移送 with an opinion → confirm → submit."""
    page.goto("/workflow/queue/")
    row = page.locator("tr", has_text=case_title).filter(has_text="负责人审批移送")
    row.get_by_role("link").first.click()
    page.wait_for_url("**/assign/")
    page.locator("button[name=_continue]").click()  # assign to me and continue to the form
    page.wait_for_url("**/execute/")
    choose(page, "approve", "yes")
    page.locator("textarea[name=opinion]").fill(opinion)
    question = submit_task_form(page)
    assert "负责人审批移送" in question
