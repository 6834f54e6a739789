"""What the responses tell browsers and probes: no cached case files, a strict CSP, and health and
schema details only for those who may see them."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from casework import services
from casework.models import CaseSource, Evidence
from tests.casework.test_case_pages import upload

pytestmark = pytest.mark.django_db


def test_a_case_page_and_its_evidence_download_are_never_stored_by_the_browser(cast, login):
    officer = login("msb_officer")
    case = services.case_register(user=cast.user("msb_officer"), title="缓存测试案", source=CaseSource.TIP, summary="线索")
    assert upload(officer, case, b"settlement rows").status_code == 302
    evidence = Evidence.objects.get(case=case)

    page = officer.get(reverse("cases:detail", args=[case.pk]))
    download = officer.get(reverse("cases:evidence_download", args=[case.pk, evidence.pk]))

    assert page.status_code == download.status_code == 200
    assert page["Cache-Control"] == "no-store"
    assert download["Cache-Control"] == "no-store"


def test_a_view_that_sets_its_own_cache_control_keeps_it(cast, login):
    response = login("msb_officer").get("/healthz")  # never_cache: "max-age=0, no-cache, no-store, …"
    assert "must-revalidate" in response["Cache-Control"]


def test_static_files_stay_cacheable_for_a_signed_in_officer(cast, login):
    response = login("msb_officer").get("/static/lianban/lianban.js")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_an_anonymous_visitor_is_not_given_no_store_by_this_rule():
    response = Client().get("/cases/")  # redirected to the login page; the redirect sets no Cache-Control itself
    assert response.status_code == 302
    assert "Cache-Control" not in response


def test_pages_carry_a_policy_that_refuses_inline_scripts_and_framing(cast, login):
    response = login("msb_officer").get("/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["connect-src"] == "'self' ws://testserver"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_socket_source_follows_the_scheme_the_page_was_served_with(cast, login):
    response = login("msb_officer").get("/", secure=True)
    assert "wss://testserver" in response["Content-Security-Policy"]


def test_an_anonymous_probe_learns_only_whether_the_site_is_healthy():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_an_anonymous_probe_of_a_broken_site_gets_503_without_error_text(monkeypatch):
    from config import health

    monkeypatch.setattr(health, "_database", lambda: {"ok": False, "vendor": "postgresql", "error": "password authentication failed"})
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"ok": False}


def test_staff_see_which_part_of_the_site_is_unhealthy(db, monkeypatch):
    from config import health

    monkeypatch.setattr(health, "_database", lambda: {"ok": False, "vendor": "postgresql", "error": "connection refused"})
    staff = Client()
    staff.force_login(get_user_model().objects.create_user(username="ops", password="x-unused", is_staff=True))
    response = staff.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "vendor": "postgresql", "error": "connection refused"}
    assert response.json()["channel_layer"]["ok"] is True


def test_an_officer_who_is_not_staff_gets_the_bare_answer_too(cast, login):
    assert login("msb_officer").get("/healthz").json() == {"ok": True}


def test_the_api_schema_is_refused_to_anonymous_callers(cast, login):
    assert Client().get("/api/schema/").status_code == 403
    assert login("msb_officer").get("/api/schema/", HTTP_ACCEPT="application/json").status_code == 200
