"""The notification socket, driven through the real ASGI stack (origin check, session auth, routing)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from channels.db import database_sync_to_async
from django.db import transaction

from notifications.consumers import CLOSE_UNAUTHENTICATED, parse_since
from notifications.models import Notification
from notifications.services import notification_mark_all_read, notify
from tests.notifications.conftest import session_cookie, socket_for

pytestmark = pytest.mark.django_db(transaction=True)

RECEIVE_TIMEOUT = 3


class Boom(Exception):
    pass


def notify_committed(user, title: str, *, body: str = "", url: str = "") -> Notification:
    with transaction.atomic():
        (row,) = notify(recipients=[user], event="case.transferred", title=title, body=body, url=url)
    return row


def notify_rolled_back(user, title: str) -> None:
    try:
        with transaction.atomic():
            notify(recipients=[user], event="case.transferred", title=title)
            raise Boom
    except Boom:
        pass


def notification_count(user) -> int:
    return Notification.objects.filter(recipient=user).count()


async def test_committed_notification_reaches_its_recipient_and_nobody_else(alice, bob, open_socket):
    """A notification committed for Alice is pushed to Alice's socket with the payload and unread count; Bob's socket stays silent."""
    alice_socket = await open_socket(alice)
    bob_socket = await open_socket(bob)

    row = await database_sync_to_async(notify_committed)(alice, "移送审批", body="请审批", url="/cases/1/")

    message = await alice_socket.receive_json_from(timeout=RECEIVE_TIMEOUT)
    assert message["type"] == "notification"
    assert message["unread"] == 1
    assert message["notification"]["id"] == row.id
    assert message["notification"]["title"] == "移送审批"
    assert message["notification"]["body"] == "请审批"
    assert message["notification"]["url"] == "/cases/1/"
    assert message["notification"]["event"] == "case.transferred"
    assert await bob_socket.receive_nothing(timeout=0.3)


async def test_rolled_back_notification_is_never_pushed_and_leaves_no_row(alice, open_socket):
    """A notification created in a transaction that rolls back is neither pushed nor stored."""
    socket = await open_socket(alice)

    await database_sync_to_async(notify_rolled_back)(alice, "不该出现")

    assert await socket.receive_nothing(timeout=0.5)
    assert await database_sync_to_async(notification_count)(alice) == 0


async def test_push_waits_until_the_transaction_commits(alice, open_socket):
    """While the creating transaction is still open the socket receives nothing; the commit releases the push."""
    socket = await open_socket(alice)
    created, release = threading.Event(), threading.Event()

    def create_and_hold() -> Notification:
        with transaction.atomic():
            (row,) = notify(recipients=[alice], event="case.transferred", title="待提交")
            created.set()
            if not release.wait(timeout=10):
                raise Boom("the test never released the transaction")
        return row

    # Its own thread (not the shared sync thread), so the test can look at the socket mid-transaction.
    pending = asyncio.ensure_future(database_sync_to_async(create_and_hold, thread_sensitive=False)())
    try:
        assert await asyncio.to_thread(created.wait, 5), "the row should have been created"
        assert await socket.receive_nothing(timeout=0.3), "nothing may be pushed before commit"
    finally:
        release.set()
    row = await pending

    message = await socket.receive_json_from(timeout=RECEIVE_TIMEOUT)
    assert message["notification"]["id"] == row.id


async def test_reconnect_with_since_replays_exactly_what_was_missed_in_order(alice, bob, open_socket):
    """Reconnecting with ?since=<last seen id> delivers the notifications created while away, oldest first, and nothing older."""
    first_socket = await open_socket(alice)
    seen = await database_sync_to_async(notify_committed)(alice, "已看到")
    assert (await first_socket.receive_json_from(timeout=RECEIVE_TIMEOUT))["notification"]["id"] == seen.id
    await first_socket.disconnect()

    missed_1 = await database_sync_to_async(notify_committed)(alice, "离线期间一")
    await database_sync_to_async(notify_committed)(bob, "别人的")
    missed_2 = await database_sync_to_async(notify_committed)(alice, "离线期间二")

    socket = await open_socket(alice, since=seen.id)
    replayed = [await socket.receive_json_from(timeout=RECEIVE_TIMEOUT) for _ in range(2)]
    assert [m["notification"]["id"] for m in replayed] == [missed_1.id, missed_2.id]
    assert [m["notification"]["title"] for m in replayed] == ["离线期间一", "离线期间二"]
    assert all(m["type"] == "notification" and m["unread"] == 3 for m in replayed)
    assert await socket.receive_nothing(timeout=0.3)


async def test_socket_without_since_replays_nothing_but_receives_live_notifications(alice, open_socket):
    """Without ?since the socket starts silent (the page already shows the past) and still gets new pushes."""
    await database_sync_to_async(notify_committed)(alice, "旧的")
    socket = await open_socket(alice)
    assert await socket.receive_nothing(timeout=0.3)

    row = await database_sync_to_async(notify_committed)(alice, "新的")
    assert (await socket.receive_json_from(timeout=RECEIVE_TIMEOUT))["notification"]["id"] == row.id


async def test_non_integer_since_is_treated_as_no_replay(alice, open_socket):
    """A malformed ?since is ignored: the socket is accepted and replays nothing."""
    await database_sync_to_async(notify_committed)(alice, "旧的")
    socket = await open_socket(alice, since="abc")
    assert await socket.receive_nothing(timeout=0.3)


async def test_anonymous_socket_is_refused_with_4401():
    """A socket without a session is refused at the handshake with close code 4401."""
    socket = socket_for(None)
    connected, code = await socket.connect(timeout=RECEIVE_TIMEOUT)
    assert not connected
    assert code == CLOSE_UNAUTHENTICATED


async def test_socket_from_a_foreign_origin_is_refused(alice):
    """A signed-in user's cookie sent from another site's page (foreign Origin) is refused."""
    cookie = await database_sync_to_async(session_cookie)(alice)
    socket = socket_for(cookie, origin=b"https://evil.example")
    connected, _ = await socket.connect(timeout=RECEIVE_TIMEOUT)
    assert not connected


async def test_client_messages_are_ignored(alice, open_socket):
    """Whatever the client sends, even a group event type or broken JSON, triggers nothing and keeps the socket open."""
    socket = await open_socket(alice)
    await socket.send_json_to({"type": "notification.read"})
    await socket.send_json_to({"type": "notification.created", "notification": {"id": 1, "title": "伪造"}})
    await socket.send_to(text_data="{not json")
    assert await socket.receive_nothing(timeout=0.3)

    row = await database_sync_to_async(notify_committed)(alice, "仍然在线")
    assert (await socket.receive_json_from(timeout=RECEIVE_TIMEOUT))["notification"]["id"] == row.id


async def test_marking_read_pushes_the_new_unread_count(alice, open_socket):
    """After marking all read, the user's open sockets get the new unread count, so every tab's badge is right."""
    await database_sync_to_async(notify_committed)(alice, "一")
    await database_sync_to_async(notify_committed)(alice, "二")
    socket = await open_socket(alice)

    await database_sync_to_async(notification_mark_all_read)(user=alice)

    assert await socket.receive_json_from(timeout=RECEIVE_TIMEOUT) == {"type": "unread", "unread": 0}


@pytest.mark.parametrize(
    ("query", "expected"),
    [(b"", None), (b"since=12", 12), (b"since=0", 0), (b"since=abc", None), (b"since=-3", None), (b"since=1.5", None)],
)
def test_since_cursor_is_a_non_negative_integer_or_nothing(query, expected):
    """Only a plain non-negative integer is a replay cursor."""
    assert parse_since(query) == expected
