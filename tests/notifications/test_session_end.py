"""A notification socket lives no longer than the session it was opened with: logging out or going idle
past LIANBAN_SESSION_IDLE_MINUTES closes it with 4401 and nothing more is delivered on it, while a user
who keeps working keeps the socket."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from django.test import Client

from notifications.consumers import CLOSE_UNAUTHENTICATED
from notifications.services import notify
from tests.notifications.conftest import SocketCommunicator, socket_for

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(user) -> tuple[Client, bytes]:
    client = Client()
    client.force_login(user)
    return client, f"sessionid={client.cookies['sessionid'].value}".encode()


async def hang_up(*sockets) -> None:
    """The client's side of the close: the consumer stops reading the channel layer (a read left
    pending would have to be cancelled when the test's event loop shuts down)."""
    await asyncio.gather(*(socket.disconnect(timeout=3) for socket in sockets if not socket.future.done()))


def notify_committed(user, title: str) -> None:
    with transaction.atomic():
        notify(recipients=[user], event="case.transferred", title=title)


async def closed_with(socket, timeout: float) -> int | None:
    """The close code the server sent within `timeout`, skipping messages; None if it stayed open.
    (receive_nothing polls without cancelling the consumer, as a timed-out receive_output would.)"""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await socket.receive_nothing(timeout=min(0.2, max(0.01, deadline - loop.time()))):
            continue
        output = await socket.receive_output(timeout=1)
        if output["type"] == "websocket.close":
            return output.get("code")
    return None


async def test_logging_out_closes_the_socket_of_that_session_only(alice):
    office, office_cookie = await database_sync_to_async(signed_in)(alice)
    _, phone_cookie = await database_sync_to_async(signed_in)(alice)  # the same person, signed in elsewhere
    office_socket, phone_socket = socket_for(office_cookie), socket_for(phone_cookie)
    assert (await office_socket.connect())[0] and (await phone_socket.connect())[0]

    await database_sync_to_async(office.logout)()

    assert await closed_with(office_socket, timeout=3) == CLOSE_UNAUTHENTICATED
    await database_sync_to_async(notify_committed)(alice, "移送审批")
    message = await phone_socket.receive_json_from(timeout=3)
    assert message["notification"]["title"] == "移送审批"  # the other session's socket still works
    await hang_up(office_socket, phone_socket)


async def test_an_idle_session_ends_its_socket_even_without_traffic(alice, settings):
    settings.SESSION_COOKIE_AGE = 2  # an idle timeout of two seconds
    _, cookie = await database_sync_to_async(signed_in)(alice)
    socket = socket_for(cookie)
    assert (await socket.connect())[0]

    assert await closed_with(socket, timeout=6) == CLOSE_UNAUTHENTICATED
    await hang_up(socket)


async def test_working_in_the_browser_keeps_the_socket_and_it_ends_after_the_last_request(alice, settings):
    settings.SESSION_COOKIE_AGE = 6
    settings.LIANBAN_SESSION_REFRESH_SECONDS = 0  # every request moves the expiry
    client, cookie = await database_sync_to_async(signed_in)(alice)
    socket = socket_for(cookie)
    assert (await socket.connect())[0]

    await asyncio.sleep(3)
    assert (await database_sync_to_async(client.get)("/notifications/")).status_code == 200  # expiry moves to t≈9 s
    assert await closed_with(socket, timeout=4) is None  # at t≈7 s the first expiry (t≈6 s) has passed: still open
    await database_sync_to_async(notify_committed)(alice, "回执已签收")
    assert not await socket.receive_nothing(timeout=2)
    assert (await socket.receive_json_from())["notification"]["title"] == "回执已签收"

    assert await closed_with(socket, timeout=8) == CLOSE_UNAUTHENTICATED  # no request since: it ends
    await hang_up(socket)


async def test_under_another_auth_middleware_the_socket_still_ends_with_its_session(alice, settings):
    """A scope that does not carry the session's end (channels' own AuthMiddlewareStack instead of
    notifications.auth): the socket reads the session store right after it opens, stays while the
    session lives and closes when it expires."""
    from channels.auth import AuthMiddlewareStack

    from notifications.consumers import NotificationConsumer

    settings.SESSION_COOKIE_AGE = 3  # an idle timeout of three seconds
    _, cookie = await database_sync_to_async(signed_in)(alice)
    application = AuthMiddlewareStack(NotificationConsumer.as_asgi())
    socket = SocketCommunicator(application, "/ws/notifications/", headers=[(b"host", b"testserver"), (b"cookie", cookie)])
    assert (await socket.connect())[0]

    assert await closed_with(socket, timeout=1.5) is None  # the session lives: the socket stays
    assert await closed_with(socket, timeout=6) == CLOSE_UNAUTHENTICATED
    await hang_up(socket)
