"""What one socket handshake costs the worker's database thread (every trip of every socket of a worker
queues on that one thread, so in a reconnect storm each extra trip or query is paid 500 times over):
one trip and at most two queries before the accept, one more trip of one query for a reconnect
that missed nothing, none at all for a socket without a session. bench/sockets.py measures the storm."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from asgiref.sync import SyncToAsync
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import connection, transaction

from notifications.consumers import CLOSE_UNAUTHENTICATED
from notifications.services import notify
from tests.notifications.conftest import session_cookie, socket_for

pytestmark = pytest.mark.django_db(transaction=True)

SESSION_QUERIES = 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1  # cached_db: read from Redis


@contextmanager
def database_trips() -> Iterator[list[list[str]]]:
    """Each sync_to_async call (a trip to a sync thread) while inside, as the SQL it ran."""
    trips: list[list[str]] = []
    original = SyncToAsync.thread_handler

    def thread_handler(self, loop, *args, **kwargs):
        statements: list[str] = []
        trips.append(statements)

        def record(execute, sql, params, many, context):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            return original(self, loop, *args, **kwargs)

    with mock.patch.object(SyncToAsync, "thread_handler", thread_handler):
        yield trips


def notify_committed(user, title: str):
    with transaction.atomic():
        (row,) = notify(recipients=[user], event="case.transferred", title=title)
    return row


async def settle() -> None:
    """Let the consumer finish what it does after the accept (the replay)."""
    await asyncio.sleep(0.3)


async def test_a_handshake_costs_one_trip_reading_the_session_and_the_user(alice):
    cookie = await database_sync_to_async(session_cookie)(alice)
    socket = socket_for(cookie)
    with database_trips() as trips:
        connected, _ = await socket.connect(timeout=3)
        await settle()
    assert connected
    assert len(trips) == 1, trips
    (statements,) = trips
    assert sum("django_session" in sql for sql in statements) == SESSION_QUERIES
    assert sum('"auth_user"' in sql for sql in statements) == 1
    assert len(statements) == SESSION_QUERIES + 1, statements
    await socket.disconnect()


async def test_a_reconnect_that_missed_nothing_costs_one_more_query_after_the_accept(alice):
    row = await database_sync_to_async(notify_committed)(alice, "已看到")
    cookie = await database_sync_to_async(session_cookie)(alice)
    socket = socket_for(cookie, query=f"?since={row.id}")
    with database_trips() as trips:
        connected, _ = await socket.connect(timeout=3)
        await settle()
    assert connected
    assert [len(statements) for statements in trips] == [SESSION_QUERIES + 1, 1], trips
    assert await socket.receive_nothing(timeout=0.1)
    await socket.disconnect()


async def test_a_reconnect_that_missed_some_reads_them_and_the_count_in_one_trip(alice):
    seen = await database_sync_to_async(notify_committed)(alice, "已看到")
    missed = await database_sync_to_async(notify_committed)(alice, "离线期间")
    cookie = await database_sync_to_async(session_cookie)(alice)
    socket = socket_for(cookie, query=f"?since={seen.id}")
    with database_trips() as trips:
        connected, _ = await socket.connect(timeout=3)
        message = await socket.receive_json_from(timeout=3)
    assert connected
    assert message["notification"]["id"] == missed.id and message["unread"] == 2
    assert [len(statements) for statements in trips] == [SESSION_QUERIES + 1, 2], trips
    await socket.disconnect()


async def test_a_socket_without_a_session_is_refused_without_touching_the_database():
    socket = socket_for(None, query="?since=5")
    with database_trips() as trips:
        connected, code = await socket.connect(timeout=3)
    assert (connected, code) == (False, CLOSE_UNAUTHENTICATED)
    assert trips == []


async def test_a_stale_session_cookie_is_refused_after_one_trip(alice):
    socket = socket_for(b"sessionid=0123456789abcdefghijklmnopqrstuv")
    with database_trips() as trips:
        connected, code = await socket.connect(timeout=3)
    assert (connected, code) == (False, CLOSE_UNAUTHENTICATED)
    assert len(trips) == 1


async def test_a_pushed_notification_costs_the_socket_no_trip(alice):
    """channels would send every event to the database thread before handling it; this socket does not."""
    cookie = await database_sync_to_async(session_cookie)(alice)
    socket = socket_for(cookie)
    assert (await socket.connect(timeout=3))[0]
    await settle()
    with database_trips() as trips:
        row = await database_sync_to_async(notify_committed)(alice, "移送审批")  # the publisher's own trip
        message = await socket.receive_json_from(timeout=3)
        await settle()
    assert message["notification"]["id"] == row.id
    assert len(trips) == 1
    await socket.disconnect()
