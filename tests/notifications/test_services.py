"""Notification writes: stored in the caller's transaction, published after commit, scoped to the user."""

from __future__ import annotations

import pytest
from django.db import transaction

from notifications import services
from notifications.models import Notification
from notifications.selectors import notification_list_after
from notifications.services import notification_mark_read, notify

pytestmark = pytest.mark.django_db


def test_notify_stores_one_row_per_distinct_recipient(alice, bob):
    """Repeated recipients and None are collapsed: one row each for Alice and Bob."""
    rows = notify(recipients=[alice, bob, alice, None], event="referral.received", title="收到移送")
    assert sorted(row.recipient_id for row in rows) == sorted([alice.pk, bob.pk])
    assert all(row.pk for row in rows)
    assert Notification.objects.count() == 2


def test_notify_publishes_only_when_the_transaction_commits(alice, django_capture_on_commit_callbacks, monkeypatch):
    """notify() publishes nothing itself; the push is an on-commit callback carrying the stored rows."""
    published: list[list[Notification]] = []
    monkeypatch.setattr(services, "publish", published.append)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            rows = notify(recipients=[alice], event="referral.received", title="收到移送")
            assert published == []

    assert len(callbacks) == 1
    assert published == [rows]


def test_a_failing_push_after_commit_does_not_fail_the_caller(alice, django_capture_on_commit_callbacks, monkeypatch):
    """If the channel layer is down the committed rows stay (replayed later) and the caller does not see an error."""

    def layer_down(rows):
        raise ConnectionError("redis unavailable")

    monkeypatch.setattr(services, "publish", layer_down)
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[alice], event="referral.received", title="收到移送")

    assert Notification.objects.filter(recipient=alice).count() == 1


def test_mark_read_of_another_users_notification_raises_and_changes_nothing(alice, bob):
    """The service never touches another user's row: it raises DoesNotExist."""
    (bobs,) = notify(recipients=[bob], event="referral.received", title="收到移送")
    with pytest.raises(Notification.DoesNotExist):
        notification_mark_read(user=alice, notification_id=bobs.pk)
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_mark_read_is_idempotent(alice):
    """Marking twice keeps the first read time."""
    (row,) = notify(recipients=[alice], event="referral.received", title="收到移送")
    first = notification_mark_read(user=alice, notification_id=row.pk).read_at
    second = notification_mark_read(user=alice, notification_id=row.pk).read_at
    assert first is not None and first == second


def test_replay_selector_is_scoped_ordered_and_capped(alice, bob):
    """The replay read returns only the user's rows after the cursor, oldest first, at most `limit`."""
    rows = [notify(recipients=[alice, bob], event="e.happened", title=str(i)) for i in range(4)]
    alice_ids = [pair[0].pk if pair[0].recipient_id == alice.pk else pair[1].pk for pair in rows]

    after_first = notification_list_after(user=alice, after_id=alice_ids[0], limit=2)

    assert [row.pk for row in after_first] == alice_ids[1:3]
    assert {row.recipient_id for row in notification_list_after(user=alice, after_id=0)} == {alice.pk}
