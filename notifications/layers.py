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

One pump a worker: stock channels-redis has every waiting socket race for a lock to be the one that
reads the shared queue, each wait two new tasks and an `asyncio.wait` on both, cancelled and made
again for every message — most of a worker's time when a commit reaches its 500 sockets at once.
Here one task of the worker's event loop (`_Pump`) takes the batches while any socket waits, and a
socket only waits on its own buffer. When the pump fails (Redis gone), each waiting socket's receive
raises its error, as the stock receive did to the socket that held the lock: the socket closes, the
browser reconnects and replays what it missed from the database.

The settings give each host its address, the pool's size (`max_connections`), the wait (`timeout`)
and the read timeout of its connections (`socket_timeout`, longer than the layer's 5 s blocking pop).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
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


@dataclass(eq=False)
class _Pump:
    """The task taking batches off one process queue for the sockets waiting on it, in one event loop."""

    loop: asyncio.AbstractEventLoop
    waiting: set[str] = field(default_factory=set)  # the channels whose receive waits for a message
    task: asyncio.Task = field(init=False)


@dataclass(frozen=True)
class _PumpFailed:
    """Put in a waiting channel's buffer when the pump failed: its receive raises `error`."""

    error: BaseException


class RedisChannelLayer(StockRedisChannelLayer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pumps: dict[str, _Pump] = {}  # process queue (`specific.<worker>!`) → its pump

    def create_pool(self, index: int) -> BlockingConnectionPool:
        host = dict(self.hosts[index])
        if "address" not in host:
            raise ValueError("notifications.layers.RedisChannelLayer needs each host as {'address': 'redis://…', …}")
        return BlockingConnectionPool.from_url(host.pop("address"), **host)

    async def receive(self, channel: str) -> dict[str, Any]:
        """For a channel of this process: wait on its buffer while the process queue's pump fills it."""
        if "!" not in channel:
            return await super().receive(channel)
        assert self.require_valid_channel_name(channel), "Channel name not valid"
        queue = self.non_local_name(channel)
        assert queue.endswith(self.client_prefix + "!"), "Wrong client prefix"
        buffer = self.receive_buffer[channel]
        if buffer.empty():
            pump = self._pump(queue)
            pump.waiting.add(channel)
            try:
                message = await buffer.get()
            except asyncio.CancelledError:
                # The socket is going away: what its buffer holds goes with it (as in the stock receive).
                if self.receive_buffer.get(channel) is buffer:
                    del self.receive_buffer[channel]
                raise
            finally:
                pump.waiting.discard(channel)
        else:
            message = buffer.get_nowait()
        if buffer.empty() and self.receive_buffer.get(channel) is buffer:
            del self.receive_buffer[channel]
        if isinstance(message, _PumpFailed):
            raise message.error
        return message

    def _pump(self, queue: str) -> _Pump:
        """The running loop's pump for `queue`, started when none runs (or the last one ran in another loop)."""
        loop = asyncio.get_running_loop()
        pump = self._pumps.get(queue)
        if pump is None or pump.loop is not loop or pump.task.done():
            pump = self._pumps[queue] = _Pump(loop)
            pump.task = loop.create_task(self._pump_batches(queue, pump))
        return pump

    async def _pump_batches(self, queue: str, pump: _Pump) -> None:
        """Batches while any socket waits. With none left it stops after its current take (within the
        blocking pop's timeout): the layer never cancels it in the middle of one (only the end of its
        event loop does), so what it pops reaches the buffers."""
        try:
            while pump.waiting:
                await self._receive_batch(queue)
        except Exception as error:  # each waiting socket's receive raises it; the next receive starts a pump
            for channel in pump.waiting:
                self.receive_buffer[channel].put_nowait(_PumpFailed(error))
        finally:
            if self._pumps.get(queue) is pump:
                del self._pumps[queue]

    async def _receive_batch(self, queue: str) -> None:
        """Take a batch off the process queue (waiting up to the blocking pop's timeout for its first
        message) and put each message in its socket's buffer, in queue order."""
        index = self.consistent_hash(queue)
        channel_key = self.prefix + queue
        backup_key = self._backup_channel_name(channel_key)
        await self.receive_clean_locks.acquire(channel_key)
        try:
            members = await self._take_batch(index, channel_key, backup_key)
        except BaseException:
            self.receive_clean_locks.release(channel_key)
            raise
        if members is None:
            self.receive_clean_locks.release(channel_key)
            return
        # The next take (whose first step puts the backup back in the queue) waits for this cleaner.
        cleaner = asyncio.ensure_future(self._forget_batch(index, backup_key, members))
        self.receive_cleaners.append(cleaner)

        def _cleanup_done(cleaner: asyncio.Future) -> None:
            self.receive_cleaners.remove(cleaner)
            self.receive_clean_locks.release(channel_key)

        cleaner.add_done_callback(_cleanup_done)
        # A group message for several sockets of this process is stored once, with a list of them.
        for member in members:
            message = self.deserialize(member)
            targets = message.pop("__asgi_channel__", queue)
            for target in targets if isinstance(targets, list) else [targets]:
                self.receive_buffer[target].put_nowait(message)

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
