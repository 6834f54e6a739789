"""The notification socket: authenticate, join the user's group, replay what was missed, forward events.

It never writes to the database and never acts on what the client sends.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from notifications.selectors import notification_list_after, notification_unread_count
from notifications.services import notification_payload, user_group

CLOSE_UNAUTHENTICATED = 4401


def parse_since(query_string: bytes) -> int | None:
    """The `since=<id>` replay cursor, or None when absent or not a non-negative integer."""
    values = parse_qs(query_string.decode("latin-1")).get("since")
    if not values:
        return None
    raw = values[-1].strip()
    if not (raw.isascii() and raw.isdigit()):
        return None
    return int(raw)


@database_sync_to_async
def _replay(user: Any, after_id: int) -> tuple[list[dict[str, Any]], int]:
    rows = notification_list_after(user=user, after_id=after_id)
    return [notification_payload(row) for row in rows], notification_unread_count(user=user)


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/notifications/?since=<id>`: pushes `{"type": "notification", "notification": {...}, "unread": n}`."""

    group_name: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)  # before accept: the handshake is refused
            return
        # Join first, then read the replay: a notification committed in between arrives twice at
        # worst (the client de-duplicates by id), never zero times.
        self.group_name = user_group(user.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()
        since = parse_since(self.scope.get("query_string", b""))
        if since is None:
            return
        payloads, unread = await _replay(user, since)
        for payload in payloads:
            await self.send_json({"type": "notification", "notification": payload, "unread": unread})

    async def disconnect(self, code: int) -> None:
        if self.group_name is not None:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)
            self.group_name = None

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        """Whatever the client sends is ignored (not even decoded)."""

    async def notification_created(self, event: dict[str, Any]) -> None:
        """The publisher counted the recipient's unread notifications (notifications.services.publish)."""
        await self.send_json({"type": "notification", "notification": event["notification"], "unread": event["unread"]})

    async def notification_read(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "unread", "unread": event["unread"]})
