"""Idle sockets stay open on the real channel layer (the Redis one in `make test-services`).

channels-redis waits for messages with a blocking BZPOPMIN of 5 s; redis-py's default read timeout
is also 5 s, so with the stock configuration an idle consumer's read times out and the socket dies
with close code 1011 within seconds. The settings give the layer's connections a longer timeout.
"""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction

from notifications.services import notify
from tests.notifications.conftest import session_cookie, socket_for

pytestmark = pytest.mark.django_db(transaction=True)

IDLE_SOCKETS = 20
IDLE_SECONDS = 30
STORM_SOCKETS = 300
DAPHNE_HANDSHAKE_TIMEOUT = 5  # daphne's --websocket_handshake_timeout default


@pytest.fixture
def redis_layer():
    if "redis" not in settings.CHANNEL_LAYERS["default"]["BACKEND"].lower():
        pytest.skip("these sockets are tested on the Redis channel layer: make test-services (REDIS_URL)")


async def test_idle_sockets_survive_thirty_seconds_and_still_receive(redis_layer, alice, open_socket):
    """Twenty sockets left idle for 30 s are all still open, and each then receives a new notification."""
    sockets = [await open_socket(alice) for _ in range(IDLE_SOCKETS)]

    await asyncio.sleep(IDLE_SECONDS)

    closed = {index: repr(socket.future.exception()) for index, socket in enumerate(sockets) if socket.future.done()}
    assert closed == {}, "sockets closed while idle"

    def notify_committed():
        with transaction.atomic():
            (row,) = notify(recipients=[alice], event="case.transferred", title="空闲之后")
        return row

    row = await database_sync_to_async(notify_committed)()
    received = [await socket.receive_json_from(timeout=5) for socket in sockets]
    assert {message["notification"]["id"] for message in received} == {row.id}


async def test_a_reconnect_storm_is_accepted_and_every_socket_receives(redis_layer, alice):
    """300 sockets opening at the same moment (a worker restarted; its tabs come back) are all
    accepted within daphne's handshake timeout, and all get the next push."""
    cookie = await database_sync_to_async(session_cookie)(alice)
    sockets = [socket_for(cookie) for _ in range(STORM_SOCKETS)]
    try:
        results = await asyncio.gather(*(socket.connect(timeout=DAPHNE_HANDSHAKE_TIMEOUT) for socket in sockets))
        assert all(connected for connected, _ in results)

        def notify_committed():
            with transaction.atomic():
                (row,) = notify(recipients=[alice], event="case.transferred", title="重连之后")
            return row

        row = await database_sync_to_async(notify_committed)()
        received = await asyncio.gather(*(socket.receive_json_from(timeout=10) for socket in sockets))
        assert [message["notification"]["id"] for message in received] == [row.id] * STORM_SOCKETS
    finally:
        await asyncio.gather(*(s.disconnect(timeout=3) for s in sockets if not s.future.done()), return_exceptions=True)


def test_settings_know_the_layers_blocking_wait():
    """The guard in the settings compares against the blocking wait the pinned channels-redis really uses."""
    from channels_redis.core import RedisChannelLayer

    assert settings.CHANNEL_LAYER_BLOCKING_WAIT_SECONDS == RedisChannelLayer.brpop_timeout
    assert settings.LIANBAN_REDIS_SOCKET_TIMEOUT_SECONDS > RedisChannelLayer.brpop_timeout
