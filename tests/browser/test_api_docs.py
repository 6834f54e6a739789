"""接口文档 (/api/docs/) in a real browser: Swagger UI renders every operation, and its own controls,
in Chinese under the site's CSP (no violation), 试用 calls the API with the officer's session, and the
schema link opens as text in the browser."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import PAGE_TIMEOUT_MS
from tests.browser.test_csp import COLLECT_VIOLATIONS

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_the_chinese_operations_without_a_policy_violation(open_as):
    page = open_as("msb_officer")
    page.context.add_init_script(COLLECT_VIOLATIONS)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: console.append(str(error)))

    response = page.goto("/api/docs/")
    assert response is not None and response.status == 200
    directives = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";") if part.strip())
    assert directives["script-src"] == "'self'"  # the site's policy, in whatever order its directives come
    # Swagger UI (1.5 MB of script) renders only once it has parsed the schema: give a busy machine time.
    expect(page.locator(".opblock").first).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    for summary in ("案件列表", "案件详情", "移送列表", "通知列表", "标记通知为已读", "督办列表", "联席会议决议列表"):
        expect(page.locator(".opblock-summary-description", has_text=summary).first).to_be_visible()
    expect(page.locator(".opblock-tag", has_text="联席会议决议").first).to_be_visible()

    # 试用 (Try it out): Swagger UI calls GET /api/cases/ with the session cookie (connect-src 'self').
    operation = page.locator(".opblock", has=page.locator(".opblock-summary-description", has_text="案件列表"))
    operation.locator(".opblock-summary").first.click()
    expect(operation.get_by_text("按案件状态筛选").first).to_be_visible()
    expect(operation.get_by_text("参数", exact=True).first).to_be_visible()  # Swagger UI's own words in Chinese too
    operation.get_by_role("button", name="试用").click()
    operation.get_by_role("button", name="执行").click()
    status = operation.locator(".live-responses-table tr.response .response-col_status").first
    expect(status).to_have_text("200", timeout=PAGE_TIMEOUT_MS)
    expect(operation.get_by_text("服务器响应", exact=True).first).to_be_visible()
    expect(operation.get_by_role("button", name="清除")).to_be_visible()

    page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__cspViolations || []")
    assert violations == [] and console == [], violations + console

    # The schema link of the page: JSON shown as text in the browser, not downloaded.
    schema = page.goto("/api/schema/?format=json")
    assert schema is not None and schema.status == 200
    assert schema.headers["content-type"].startswith("application/json")
    assert json.loads(page.locator("body").inner_text())["info"]["title"] == "联办 Lianban API"
