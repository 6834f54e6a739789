#!/usr/bin/env python
"""Notification fan-out on Redis: one commit's messages to N recipients, batched against stock.

Each recipient has one channel in its own group (`user.<id>`), as a browser tab's consumer does,
all of them in this one process (like the sockets of one daphne worker: channels-redis multiplexes
their reads over one blocking pop). A round sends one message to every group and waits until every
channel has received it. Three ways of sending, measured in the same run, rounds interleaved:

- `stock serial`: `group_send` per recipient, one after the other — what `publish()` did before;
- `stock gathered`: the same `group_send`s run concurrently in one event loop (asyncio.gather, at
  most GATHER_LIMIT at a time: unbounded, 500 of them exhaust the connection pool and fail with
  redis' MaxConnectionsError);
- `group_send_many`: notifications.fanout, two round trips per Redis host for the whole batch.

    .venv/bin/python bench/fanout.py --redis-url redis://127.0.0.1:6379/0 --recipients 500 --rounds 20

The keys live under a random prefix and are deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._scratch import percentile  # noqa: E402


GATHER_LIMIT = 32


def configure(redis_url: str, prefix: str) -> None:
    os.environ.setdefault("LIANBAN_DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["REDIS_URL"] = redis_url
    os.environ["LIANBAN_CHANNEL_PREFIX"] = prefix
    import django

    django.setup()


async def run(recipients: int, rounds: int) -> dict[str, list[float]]:
    from channels.layers import get_channel_layer

    from notifications.fanout import group_send_many

    layer = get_channel_layer()
    channels = [await layer.new_channel() for _ in range(recipients)]
    groups = [f"user.{index}" for index in range(recipients)]
    for group, channel in zip(groups, channels):
        await layer.group_add(group, channel)

    async def stock_serial(messages):
        for group, message in messages:
            await layer.group_send(group, message)

    gate = asyncio.Semaphore(GATHER_LIMIT)

    async def gated_send(group, message):
        async with gate:
            await layer.group_send(group, message)

    async def stock_gathered(messages):
        await asyncio.gather(*(gated_send(group, message) for group, message in messages))

    async def batched(messages):
        await group_send_many(layer, messages)

    ways = {"stock serial": stock_serial, "stock gathered": stock_gathered, "group_send_many": batched}
    times: dict[str, list[float]] = {name: [] for name in ways}
    send_times: dict[str, list[float]] = {name: [] for name in ways}
    for round_number in range(rounds + 1):  # round 0 warms up every way
        for name, send in ways.items():
            messages = [(group, {"type": "notification.created", "round": round_number, "n": index})
                        for index, group in enumerate(groups)]
            t0 = time.perf_counter()
            await send(messages)
            sent = time.perf_counter() - t0
            received = await asyncio.gather(*(layer.receive(channel) for channel in channels))
            elapsed = time.perf_counter() - t0
            assert [message["n"] for message in received] == list(range(recipients)), f"{name}: wrong delivery"
            if round_number:
                times[name].append(elapsed)
                send_times[name].append(sent)
    await layer.flush()
    return times, send_times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--recipients", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    configure(args.redis_url, f"lianban-bench-{uuid.uuid4().hex[:10]}")
    times, send_times = asyncio.run(run(args.recipients, args.rounds))

    print(f"# fan-out to {args.recipients} recipients on Redis, {args.rounds} rounds each "
          f"(Python {platform.python_version()}, {platform.machine()})")
    print("'send' is what the committing request waits for; 'delivered' ends when every channel has its message.")
    print("| way | send p50 ms | send p95 ms | delivered p50 ms | delivered p95 ms | messages/s (delivered p50) | vs stock serial (delivered) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    base = percentile(times["stock serial"], 50)
    for name, samples in times.items():
        p50, p95 = percentile(samples, 50), percentile(samples, 95)
        s50, s95 = percentile(send_times[name], 50), percentile(send_times[name], 95)
        print(f"| {name} | {s50 * 1000:.1f} | {s95 * 1000:.1f} | {p50 * 1000:.1f} | {p95 * 1000:.1f} "
              f"| {args.recipients / p50:,.0f} | {base / p50:.1f}× |")


if __name__ == "__main__":
    main()
