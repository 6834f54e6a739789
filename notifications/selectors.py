"""Reads of notifications. Every function sees only the rows of the user (or users) it is given."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, QuerySet

from notifications.models import Notification

REPLAY_LIMIT = 500


def notification_list_for_user(*, user: AbstractBaseUser) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-id")


def notification_unread_count(*, user: AbstractBaseUser) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_unread_counts(*, user_ids: set[int]) -> dict[int, int]:
    """Unread counts of several users in one query (for the push after commit); absent means 0."""
    rows = (
        Notification.objects.filter(recipient_id__in=user_ids, read_at__isnull=True)
        .values_list("recipient_id")
        .annotate(unread=Count("id"))
        .order_by()
    )
    return dict(rows)


def notification_latest_id(*, user: AbstractBaseUser) -> int:
    """Id of the user's newest notification, 0 if none (one index probe on recipient, id)."""
    latest = Notification.objects.filter(recipient=user).order_by("-id").values_list("id", flat=True).first()
    return latest or 0


def notification_list_after(*, user: AbstractBaseUser, after_id: int, limit: int = REPLAY_LIMIT) -> list[Notification]:
    """The user's notifications with id > after_id, oldest first, at most `limit` (the replay on reconnect)."""
    rows = Notification.objects.filter(recipient=user, id__gt=after_id).order_by("id")[:limit]
    return list(rows)
