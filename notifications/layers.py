"""The Redis channel layer of channels-redis, with a waiting connection pool and batched receiving.

Waiting pool: channels-redis builds redis-py's default pool, which holds at most 100 connections
and raises `MaxConnectionsError` at once when a 101st is asked for. Every socket that opens or
closes does a `group_add` or `group_discard` on a pooled connection, so a reconnect storm (a worker
restarts and its 1,000 browsers come back within a second) failed handshakes. Here a request for a
connection waits for a free one (`BlockingConnectionPool`, up to `timeout` seconds).

Batched receiving: all the sockets of one daphne worker share one Redis queue
(`specific.<worker>!`). Stock channels-redis takes one message off it per four round trips
(restore the in-flight backup, blocking pop, back the message up, clean the backup), one after the
other, so a commit notifying 500 users on one worker reached the last of them some 500 × 4 round
trips later — the bulk of the commit→browser latency measured by bench/sockets.py. Here one
blocking pop waits for the first message and one script moves up to RECEIVE_BATCH waiting ones into
the backup in the same step; all of them go to their sockets' buffers in queue order. The backup
keeps the stock guarantee: a receive cancelled half way puts its messages back at the head of the
queue for the next one.

The settings give each host its address, the pool's size (`max_connections`), the wait (`timeout`)
and the read timeout of its connections (`socket_timeout`, longer than the layer's 5 s blocking pop).
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels_redis.core import RedisChannelLayer as StockRedisChannelLayer
from redis.asyncio import BlockingConnectionPool

# Messages moved off a worker's queue per round trip (a burst larger than this takes several).
RECEIVE_BATCH = 500

# KEYS[1]: the queue, KEYS[2]: its in-flight backup; ARGV[1]: how many to take. Moves them from the
# queue to the backup (with their scores, so a restore keeps their order) and returns them.
TAKE_BATCH_LUA = """
local more = redis.call('ZPOPMIN', KEYS[1], tonumber(ARGV[1]))
for i = 1, #more, 2 do
    redis.call('ZADD', KEYS[2], more[i + 1], more[i])
end
return more
"""

# KEYS[1]: the in-flight backup; ARGV: the members delivered to the sockets' buffers.
FORGET_BATCH_LUA = """
return redis.call('ZREM', KEYS[1], unpack(ARGV))
"""


class RedisChannelLayer(StockRedisChannelLayer):
    def create_pool(self, index: int) -> BlockingConnectionPool:
        host = dict(self.hosts[index])
        if "address" not in host:
            raise ValueError("notifications.layers.RedisChannelLayer needs each host as {'address': 'redis://…', …}")
        return BlockingConnectionPool.from_url(host.pop("address"), **host)

    async def receive_single(self, channel: str) -> tuple[Any, Any]:
        """For this process's shared queue: take a batch and fill the sockets' buffers with it.

        Returns `([], None)`: the stock `receive()` then puts nothing more and finds its message (if
        the batch held one for it) in its buffer, or waits for the next batch.
        """
        if "!" not in channel:
            return await super().receive_single(channel)
        assert self.require_valid_channel_name(channel, receive=True), "Channel name invalid"
        assert channel.endswith("!")
        index = self.consistent_hash(channel)
        channel_key = self.prefix + channel
        backup_key = self._backup_channel_name(channel_key)
        await self.receive_clean_locks.acquire(channel_key)
        try:
            members = None
            while members is None:
                members = await self._take_batch(index, channel_key, backup_key)
            cleaner = asyncio.ensure_future(self._forget_batch(index, backup_key, members))
            self.receive_cleaners.append(cleaner)

            def _cleanup_done(cleaner: asyncio.Future) -> None:
                self.receive_cleaners.remove(cleaner)
                self.receive_clean_locks.release(channel_key)

            cleaner.add_done_callback(_cleanup_done)
        except BaseException:
            self.receive_clean_locks.release(channel_key)
            raise

        # No await from here on: the whole batch reaches the buffers before anyone reads them.
        # A group message for several sockets of this process is stored once, with a list of them.
        for member in members:
            message = self.deserialize(member)
            targets = message.pop("__asgi_channel__", channel)
            for target in targets if isinstance(targets, list) else [targets]:
                self.receive_buffer[target].put_nowait(message)
        return [], None

    async def _take_batch(self, index: int, channel_key: str, backup_key: str) -> list[bytes] | None:
        """The waiting messages in queue order (at least one), backed up; None when the wait timed out."""
        # Puts back what a cancelled receive left in the backup (stock channels-redis's script).
        result = await self._brpop_with_clean(index, channel_key, timeout=self.brpop_timeout)
        if result is None:
            return None
        # _brpop_with_clean backed the first message up; the script takes (and backs up) the rest.
        more = await self.connection(index).eval(TAKE_BATCH_LUA, 2, channel_key, backup_key, RECEIVE_BATCH - 1)
        return [result, *more[0::2]]

    async def _forget_batch(self, index: int, backup_key: str, members: list[bytes]) -> None:
        await self.connection(index).eval(FORGET_BATCH_LUA, 1, backup_key, *members)
