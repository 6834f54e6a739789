"""The Content-Security-Policy blocks nothing the site itself uses: every page an officer works with
loads in a real browser without one CSP violation, and the notification socket still connects."""

from __future__ import annotations

import pytest

from demo.stories import PENDING_FILING
from tests.browser.pages import wait_for_live_socket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLLECT_VIOLATIONS = """
window.__cspViolations = window.__cspViolations || [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


def test_an_officers_pages_load_without_a_policy_violation(open_as, tell):
    case = tell(PENDING_FILING)
    chief = open_as("msb_chief", form=True)
    chief.context.add_init_script(COLLECT_VIOLATIONS)
    console = []
    chief.on("console", lambda message: console.append(message.text) if "Content Security Policy" in message.text else None)
    pages = ["/workflow/inbox/", "/workflow/queue/", f"/cases/{case.pk}/", "/cases/", "/referrals/",
             "/notifications/", "/leadership/statistics/", "/workflow/flows/case/"]
    seen = []
    for url in pages:
        response = chief.goto(url)
        assert response is not None and response.status < 400, (url, response and response.status)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        chief.wait_for_load_state("networkidle")
        seen.extend(chief.evaluate("window.__cspViolations || []"))
    wait_for_live_socket(chief)
    assert seen == [] and console == [], seen + console

    # The collector works, and an injected inline script (what an XSS would add) does not run.
    chief.evaluate("""() => { const s = document.createElement("script");
                              s.textContent = "window.__injected = 1"; document.body.appendChild(s); }""")
    chief.wait_for_function("window.__cspViolations.length > 0")
    assert chief.evaluate("window.__injected") is None
