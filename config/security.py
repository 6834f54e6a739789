"""Response headers every page needs: no caching of what a signed-in officer sees, and the CSP.

* NoStoreForSignedInMiddleware: case pages, evidence downloads, task forms… any response to a
  signed-in user gets `Cache-Control: no-store`, so a shared computer's browser cache or a proxy
  keeps no copy of case files after logout. Static files (served by WhiteNoise before this
  middleware runs) and views that set their own Cache-Control are left alone.
* ContentSecurityPolicyMiddleware: django-csp's middleware, with the socket's own ws:/wss: origin
  added to connect-src (CSP level 3 browsers already count it as 'self'; older ones do not).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from csp.middleware import CSPMiddleware, PolicyParts


class NoStoreForSignedInMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not response.has_header("Cache-Control")
            and not request.path.startswith(settings.STATIC_URL)
        ):
            response["Cache-Control"] = "no-store"
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        try:
            host = request.get_host()
        except Exception:  # noqa: BLE001 — a disallowed Host is answered with 400 elsewhere; no extra source then
            return parts
        socket_origin = f"{'wss' if request.is_secure() else 'ws'}://{host}"
        update = dict(parts.update or {})
        update["connect-src"] = [*(update.get("connect-src") or []), socket_origin]  # appended to the setting's list
        parts.update = update
        return parts
