"""The notification socket: authenticate, join the user's group, replay what was missed, forward events.

The handshake costs one trip to the worker's database thread, before the accept (notifications.auth:
the session, the user and the session's expiry together); a reconnect with `?since=` costs one more
after the accept, one query when nothing was missed. The replay is read after joining the group, so
that nothing committed in between is lost.

It never writes to the database and never acts on what the client sends. It lives no longer than the
session it was opened with: when that session ends (idle timeout, logout) the socket closes with 4401
and delivers nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from notifications.auth import SESSION_VALID_UNTIL
from notifications.selectors import notification_list_after, notification_unread_count
from notifications.services import notification_payload, user_group
from notifications.sessions import session_valid_until

CLOSE_UNAUTHENTICATED = 4401
MAX_NOTIFICATION_ID = 2**63 - 1  # ids are bigint on every database


def parse_since(query_string: bytes) -> int | None:
    """The `since=<id>` replay cursor, or None when absent, not a non-negative integer or past any possible id.

    An out-of-range cursor (`since=<5000 digits>`) is treated as invalid, like `since=abc`: the socket
    is accepted and nothing is replayed. Checking the length first keeps int() away from huge strings.
    """
    values = parse_qs(query_string.decode("latin-1")).get("since")
    if not values:
        return None
    raw = values[-1].strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(MAX_NOTIFICATION_ID)):
        return None
    since = int(raw)
    return since if since <= MAX_NOTIFICATION_ID else None


@database_sync_to_async
def _replay(user: Any, after_id: int) -> tuple[list[dict[str, Any]], int]:
    """The notifications after `after_id` and the unread count; one query when there are none (the
    usual reconnect: the tab had seen everything)."""
    rows = notification_list_after(user=user, after_id=after_id)
    if not rows:
        return [], 0
    return [notification_payload(row) for row in rows], notification_unread_count(user=user)


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/notifications/?since=<id>`: pushes `{"type": "notification", "notification": {...}, "unread": n}`."""

    group_name: str | None = None
    session_key: str | None = None
    valid_until: float = 0.0  # epoch seconds: the session cannot have ended before then
    watcher: asyncio.Task | None = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        """channels (≥ 4.2) sends every message — the connect, each event, the disconnect — to the
        database thread first, to close stale connections there. This consumer touches the database
        only through database_sync_to_async, which closes them on each of its trips already, so that
        extra trip (one per event per socket, queued behind every other socket's) is skipped."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        """As channels' own, without its trip to the database thread (see dispatch)."""
        for group in self.groups or []:
            await self.channel_layer.group_discard(group, self.channel_name)
        await self.disconnect(message["code"])
        raise StopConsumer

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)  # before accept: the handshake is refused
            return
        session = self.scope.get("session")
        self.session_key = getattr(session, "session_key", None)
        if self.session_key is None:  # a scope without a session (a test's injected user): nothing to outlive
            self.valid_until = float("inf")
        else:
            # notifications.auth (config.asgi) found the session's end with the user; a scope built
            # otherwise says 0, "unknown", and the watcher below reads the session store at once.
            self.valid_until = self.scope.get(SESSION_VALID_UNTIL, 0.0)
            self.watcher = asyncio.ensure_future(self._watch_session())
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
        if self.watcher is not None:
            self.watcher.cancel()
            self.watcher = None
        if self.group_name is not None:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)
            self.group_name = None

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        """Whatever the client sends is ignored (not even decoded)."""

    async def notification_created(self, event: dict[str, Any]) -> None:
        """The publisher counted the recipient's unread notifications (notifications.services.publish)."""
        if await self._session_alive():
            await self.send_json({"type": "notification", "notification": event["notification"], "unread": event["unread"]})

    async def notification_read(self, event: dict[str, Any]) -> None:
        if await self._session_alive():
            await self.send_json({"type": "unread", "unread": event["unread"]})

    async def session_ended(self, event: dict[str, Any]) -> None:
        """The user signed out (notifications.sessions): the sockets of that session close."""
        if event.get("session_key") == self.session_key:
            await self._end()

    # --- the session's lifetime ----------------------------------------------------------------
    async def _session_alive(self) -> bool:
        """True while the session lives. Trusts the known expiry; past it, reads the session store once
        (an HTTP request may have moved the expiry); closes the socket when the session is gone."""
        if time.time() < self.valid_until:
            return True
        self.valid_until = await database_sync_to_async(session_valid_until)(
            self.session_key, user_id=self.scope["user"].pk)
        if time.time() < self.valid_until:
            return True
        await self._end()
        return False

    async def _watch_session(self) -> None:
        """Without any event to deliver, a socket still ends with its session: wake at the expiry, re-check."""
        with contextlib.suppress(asyncio.CancelledError):
            while await self._session_alive():
                await asyncio.sleep(max(1.0, self.valid_until - time.time()))

    async def _end(self) -> None:
        if self.group_name is not None:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)
            self.group_name = None
        await self.close(code=CLOSE_UNAUTHENTICATED)
