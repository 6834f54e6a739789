"""The Redis channel layer of channels-redis, with a connection pool that waits instead of failing.

channels-redis builds redis-py's default pool, which holds at most 100 connections and raises
`MaxConnectionsError` at once when a 101st is asked for. Every socket that opens or closes does a
`group_add` or `group_discard` on a pooled connection, so a reconnect storm (a worker restarts and
its 1,000 browsers come back within a second) failed handshakes. Here a request for a connection
waits for a free one (`BlockingConnectionPool`, up to `timeout` seconds).

The settings give each host its address, the pool's size (`max_connections`), the wait (`timeout`)
and the read timeout of its connections (`socket_timeout`, longer than the layer's 5 s blocking pop).
"""

from __future__ import annotations

from channels_redis.core import RedisChannelLayer as StockRedisChannelLayer
from redis.asyncio import BlockingConnectionPool


class RedisChannelLayer(StockRedisChannelLayer):
    def create_pool(self, index: int) -> BlockingConnectionPool:
        host = dict(self.hosts[index])
        if "address" not in host:
            raise ValueError("notifications.layers.RedisChannelLayer needs each host as {'address': 'redis://…', …}")
        return BlockingConnectionPool.from_url(host.pop("address"), **host)
