"""Who is on the other end of a notification socket, found in one trip to the database thread.

All the database work of a worker's sockets goes through one thread (database_sync_to_async is
thread-sensitive), so in a reconnect storm every trip of every handshake waits behind the others.
channels' AuthMiddlewareStack reads the session and the user in one trip and the consumer needed a
second for the session's expiry; here one trip does all three:

* the session: from the cache with the cached_db engine (REDIS_URL set), else one query;
* the user: one query, with the checks of an HTTP request (django.contrib.auth.get_user: the
  backend, the session's password hash);
* the time before which the session cannot have ended (notifications.sessions), so the consumer
  need not go back for it.

A socket without a session cookie costs no trip: it is anonymous and the consumer refuses it.
The results are in the scope: "session", "user" and SESSION_VALID_UNTIL.
"""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace
from typing import Any

from channels.db import database_sync_to_async
from channels.sessions import CookieMiddleware
from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser

from notifications.sessions import ENDED, session_valid_until

SESSION_VALID_UNTIL = "lianban.session_valid_until"  # scope key: epoch seconds, see session_valid_until


def authenticate(session_key: str | None) -> tuple[Any, Any, float]:
    """(session, user, valid until) for a session cookie; runs on the database thread."""
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if session_key is None:
        return session, AnonymousUser(), ENDED
    user = get_user(SimpleNamespace(session=session))  # loads the session, then its user
    if not user.is_authenticated:
        return session, user, ENDED
    return session, user, session_valid_until(session, user_id=user.pk)


class SocketAuthMiddleware:
    """ASGI middleware (inside CookieMiddleware): fills scope["session"], scope["user"] and the
    session's validity in at most one database trip."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        session_key = scope["cookies"].get(settings.SESSION_COOKIE_NAME) or None
        if session_key is None:
            session, user, valid_until = authenticate(None)  # no database work: nothing to look up
        else:
            session, user, valid_until = await database_sync_to_async(authenticate)(session_key)
        scope = {**scope, "session": session, "user": user, SESSION_VALID_UNTIL: valid_until}
        return await self.application(scope, receive, send)


def SocketAuthMiddlewareStack(application):  # noqa: N802 — named like channels' AuthMiddlewareStack
    return CookieMiddleware(SocketAuthMiddleware(application))
