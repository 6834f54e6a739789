"""Send a batch of group messages in one go: one commit's notifications to all their recipients.

The stock `group_send` of channels-redis costs four round trips to Redis per group (expire the
group, read its members, expire each channel's queue, add the message). A commit that notifies 500
officers paid 2,000 round trips, one after the other, in the committing request. `group_send_many`
sends the same messages in two round trips per Redis host for the whole batch: one pipeline that
expires and reads every group, one Lua script that expires each channel's queue and adds its
message. The keys, the message format, the capacity and the expiry are those of the pinned
channels-redis (4.3), so its consumers receive these messages exactly as if `group_send` had sent
them; tests/notifications/test_fanout.py checks that on a real Redis.

Any other channel layer (the in-memory one of the embedded default) gets one `group_send` per
message, in the same event loop.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from typing import Any

from channels.layers import BaseChannelLayer
from channels_redis.core import RedisChannelLayer

logger = logging.getLogger(__name__)

# Messages per Lua call: keeps each script short, so Redis never blocks its other clients long.
SCRIPT_BATCH = 500

# KEYS: the channels' queues; ARGV: per key its message, its capacity and its score (the send
# time, which orders a queue), then the expiry cutoff and the queue expiry in seconds. A key may
# repeat (two groups, or two messages to one group, reaching channels of one process).
ADD_MESSAGES_LUA = """
local n = #KEYS
local cutoff = ARGV[3 * n + 1]
local expiry = ARGV[3 * n + 2]
local over_capacity = 0
for i = 1, n do
    redis.call('ZREMRANGEBYSCORE', KEYS[i], 0, cutoff)
    if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[n + i]) then
        redis.call('ZADD', KEYS[i], ARGV[2 * n + i], ARGV[i])
        redis.call('EXPIRE', KEYS[i], expiry)
    else
        over_capacity = over_capacity + 1
    end
end
return over_capacity
"""

# KEYS: groups; ARGV[1]: the expiry cutoff. Drops each group's expired members, returns the rest.
GROUP_MEMBERS_LUA = """
local members = {}
for i = 1, #KEYS do
    redis.call('ZREMRANGEBYSCORE', KEYS[i], 0, ARGV[1])
    members[i] = redis.call('ZRANGE', KEYS[i], 0, -1)
end
return members
"""

# A queue pops its lowest score first: messages of one batch (and of consecutive batches from this
# process) get strictly increasing scores, so two messages to one group arrive in the order sent.
SCORE_STEP = 1e-6
_last_score = 0.0


def _scores(count: int) -> list[float]:
    global _last_score
    start = max(time.time(), _last_score + SCORE_STEP)
    scores = [start + index * SCORE_STEP for index in range(count)]
    _last_score = scores[-1]
    return scores


async def group_send_many(layer: BaseChannelLayer, messages: list[tuple[str, dict[str, Any]]]) -> None:
    """Send each `(group, message)`; on Redis in two round trips per host for the whole batch."""
    if not messages:
        return
    if isinstance(layer, RedisChannelLayer):
        await _redis_group_send_many(layer, messages)
        return
    for group, message in messages:
        await layer.group_send(group, message)


async def _redis_group_send_many(layer: RedisChannelLayer, messages: list[tuple[str, dict[str, Any]]]) -> None:
    members = await _group_members(layer, [group for group, _ in messages])

    # Each message to the queue of every channel in its group, bucketed by the host of the queue.
    keys: dict[int, list[bytes | str]] = defaultdict(list)
    payloads: dict[int, list[bytes]] = defaultdict(list)
    capacities: dict[int, list[int]] = defaultdict(list)
    for (_, message), channel_names in zip(messages, members):
        if not channel_names:
            continue
        by_host, key_message, key_capacity = layer._map_channel_keys_to_connection(channel_names, message)
        for index, channel_keys in by_host.items():
            for key in channel_keys:
                keys[index].append(key)
                payloads[index].append(key_message[key])
                capacities[index].append(key_capacity[key])

    for index, host_keys in keys.items():
        connection = layer.connection(index)
        scores = _scores(len(host_keys))
        for start in range(0, len(host_keys), SCRIPT_BATCH):
            batch = slice(start, start + SCRIPT_BATCH)
            over = await connection.eval(
                ADD_MESSAGES_LUA,
                len(host_keys[batch]),
                *host_keys[batch],
                *payloads[index][batch],
                *capacities[index][batch],
                *scores[batch],
                int(time.time()) - int(layer.expiry),
                layer.expiry,
            )
            if over:
                logger.warning("%s of %s channel queues over capacity; those messages were dropped", over, len(host_keys))


async def _group_members(layer: RedisChannelLayer, groups: list[str]) -> list[list[str]]:
    """The channel names in each group (expired members dropped first), in the order of `groups`."""
    by_host: dict[int, list[int]] = defaultdict(list)
    for position, group in enumerate(groups):
        assert layer.require_valid_group_name(group), "Group name not valid"
        by_host[layer.consistent_hash(group)].append(position)

    members: list[list[str]] = [[] for _ in groups]
    cutoff = int(time.time()) - layer.group_expiry
    for index, positions in by_host.items():
        connection = layer.connection(index)
        for start in range(0, len(positions), SCRIPT_BATCH):
            batch = positions[start:start + SCRIPT_BATCH]
            keys = [layer._group_key(groups[position]) for position in batch]
            for position, names in zip(batch, await connection.eval(GROUP_MEMBERS_LUA, len(keys), *keys, cutoff)):
                members[position] = [name.decode("utf8") for name in names]
    return members
