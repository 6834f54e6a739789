"""How long the session behind a notification socket lives, and the end of its sockets at logout.

A session ends LIANBAN_SESSION_IDLE_MINUTES after the HTTP request that last moved its expiry (stamped
in the session by agencies.security_log), or at logout. The socket trusts that stamp and reads the
session store again only when the stamp says the session may have ended.
"""

from __future__ import annotations

import logging
import time
from importlib import import_module
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import SESSION_KEY, user_logged_out
from django.dispatch import receiver

from agencies.security_log import REFRESHED_AT
from notifications.services import user_group

logger = logging.getLogger(__name__)

ENDED = 0.0
UNSTAMPED_RECHECK_SECONDS = 60  # a session without the stamp is re-read this often


def session_valid_until(session: Any, *, user_id: int | None = None) -> float:
    """Epoch seconds before which `session` (a loaded session, or a session key to read from the store)
    cannot have ended; ENDED when it has ended or now belongs to someone else."""
    if session is None:
        return ENDED
    if isinstance(session, str):
        store = import_module(settings.SESSION_ENGINE).SessionStore(session)
        data = store.load()  # {} when the session is gone or expired (every backend checks the expiry)
    else:
        data = {key: session.get(key) for key in (SESSION_KEY, REFRESHED_AT)}
    if data.get(SESSION_KEY) is None or (user_id is not None and str(data[SESSION_KEY]) != str(user_id)):
        return ENDED
    stamped = data.get(REFRESHED_AT)
    if not stamped:
        return time.time() + UNSTAMPED_RECHECK_SECONDS
    return float(stamped) + settings.SESSION_COOKIE_AGE


@receiver(user_logged_out, dispatch_uid="lianban.notifications.end_sockets_on_logout")
def end_sockets_on_logout(sender, request, user, **kwargs) -> None:
    """Logging out closes the sockets opened with that session, on whichever worker they are."""
    if user is None or request is None or not getattr(request, "session", None) or not request.session.session_key:
        return
    try:
        async_to_sync(get_channel_layer().group_send)(
            user_group(user.pk), {"type": "session.ended", "session_key": request.session.session_key})
    except Exception:  # the logout itself must not fail when the channel layer is down
        logger.warning("could not tell the sockets of user %s that the session ended", user.pk, exc_info=True)
