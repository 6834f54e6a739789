"""Fixtures for the notification tests: a fixed cast (Alice receives, Bob is the other user) and sockets."""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client

from config.asgi import application

SAME_ORIGIN = b"http://testserver"


class SocketCommunicator(WebsocketCommunicator):
    """channels' WebsocketCommunicator, but each of the consumer's database trips closes its connection
    afterwards, as in production.

    channels' communicator (channels.testing.application) turns close_old_connections into a no-op
    while it waits on the application, for tests that run inside one transaction. These tests commit
    (transaction=True) and the consumer's trips run on asgiref's one database thread: with the no-op
    that thread kept the connection of its last trip — on PostgreSQL taken from the pool and never
    given back — so at the end of the run the test database could not be dropped ("is being accessed
    by other users").
    """

    async def send_input(self, message):
        return await ApplicationCommunicator.send_input(self, message)

    async def receive_output(self, timeout=1):
        return await ApplicationCommunicator.receive_output(self, timeout)


OpenSocket = Callable[..., Awaitable[SocketCommunicator]]


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


def socket_for(cookie: bytes | None, *, query: str = "", origin: bytes | None = SAME_ORIGIN) -> SocketCommunicator:
    headers = [(b"host", b"testserver")]  # as a browser sends it; config/origins.py compares the Origin with it
    if cookie is not None:
        headers.append((b"cookie", cookie))
    if origin is not None:
        headers.append((b"origin", origin))
    return SocketCommunicator(application, f"/ws/notifications/{query}", headers=headers)


@pytest.fixture
async def open_socket() -> AsyncIterator[OpenSocket]:
    """`await open_socket(user, since=...)`: a connected socket through the real ASGI stack; closed at teardown."""
    opened: list[SocketCommunicator] = []

    async def _open(user, *, since: int | str | None = None, timeout: float = 3) -> SocketCommunicator:
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
