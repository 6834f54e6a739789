"""Template context: the signed-in user's unread count and newest notification id (for the badge)."""

from __future__ import annotations

from django.http import HttpRequest

from notifications.selectors import notification_badge


def unread_notifications(request: HttpRequest) -> dict[str, int]:
    """One query of two index probes for a signed-in user (the count stops at the badge's cap), none for anyone else."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    unread, latest = notification_badge(user=user)
    return {"unread_notification_count": unread, "latest_notification_id": latest}
