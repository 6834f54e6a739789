"""Reads of notifications. Every function takes the user and sees only that user's rows."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from notifications.models import Notification

REPLAY_LIMIT = 500


def notification_list_for_user(*, user: AbstractBaseUser) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-id")


def notification_unread_count(*, user: AbstractBaseUser) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_latest_id(*, user: AbstractBaseUser) -> int:
    """Id of the user's newest notification, 0 if none (one index probe on recipient, id)."""
    latest = Notification.objects.filter(recipient=user).order_by("-id").values_list("id", flat=True).first()
    return latest or 0


def notification_list_after(*, user: AbstractBaseUser, after_id: int, limit: int = REPLAY_LIMIT) -> list[Notification]:
    """The user's notifications with id > after_id, oldest first, at most `limit` (the replay on reconnect)."""
    rows = Notification.objects.filter(recipient=user, id__gt=after_id).order_by("id")[:limit]
    return list(rows)
