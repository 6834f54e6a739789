"""The session's user comes with the officer and agency every page shows (agencies.backends)."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model

from agencies.backends import OfficerBackend
from agencies.permissions import officer_of

pytestmark = pytest.mark.django_db


def test_an_officer_comes_with_the_user_and_needs_no_query_of_its_own(cast, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = OfficerBackend().get_user(cast.user("msb_officer").pk)
    with django_assert_num_queries(0):
        officer = officer_of(user)
        assert (officer.agency.code, officer.user is user) == ("zj-msb", True)


def test_a_user_without_an_officer_is_known_to_have_none(cast, django_assert_num_queries):
    from demo.scenario import system_admin_ensure

    system_admin_ensure()  # the system administrator: an account without an agency
    pk = get_user_model().objects.get(username="sysadmin").pk
    with django_assert_num_queries(1):
        user = OfficerBackend().get_user(pk)
    with django_assert_num_queries(0):
        assert officer_of(user) is None


def test_an_inactive_or_missing_user_is_nobody(cast):
    users = get_user_model().objects
    users.filter(pk=cast.user("msb_head").pk).update(is_active=False)
    assert OfficerBackend().get_user(cast.user("msb_head").pk) is None
    assert OfficerBackend().get_user(users.order_by("-pk").first().pk + 1) is None


def test_signing_in_stores_the_backend_and_a_page_reads_the_officer_with_the_user(cast, client):
    """A real sign-in goes through the backend (after axes): the session names it, and the next page
    greets the officer by agency from the one user query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = cast.user("msb_officer")
    user.set_password("Lianban-test-2026")
    user.save()
    signed_in = client.post("/accounts/login/", {"username": "msb_officer", "password": "Lianban-test-2026"})
    assert signed_in.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == "agencies.backends.OfficerBackend"
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/cases/")
    assert page.status_code == 200 and "镇江市医疗保障局" in page.content.decode()
    assert not [query["sql"] for query in captured if 'FROM "agencies_officer"' in query["sql"]]
