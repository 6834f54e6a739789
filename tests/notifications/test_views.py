"""The notification pages: list, open (mark read), mark all read — each user sees and changes only their own."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.notifications.urls")]


def make(user, count: int = 1, *, url: str = "", read: bool = False) -> list[Notification]:
    read_at = timezone.now() if read else None
    return Notification.objects.bulk_create(
        Notification(recipient=user, event="case.transferred", title=f"{user.username}-{i}", url=url, read_at=read_at)
        for i in range(count)
    )


def row_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-notification-id="(\d+)"', response.content.decode())]


def test_anonymous_visitor_is_sent_to_login(client):
    """The list is for signed-in users only; anonymous visitors are redirected to the login page."""
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_list_shows_only_own_notifications_newest_first_and_highlights_unread(client, alice, bob):
    """Alice sees her notifications (newest first, unread marked 未读), never Bob's."""
    old = make(alice, read=True)[0]
    new = make(alice)[0]
    make(bob, 2)
    client.force_login(alice)

    response = client.get(reverse("notifications:list"))

    assert response.status_code == 200
    assert row_ids(response) == [new.pk, old.pk]
    html = response.content.decode()
    assert "bob-" not in html
    assert "全部标为已读" in html
    assert html.count("lb-notification-row--unread") == 1


def test_list_paginates_twenty_per_page(client, alice):
    """25 notifications make two pages: 20 on the first, the oldest 5 on the second."""
    rows = make(alice, 25)
    ids = sorted((row.pk for row in rows), reverse=True)
    client.force_login(alice)

    first = client.get(reverse("notifications:list"))
    second = client.get(reverse("notifications:list"), {"page": 2})

    assert row_ids(first) == ids[:20]
    assert row_ids(second) == ids[20:]
    assert "共 25 条" in first.content.decode()


def test_list_without_unread_offers_no_mark_all_button(client, alice):
    """With nothing unread the page does not offer 全部标为已读."""
    make(alice, read=True)
    client.force_login(alice)
    assert "全部标为已读" not in client.get(reverse("notifications:list")).content.decode()


def test_marking_another_users_notification_is_404_and_changes_nothing(client, alice, bob):
    """Alice cannot mark Bob's notification read: 404, and it stays unread."""
    bobs = make(bob)[0]
    client.force_login(alice)

    response = client.post(reverse("notifications:read", args=[bobs.pk]))

    assert response.status_code == 404
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_opening_a_notification_marks_it_read_and_goes_to_its_local_link(client, alice):
    """Opening a notification marks it read and redirects (303) to its link on this site."""
    row = make(alice, url="/cases/7/")[0]
    client.force_login(alice)

    response = client.post(reverse("notifications:read", args=[row.pk]))

    assert response.status_code == 303
    assert response["Location"] == "/cases/7/"
    row.refresh_from_db()
    assert row.read_at is not None


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", ""])
def test_opening_a_notification_with_an_unsafe_or_empty_link_returns_to_the_list(client, alice, url):
    """A link that is not a path on this site is never followed: back to the list instead."""
    row = make(alice, url=url)[0]
    client.force_login(alice)

    response = client.post(reverse("notifications:read", args=[row.pk]))

    assert response.status_code == 303
    assert response["Location"] == reverse("notifications:list")


def test_mark_read_with_stay_returns_to_the_same_list_page(client, alice):
    """The list's 标为已读 button marks read and stays on the list page it came from."""
    row = make(alice, url="/cases/7/")[0]
    client.force_login(alice)

    response = client.post(reverse("notifications:read", args=[row.pk]), {"stay": "1", "page": "2"})

    assert response["Location"] == reverse("notifications:list") + "?page=2"
    row.refresh_from_db()
    assert row.read_at is not None


def test_mark_read_needs_post(client, alice):
    """A GET (a prefetch, a crawler) never marks anything read."""
    row = make(alice)[0]
    client.force_login(alice)
    assert client.get(reverse("notifications:read", args=[row.pk])).status_code == 405
    row.refresh_from_db()
    assert row.read_at is None


def test_read_all_marks_only_own_notifications(client, alice, bob):
    """全部标为已读 marks all of Alice's unread notifications and none of Bob's."""
    make(alice, 3)
    make(bob, 2)
    client.force_login(alice)

    response = client.post(reverse("notifications:read_all"))

    assert response.status_code == 303
    assert response["Location"] == reverse("notifications:list")
    assert Notification.objects.filter(recipient=alice, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(recipient=bob, read_at__isnull=True).count() == 2


def test_context_processor_gives_own_unread_count_and_latest_id(client, alice, bob):
    """Pages get the signed-in user's unread count and newest notification id, not counting other users' rows."""
    make(alice, read=True)
    latest = make(alice, 2)[-1]
    make(bob, 4)
    client.force_login(alice)

    response = client.get(reverse("notifications:list"))

    assert response.context["unread_notification_count"] == 2
    assert response.context["latest_notification_id"] == latest.pk


def test_context_processor_costs_one_query_and_nothing_for_anonymous(rf, alice, bob, django_assert_num_queries):
    """The badge data (unread count, newest id) costs one query for a signed-in user and none for an anonymous visitor."""
    from django.contrib.auth.models import AnonymousUser

    from notifications.context_processors import unread_notifications

    request = rf.get("/")
    request.user = alice
    with django_assert_num_queries(1):
        assert unread_notifications(request) == {"unread_notification_count": 0, "latest_notification_id": 0}
    make(alice, 2)
    make(alice, 1, read=True)
    make(bob, 1)
    newest = Notification.objects.filter(recipient=alice).order_by("-id").first()
    with django_assert_num_queries(1):
        assert unread_notifications(request) == {"unread_notification_count": 2, "latest_notification_id": newest.pk}
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread_notifications(request) == {}


def test_badge_shows_count_and_last_id_and_hides_at_zero(alice):
    """The toolbar badge carries the unread count and newest id for the script, and is hidden when nothing is unread."""
    shown = render_to_string(
        "notifications/_badge.html", {"user": alice, "unread_notification_count": 3, "latest_notification_id": 42}
    )
    hidden = render_to_string("notifications/_badge.html", {"user": alice, "unread_notification_count": 0})

    assert 'id="lb-notification-badge"' in shown
    assert 'data-unread-count="3"' in shown and 'data-last-id="42"' in shown
    assert " hidden>" not in shown
    assert reverse("notifications:list") in shown
    assert 'data-unread-count="0"' in hidden and 'data-last-id="0"' in hidden
    assert " hidden>" in hidden


def test_the_unread_count_on_every_page_and_in_every_push_stops_at_the_badges_cap(client, alice, bob):
    """A head with thousands of unread clock alerts: the badge says 99+ (and so does its label for a
    screen reader), counted no further than 100 — on each page and in the count a push carries —
    while marking one read through the API still answers the exact number."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.selectors import UNREAD_CAP, notification_unread_count, notification_unread_counts

    make(alice, 150)
    make(alice, 3, read=True)
    make(bob, 2)
    client.force_login(alice)

    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("notifications:list")).content.decode()
    counts = [query["sql"] for query in captured if "COUNT(" in query["sql"].upper() and re.search(r'read_at"? IS NULL', query["sql"])]
    assert counts and all("LIMIT" in sql for sql in counts)
    assert re.search(r'id="lb-notification-badge"[^>]*>99\+</span>', page)
    assert "通知，未读 99+ 条" in page and "未读 99+ 条" in page

    assert notification_unread_counts(user_ids={alice.pk, bob.pk}) == {alice.pk: UNREAD_CAP, bob.pk: 2}
    assert notification_unread_counts(user_ids={alice.pk}, cap=1000) == {alice.pk: 150}
    assert notification_unread_count(user=alice, cap=None) == 150
