"""Template context: the signed-in user's unread count and newest notification id (for the badge)."""

from __future__ import annotations

from django.http import HttpRequest

from notifications.selectors import notification_latest_id, notification_unread_count


def unread_notifications(request: HttpRequest) -> dict[str, int]:
    """Two indexed queries for a signed-in user (the count stops at the badge's cap), none for anyone else."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notification_count": notification_unread_count(user=user),
        "latest_notification_id": notification_latest_id(user=user),
    }
