"""Notifications: stored in the caller's transaction, pushed to browsers only after commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from notifications.fanout import group_send_many
from notifications.models import Notification
from notifications.selectors import notification_unread_counts

# Group events (the consumer has one handler per type; clients can never send these).
EVENT_CREATED = "notification.created"
EVENT_READ = "notification.read"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def notification_payload(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.id,
        "event": notification.event,
        "title": notification.title,
        "body": notification.body,
        "url": notification.url,
        "created_at": notification.created_at.isoformat(),
    }


@dataclass(frozen=True)
class Message:
    """One notification to several people (notify_many sends many of them in one go)."""

    recipients: Iterable
    event: str
    title: str
    body: str = ""
    url: str = ""


def notify(*, recipients: Iterable, event: str, title: str, body: str = "", url: str = "") -> list[Notification]:
    """Store one notification per distinct recipient; push them once the caller's transaction commits.

    A rolled-back transaction pushes nothing. A push that fails after commit is logged, not raised:
    the rows are committed and reach the browser on its next reconnect (replay from the last seen id).
    """
    return notify_many([Message(recipients=recipients, event=event, title=title, body=body, url=url)])


def notify_many(messages: Iterable[Message]) -> list[Notification]:
    """notify() for a batch (the deadline worker's): one INSERT and one push after commit for all of them."""
    rows = []
    for message in messages:
        unique = {user.pk: user for user in message.recipients if user is not None}
        rows += [
            Notification(recipient=user, event=message.event, title=message.title, body=message.body, url=message.url)
            for user in unique.values()
        ]
    rows = Notification.objects.bulk_create(rows)
    if rows:
        transaction.on_commit(lambda: publish(rows), robust=True)
    return rows


def publish(rows: list[Notification]) -> None:
    """Push committed rows to their recipients' groups, each with the recipient's unread count.

    One query for the counts and one batched send for the whole batch (notifications.fanout), so a
    commit that notifies 500 officers costs the committing request a few round trips, not 2,000.
    """
    layer = get_channel_layer()
    if layer is None or not rows:
        return
    unread = notification_unread_counts(user_ids={row.recipient_id for row in rows})
    messages = [
        (
            user_group(row.recipient_id),
            {"type": EVENT_CREATED, "notification": notification_payload(row), "unread": unread.get(row.recipient_id, 0)},
        )
        for row in rows
    ]
    async_to_sync(group_send_many)(layer, messages)


def publish_read(user_id: int) -> None:
    """Tell the user's open tabs the new unread count (it travels in the event)."""
    layer = get_channel_layer()
    if layer is None:
        return
    unread = notification_unread_counts(user_ids={user_id}).get(user_id, 0)
    async_to_sync(layer.group_send)(user_group(user_id), {"type": EVENT_READ, "unread": unread})


@transaction.atomic
def notification_mark_read(*, user: AbstractBaseUser, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (idempotent).

    Raises Notification.DoesNotExist when the id is not the user's: another user's row is never touched.
    """
    notification = Notification.objects.select_for_update().get(pk=notification_id, recipient=user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        transaction.on_commit(lambda: publish_read(user.pk), robust=True)
    return notification


@transaction.atomic
def notification_mark_all_read(*, user: AbstractBaseUser) -> int:
    """Mark all of the user's unread notifications read; returns how many changed."""
    changed = Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
    if changed:
        transaction.on_commit(lambda: publish_read(user.pk), robust=True)
    return changed
