"""Reads of notifications. Every function sees only the rows of the user (or users) it is given."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import QuerySet

from notifications.models import Notification

REPLAY_LIMIT = 500


def notification_list_for_user(*, user: AbstractBaseUser) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-id")


UNREAD_CAP = 100  # the badge says "99+" past 99; counting further would read every unread row on every page


def notification_unread_count(*, user: AbstractBaseUser, cap: int | None = UNREAD_CAP) -> int:
    """The user's unread notifications, counted no further than `cap` (None: every one of them)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True).order_by()
    return unread.count() if cap is None else unread[:cap].count()


def _notifications_table() -> str:
    return connection.ops.quote_name(Notification._meta.db_table)


def _unread_capped(recipient: str) -> str:
    """The SQL of one recipient's unread count, counted no further than `LIMIT %s` (the cap: the
    parameter after any in `recipient`) — one probe of the recipient's index however many are unread.
    The bell and the push after commit both count with it, so they cannot drift apart. `recipient` is
    SQL written here, never input: a column (`u.id`) or a placeholder (`%s`)."""
    return (
        f"(SELECT COUNT(*) FROM (SELECT 1 FROM {_notifications_table()} n"  # noqa: S608 — table names, not input
        f" WHERE n.recipient_id = {recipient} AND n.read_at IS NULL LIMIT %s) capped)"
    )


def notification_unread_counts(*, user_ids: set[int], cap: int = UNREAD_CAP) -> dict[int, int]:
    """Unread counts of several users, each counted no further than `cap`, in one query (for the push
    after commit: a bureau head with 50,000 unread clock alerts costs what one with 100 does)."""
    if not user_ids:
        return {}
    users = connection.ops.quote_name(get_user_model()._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT u.id, {_unread_capped('u.id')}"  # noqa: S608 — table names, not input
            f" FROM {users} u WHERE u.id IN ({', '.join(['%s'] * len(user_ids))})",
            [cap, *sorted(user_ids)],
        )
        return {user_id: unread for user_id, unread in cursor.fetchall() if unread}


def notification_badge(*, user: AbstractBaseUser, cap: int = UNREAD_CAP) -> tuple[int, int]:
    """The bell on every page: the unread count (no further than `cap`) and the newest notification's id
    (0 if none), in one query — each is one probe of the recipient's index."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_unread_capped('%s')},"  # noqa: S608 — table names, not input
            f" (SELECT n.id FROM {_notifications_table()} n WHERE n.recipient_id = %s ORDER BY n.id DESC LIMIT 1)",
            [user.pk, cap, user.pk],
        )
        unread, latest = cursor.fetchone()
    return unread, latest or 0


def notification_list_after(*, user: AbstractBaseUser, after_id: int, limit: int = REPLAY_LIMIT) -> list[Notification]:
    """The user's notifications with id > after_id, oldest first, at most `limit` (the replay on reconnect)."""
    rows = Notification.objects.filter(recipient=user, id__gt=after_id).order_by("id")[:limit]
    return list(rows)
