"""Fixtures for the notification tests: a fixed cast (Alice receives, Bob is the other user) and sockets."""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client

from config.asgi import application

SAME_ORIGIN = b"http://testserver"

OpenSocket = Callable[..., Awaitable[WebsocketCommunicator]]


@pytest.fixture(autouse=True)
def isolated_channel_layer(settings):
    """A fresh channel layer per test; on Redis also a private key prefix.

    User ids repeat across test databases, so without this a shared Redis (a concurrent run, groups left
    by a crashed run) could deliver someone else's `user.1` message into this test.
    """
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    default = layers["default"]
    if "redis" in default["BACKEND"].lower():
        default.setdefault("CONFIG", {})["prefix"] = f"lianban-test-{uuid.uuid4().hex[:12]}"
    settings.CHANNEL_LAYERS = layers  # channels drops its cached layers when this setting changes


@pytest.fixture
def alice(db):
    return get_user_model().objects.create_user(username="alice", password="x-unused-1")


@pytest.fixture
def bob(db):
    return get_user_model().objects.create_user(username="bob", password="x-unused-2")


def session_cookie(user) -> bytes:
    """A `Cookie` header value carrying a real session for `user` (as after logging in)."""
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def socket_for(cookie: bytes | None, *, query: str = "", origin: bytes | None = SAME_ORIGIN) -> WebsocketCommunicator:
    headers = [(b"host", b"testserver")]  # as a browser sends it; config/origins.py compares the Origin with it
    if cookie is not None:
        headers.append((b"cookie", cookie))
    if origin is not None:
        headers.append((b"origin", origin))
    return WebsocketCommunicator(application, f"/ws/notifications/{query}", headers=headers)


@pytest.fixture
async def open_socket() -> AsyncIterator[OpenSocket]:
    """`await open_socket(user, since=...)`: a connected socket through the real ASGI stack; closed at teardown."""
    opened: list[WebsocketCommunicator] = []

    async def _open(user, *, since: int | str | None = None, timeout: float = 3) -> WebsocketCommunicator:
        cookie = await database_sync_to_async(session_cookie)(user)
        communicator = socket_for(cookie, query="" if since is None else f"?since={since}")
        connected, _ = await communicator.connect(timeout=timeout)
        assert connected, "the socket of a signed-in user should be accepted"
        opened.append(communicator)
        return communicator

    yield _open
    # All at once: on Redis a consumer blocked in the layer's read can take seconds to stop.
    # A test may have closed a socket already, or a timed-out receive cancelled it.
    await asyncio.gather(*(c.disconnect(timeout=3) for c in opened if not c.future.done()))
