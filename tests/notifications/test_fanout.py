"""The batched fan-out delivers what the channel layer's own group_send would, to every socket of every group."""

from __future__ import annotations

import asyncio
import time

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.db import transaction

from notifications.fanout import group_send_many
from notifications.layers import RedisChannelLayer
from notifications.services import EVENT_CREATED, EVENT_READ, notify, user_group

pytestmark = pytest.mark.django_db(transaction=True)

RECEIVE_TIMEOUT = 3


def make_users(count: int) -> list:
    User = get_user_model()
    return [User.objects.create_user(username=f"officer{index}", password="x-unused") for index in range(count)]


async def test_one_commit_reaches_every_recipient_with_their_own_unread_count(alice, bob, open_socket):
    """One notify() to Alice and Bob: both sockets (two of Alice's tabs, one of Bob's) get it, each with that user's unread count."""
    await database_sync_to_async(lambda: notify_once([alice], "旧的"))()
    alice_tabs = [await open_socket(alice), await open_socket(alice)]
    bob_socket = await open_socket(bob)

    rows = await database_sync_to_async(lambda: notify_once([alice, bob], "同时通知"))()

    for socket in alice_tabs:
        message = await socket.receive_json_from(timeout=RECEIVE_TIMEOUT)
        assert message["notification"]["id"] == rows[alice.pk].id
        assert message["unread"] == 2
    message = await bob_socket.receive_json_from(timeout=RECEIVE_TIMEOUT)
    assert message["notification"]["id"] == rows[bob.pk].id
    assert message["unread"] == 1
    for socket in [*alice_tabs, bob_socket]:
        assert await socket.receive_nothing(timeout=0.2)


def notify_once(users, title: str) -> dict:
    with transaction.atomic():
        rows = notify(recipients=users, event="case.transferred", title=title)
    return {row.recipient_id: row for row in rows}


async def test_every_recipient_of_a_large_commit_receives_it(open_socket):
    """A commit notifying 150 officers whose sockets are all on one worker pushes to every one of them.

    The sockets of one worker share one Redis queue; at channels-redis's stock capacity (100) the
    last fifty messages were dropped.
    """
    users = await database_sync_to_async(make_users)(150)
    sockets = [await open_socket(user) for user in users]

    rows = await database_sync_to_async(lambda: notify_once(users, "批量"))()

    for user, socket in zip(users, sockets):
        message = await socket.receive_json_from(timeout=RECEIVE_TIMEOUT)
        assert message["notification"]["id"] == rows[user.pk].id
        assert message["unread"] == 1


async def test_the_socket_shows_the_count_carried_by_the_event(alice, open_socket):
    """The socket forwards the unread count the publisher computed (no database read per event)."""
    socket = await open_socket(alice)
    layer = get_channel_layer()

    await group_send_many(layer, [(user_group(alice.pk), {"type": EVENT_CREATED, "notification": {"id": 9, "title": "t"}, "unread": 7})])
    assert (await socket.receive_json_from(timeout=RECEIVE_TIMEOUT))["unread"] == 7

    await layer.group_send(user_group(alice.pk), {"type": EVENT_READ, "unread": 4})
    assert await socket.receive_json_from(timeout=RECEIVE_TIMEOUT) == {"type": "unread", "unread": 4}


async def test_batch_with_empty_groups_and_repeated_groups(alice, bob, open_socket):
    """Groups without sockets are skipped; two messages to the same group both arrive, in order."""
    socket = await open_socket(alice)
    layer = get_channel_layer()
    messages = [
        (user_group(999_999), {"type": EVENT_CREATED, "notification": {"id": 1}, "unread": 1}),
        (user_group(alice.pk), {"type": EVENT_CREATED, "notification": {"id": 2}, "unread": 1}),
        (user_group(bob.pk), {"type": EVENT_CREATED, "notification": {"id": 3}, "unread": 1}),
        (user_group(alice.pk), {"type": EVENT_CREATED, "notification": {"id": 4}, "unread": 2}),
    ]

    await group_send_many(layer, messages)

    received = [await socket.receive_json_from(timeout=RECEIVE_TIMEOUT) for _ in range(2)]
    assert [(m["notification"]["id"], m["unread"]) for m in received] == [(2, 1), (4, 2)]
    assert await socket.receive_nothing(timeout=0.2)


async def test_a_channel_past_the_group_expiry_is_dropped_from_the_group_and_not_sent_to():
    """As channels-redis's group_send: a member older than the group expiry (a worker that died without
    leaving its groups) is removed, and only the live member's queue gets the message."""
    layer = get_channel_layer()
    if not isinstance(layer, RedisChannelLayer):
        pytest.skip("group expiry is the Redis channel layer's: make test-services (REDIS_URL)")
    live, dead = await layer.new_channel(), await layer.new_channel("specific.gone")
    await layer.group_add("user.1", live)
    group = layer._group_key("user.1")
    await layer.connection(0).zadd(group, {dead: time.time() - layer.group_expiry - 60})

    await group_send_many(layer, [("user.1", {"type": EVENT_READ, "unread": 3})])

    assert (await asyncio.wait_for(layer.receive(live), timeout=RECEIVE_TIMEOUT))["unread"] == 3
    assert await layer.connection(0).zrange(group, 0, -1) == [live.encode()]
    assert await layer.connection(0).zcard(layer.prefix + layer.non_local_name(dead)) == 0
