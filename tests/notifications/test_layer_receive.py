"""A worker takes a burst off its shared Redis queue in batches: every socket gets its messages, in order, once.

One task a worker (the pump) reads the queue while any socket waits; the sockets wait on their own buffers.

Runs on the Redis channel layer (make test-services); bench/sockets.py measures the latency it saves.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from django.conf import settings

from notifications.layers import RedisChannelLayer

SOCKETS = 300


@pytest.fixture
async def layer():
    if "redis" not in settings.CHANNEL_LAYERS["default"]["BACKEND"].lower():
        pytest.skip("batched receiving is a Redis channel layer feature: make test-services (REDIS_URL)")
    config = dict(settings.CHANNEL_LAYERS["default"]["CONFIG"])
    config["prefix"] = f"lianban-test-{uuid.uuid4().hex[:12]}"
    layer = RedisChannelLayer(**config)
    yield layer
    await layer.flush()


async def receive_all(layer, channels: list[str], per_channel: int) -> dict[str, list]:
    async def take(channel):
        return [await asyncio.wait_for(layer.receive(channel), timeout=10) for _ in range(per_channel)]

    return dict(zip(channels, await asyncio.gather(*(take(channel) for channel in channels))))


async def test_a_burst_to_one_workers_sockets_arrives_complete_in_order_and_in_a_few_round_trips(layer, monkeypatch):
    channels = [await layer.new_channel() for _ in range(SOCKETS)]
    for channel in channels:  # a message to each socket, then one to a group holding all of them
        await layer.send(channel, {"type": "notification.created", "step": 0, "channel": channel})
        await layer.group_add("everyone", channel)
    await layer.group_send("everyone", {"type": "notification.read", "step": 1})  # stored once, for all 300
    takes = 0
    original = RedisChannelLayer._take_batch

    async def counted(self, *args):
        nonlocal takes
        takes += 1
        return await original(self, *args)

    monkeypatch.setattr(RedisChannelLayer, "_take_batch", counted)

    received = await receive_all(layer, channels, 2)

    assert all([m["step"] for m in messages] == [0, 1] for messages in received.values())
    assert all(messages[0]["channel"] == channel for channel, messages in received.items())
    assert takes <= 4, f"{takes} round trips to take {SOCKETS + 1} messages (stock channels-redis: one per message)"
    await layer.wait_received()
    backup = layer._backup_channel_name(layer.prefix + layer.non_local_name(channels[0]))
    assert await layer.connection(0).zcard(backup) == 0, "delivered messages left in the in-flight backup"


async def test_messages_an_interrupted_receive_left_in_flight_are_delivered_once_by_the_next(layer):
    channel = await layer.new_channel()
    queue = layer.prefix + layer.non_local_name(channel)
    await layer.send(channel, {"type": "notification.created", "n": 2})
    # A receive that took message 1 off the queue and was cancelled before it reached the socket.
    await layer.connection(0).zadd(layer._backup_channel_name(queue), {layer.serialize({"__asgi_channel__": channel, "type": "notification.created", "n": 1}): 1})

    received = await receive_all(layer, [channel], 2)

    assert [m["n"] for m in received[channel]] == [1, 2]
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(layer.receive(channel), timeout=0.5)


async def test_one_pump_reads_for_every_waiting_socket_and_stops_when_none_waits(layer):
    layer.brpop_timeout = 1  # how long an idle pump's blocking pop waits before it looks for sockets again
    channels = [await layer.new_channel() for _ in range(50)]
    waiting = [asyncio.ensure_future(layer.receive(channel)) for channel in channels]
    await asyncio.sleep(0.1)
    queue = layer.non_local_name(channels[0])
    assert len(layer._pumps) == 1 and layer._pumps[queue].waiting == set(channels)

    await layer.send(channels[7], {"type": "notification.read", "unread": 7})
    assert await asyncio.wait_for(waiting[7], timeout=5) == {"type": "notification.read", "unread": 7}
    assert not any(task.done() for index, task in enumerate(waiting) if index != 7)

    for task in waiting:
        task.cancel()
    await asyncio.gather(*waiting, return_exceptions=True)
    pump = layer._pumps[queue].task
    await asyncio.wait_for(pump, timeout=layer.brpop_timeout + 3)
    assert layer._pumps == {}, "a pump kept reading the queue with no socket waiting"

    await layer.send(channels[0], {"type": "notification.read", "unread": 1})  # a socket waits again: a new pump
    assert (await asyncio.wait_for(layer.receive(channels[0]), timeout=5))["unread"] == 1


async def test_when_the_queue_cannot_be_read_every_waiting_socket_gets_the_error_and_the_next_receive_reads_again(layer, monkeypatch):
    channels = [await layer.new_channel() for _ in range(3)]
    original = RedisChannelLayer._take_batch

    async def redis_gone(self, *args):
        raise ConnectionError("Redis 不可达")

    monkeypatch.setattr(RedisChannelLayer, "_take_batch", redis_gone)
    results = await asyncio.gather(*(asyncio.wait_for(layer.receive(c), timeout=5) for c in channels), return_exceptions=True)
    assert [type(result) for result in results] == [ConnectionError] * 3  # each socket closes; its browser replays

    monkeypatch.setattr(RedisChannelLayer, "_take_batch", original)
    await layer.send(channels[1], {"type": "notification.read", "unread": 2})
    assert (await asyncio.wait_for(layer.receive(channels[1]), timeout=5))["unread"] == 2
