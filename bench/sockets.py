#!/usr/bin/env python
"""Websocket scale on two daphne workers (PostgreSQL + Redis): latency, losses, memory, handshake storm.

Starts two daphne processes on a scratch database and a private Redis key prefix, signs in N users
(one session each, stored in the database), opens one socket per user — half on each worker — and
then measures, in the same run:

- commit→socket latency: a commit notifies all N users (`notifications.services.notify_many`, the
  real publish path: stored, pushed after commit); each socket's receive time minus the commit time
  (taken by an on-commit hook registered before the publish). Rounds alternate between the batched
  publish (`notifications.fanout.group_send_many`) and the baseline, stock channels-redis
  `group_send` per recipient in the same publish path. Per way: p50/p95/p99 of every message, the
  time until the last socket has its message (fan-out), the time the committing request waits, and
  messages lost (not received within --wait seconds; expected N a round);
- commit→socket latency of everyday commits: with all N sockets open, `--commits` commits one after
  the other (`--gap` seconds apart), each notifying `--recipients` users drawn at random — a handoff
  tells its receiving officers, not the whole city. Commits alternate between the two ways as above;
  per way: p50/p95/p99 of every message, the time the committing request waits, messages lost;
- idle socket memory: RSS of the two daphne processes before and after opening the N sockets
  (after warm-up sockets have loaded the websocket code), divided by N;
- handshake storm: the N sockets closed, then N connecting at the same moment, each with
  `?since=<last id it received>` as the browser reconnects (so each also runs the replay query,
  which finds nothing new); how many are accepted within daphne's handshake timeout (5 s), how
  long the accepted handshakes took (p50/p95/max) and how long the storm takes.

    .venv/bin/python bench/sockets.py --database-url postgres://postgres@127.0.0.1:5432/lianban_bench_sockets \\
        --redis-url redis://127.0.0.1:6379/0 --sockets 1000

The database is dropped and re-created (never point it at one you care about); the Redis keys live
under a random prefix and are deleted afterwards. With --on instead of --database-url the sockets are
those of the officers of a database bench/datagen.py made (100k or 1M cases, with their notifications):
the first N officers sign in (where there are fewer, they sign in again in turn, as more tabs), and the
run's sessions and notifications are deleted afterwards.

    .venv/bin/python bench/sockets.py --on postgres://postgres@127.0.0.1:5432/lianban_datagen_1000000 --sockets 1000

The clients run in this process (one asyncio loop), on the same machine as the workers: the latencies
include their share of the CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import resource
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._scratch import percentile, scratch_django  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DAPHNE = Path(sys.executable).parent / "daphne"
HANDSHAKE_TIMEOUT = 5.0  # daphne's --websocket_handshake_timeout default
OPEN_BATCH = 50  # sockets opened at a time outside the storm
EVENT = "bench.sockets"  # the event of every notification the bench publishes


@dataclass
class Worker:
    name: str
    port: int
    process: subprocess.Popen

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")


@dataclass
class Client:
    """One user's tab: its session, the worker it is on, its socket and what it received."""

    user_id: int
    session: str
    worker: Worker
    socket: object = None
    received: dict[int, float] = field(default_factory=dict)  # round → receive time (time.time())
    last_id: int = 0  # the newest notification id received (the browser's ?since= on reconnect)
    handshake_seconds: float | None = None  # the last successful handshake's duration
    reader: asyncio.Task | None = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def raise_open_file_limit(sockets: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = max(soft, min(hard, sockets * 3 + 1000))  # both ends of each socket live on this machine
    if wanted > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    if wanted < sockets * 2 + 200:
        raise SystemExit(f"open-file limit {hard} is too low for {sockets} sockets; raise `ulimit -Hn`")


def start_workers(count: int, env: dict[str, str]) -> list[Worker]:
    workers = []
    for index in range(count):
        port = free_port()
        process = subprocess.Popen(
            [str(DAPHNE), "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        workers.append(Worker("AB"[index] if count <= 2 else str(index), port, process))
    deadline = time.monotonic() + 120
    for worker in workers:
        while True:
            if worker.process.poll() is not None:
                raise SystemExit(f"daphne {worker.name} exited:\n{worker.process.stderr.read()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{worker.port}/healthz", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"daphne {worker.name} not healthy within 120 s")
            time.sleep(0.3)
    return workers


def stop_workers(workers: list[Worker]) -> list[str]:
    for worker in workers:
        worker.process.terminate()
    logs = []
    for worker in workers:
        try:
            _, err = worker.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            _, err = worker.process.communicate()
        logs.append(err or "")
    return logs


def make_users(count: int) -> list[tuple[int, str]]:
    """`count` users, each with a stored session (as after logging in): [(user id, session key)]."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    User.objects.bulk_create([User(username=f"bench_socket_{n:05d}", password="!") for n in range(count)])
    return signed_in(list(User.objects.filter(username__startswith="bench_socket_").order_by("pk")))


def officers_signed_in(count: int) -> list[tuple[int, str]]:
    """On a generated database: `count` sessions of its officers, the first by user id, each signed in
    once; where it has fewer officers (589 at 100k cases), they sign in again in turn, as officers with
    more than one tab open."""
    from django.contrib.auth import get_user_model

    officers = list(get_user_model().objects.filter(officer__isnull=False).order_by("pk")[:count])
    return signed_in([officers[n % len(officers)] for n in range(count)])


def forget_run(sessions: list[tuple[int, str]]) -> None:
    """What a run on a generated database left in it: its sessions and the notifications it published."""
    from django.contrib.sessions.models import Session

    from notifications.models import Notification

    Session.objects.filter(session_key__in=[key for _, key in sessions]).delete()
    Notification.objects.filter(event=EVENT).delete()


def signed_in(users) -> list[tuple[int, str]]:
    """A stored session for each user (as after logging in): [(user id, session key)]."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    sessions = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "agencies.backends.OfficerBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append((user.pk, store.session_key))
    return sessions


async def open_socket(client: Client, *, timeout: float, since: bool = False) -> bool:
    from websockets.asyncio.client import connect

    query = f"?since={client.last_id}" if since else ""
    started = time.monotonic()
    try:
        client.socket = await connect(
            f"ws://127.0.0.1:{client.worker.port}/ws/notifications/{query}",
            origin=f"http://127.0.0.1:{client.worker.port}",
            additional_headers={"Cookie": f"sessionid={client.session}"},
            proxy=None, open_timeout=timeout, ping_interval=None, compression=None, close_timeout=2,
        )
    except Exception:  # noqa: BLE001 — a refused or timed-out handshake is what we count
        client.socket = None
        return False
    client.handshake_seconds = time.monotonic() - started
    client.reader = asyncio.create_task(read(client))
    return True


async def read(client: Client) -> None:
    try:
        async for text in client.socket:
            now = time.time()
            message = json.loads(text)
            if message.get("type") == "notification":
                client.last_id = max(client.last_id, int(message["notification"]["id"]))
                client.received.setdefault(int(message["notification"]["title"].rsplit("#", 1)[1]), now)
    except Exception:  # noqa: BLE001 — a closed socket ends its reader; the losses show it
        pass


async def close_all(clients: list[Client]) -> None:
    await asyncio.gather(*(c.socket.close() for c in clients if c.socket is not None), return_exceptions=True)
    for client in clients:
        if client.reader is not None:
            client.reader.cancel()
        client.socket = client.reader = None


async def open_gradually(clients: list[Client]) -> int:
    opened = 0
    for start in range(0, len(clients), OPEN_BATCH):
        results = await asyncio.gather(*(open_socket(c, timeout=30) for c in clients[start:start + OPEN_BATCH]))
        opened += sum(results)
    return opened


def stock_group_send(layer, messages) -> object:
    """The baseline: channels-redis `group_send` per recipient, one after the other."""

    async def send():
        for group, message in messages:
            await layer.group_send(group, message)

    return send()


def publish_round(round_number: int, recipient_ids: list[int], batched: bool, title: str) -> tuple[float, float]:
    """Notify every recipient in one commit; returns (commit time, publish done time), time.time().

    Runs in a thread of `publish`, so the push after commit goes back to this process's event loop as
    a view's does to daphne's (asgiref's `async_to_sync` inside `sync_to_async`)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    import notifications.services as services
    from notifications.fanout import group_send_many

    services.group_send_many = group_send_many if batched else stock_group_send
    users = list(get_user_model().objects.filter(pk__in=recipient_ids))
    stamp: dict[str, float] = {}
    with transaction.atomic():
        transaction.on_commit(lambda: stamp.setdefault("commit", time.time()))  # runs before the publish
        services.notify_many([services.Message(recipients=users, event=EVENT, title=f"{title}#{round_number}")])
    done = time.time()
    services.group_send_many = group_send_many
    return stamp["commit"], done


@dataclass
class RoundResult:
    way: str
    latencies_ms: list[float]
    fanout_ms: float
    publish_ms: float
    lost: int


def way(batched: bool) -> str:
    return "group_send_many" if batched else "stock group_send"


async def publish(round_number: int, recipients: list[Client], batched: bool, title: str) -> tuple[float, float]:
    from asgiref.sync import sync_to_async

    ids = [c.user_id for c in recipients]
    return await sync_to_async(publish_round, thread_sensitive=False)(round_number, ids, batched, title)


async def arrived(round_number: int, recipients: list[Client], wait: float) -> None:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and not all(round_number in c.received for c in recipients):
        await asyncio.sleep(0.02)


def round_result(round_number: int, recipients: list[Client], batched: bool, commit: float, done: float) -> RoundResult:
    arrivals = [c.received[round_number] for c in recipients if round_number in c.received]
    return RoundResult(
        way=way(batched),
        latencies_ms=[(t - commit) * 1000 for t in arrivals],
        fanout_ms=(max(arrivals) - commit) * 1000 if arrivals else float("nan"),
        publish_ms=(done - commit) * 1000,
        lost=len(recipients) - len(arrivals),
    )


async def run_rounds(clients: list[Client], rounds: int, wait: float) -> list[RoundResult]:
    """One commit to every open socket's user a round, the next round when all have it (or `wait`)."""
    live = [c for c in clients if c.socket is not None]
    results = []
    for round_number in range(2 * rounds + 2):  # the first two warm both ways up
        batched = round_number % 2 == 0
        commit, done = await publish(round_number, live, batched, title="广播")
        await arrived(round_number, live, wait)
        if round_number >= 2:
            results.append(round_result(round_number, live, batched, commit, done))
        await asyncio.sleep(0.5)
    return results


FIRST_COMMIT = 1_000_000  # everyday commits are numbered after the broadcast rounds


@dataclass(frozen=True)
class Everyday:
    """The everyday commits: how many (both ways together), to how many users each, how far apart."""

    commits: int
    recipients: int
    gap: float
    seed: int


async def run_commits(clients: list[Client], everyday: Everyday, wait: float) -> list[RoundResult]:
    """Everyday commits one after the other, each to a few users drawn at random; every socket open."""
    live = [c for c in clients if c.socket is not None]
    rng = random.Random(everyday.seed)
    sent = []
    for index in range(everyday.commits + 2):  # the first two warm both ways up
        batched = index % 2 == 0
        chosen = rng.sample(live, min(everyday.recipients, len(live)))
        commit, done = await publish(FIRST_COMMIT + index, chosen, batched, title="通知")
        if index >= 2:
            sent.append((FIRST_COMMIT + index, chosen, batched, commit, done))
        await asyncio.sleep(everyday.gap)
    for number, chosen, *_ in sent:
        await arrived(number, chosen, wait)
    return [round_result(number, chosen, batched, commit, done) for number, chosen, batched, commit, done in sent]


async def storm(clients: list[Client]) -> tuple[int, float, list[float]]:
    """All clients reconnect at once, each with ?since=<its last id>: (accepted, seconds, handshake seconds)."""
    for client in clients:
        client.handshake_seconds = None
    start = time.monotonic()
    results = await asyncio.gather(*(open_socket(c, timeout=HANDSHAKE_TIMEOUT, since=True) for c in clients))
    took = [c.handshake_seconds for c, ok in zip(clients, results) if ok]
    return sum(results), time.monotonic() - start, took


async def bench(workers: list[Worker], sessions: list[tuple[int, str]], rounds: int, wait: float,
                everyday: Everyday) -> dict:
    clients = [Client(user_id, key, workers[index % len(workers)]) for index, (user_id, key) in enumerate(sessions)]
    report: dict = {}

    warm = clients[: 10 * len(workers)]  # loads the websocket code path in each worker before measuring
    assert await open_gradually(warm) == len(warm), "warm-up sockets refused"
    await close_all(warm)
    await asyncio.sleep(2)
    rss_before = {w.name: w.rss_kb() for w in workers}

    started = time.monotonic()
    report["opened"] = await open_gradually(clients)
    report["open_seconds"] = time.monotonic() - started
    await asyncio.sleep(3)
    rss_after = {w.name: w.rss_kb() for w in workers}
    report["rss_before_kb"], report["rss_after_kb"] = rss_before, rss_after
    report["idle_kb_per_socket"] = (sum(rss_after.values()) - sum(rss_before.values())) / max(1, report["opened"])

    report["commits"] = await run_commits(clients, everyday, wait)
    report["rounds"] = await run_rounds(clients, rounds, wait)
    report["lost_detail"] = [
        (r.way, r.lost) for r in report["rounds"] if r.lost
    ]

    await close_all(clients)
    await asyncio.sleep(5)  # let the workers finish the disconnects
    for client in clients:
        client.received.clear()
    report["storm_ok"], report["storm_seconds"], report["storm_handshakes"] = await storm(clients)
    await close_all(clients)
    return report


def pct(samples: list[float], q: float) -> float:
    return percentile(samples, q) if samples else float("nan")


def latency_table(results: list[RoundResult], unit: str) -> tuple[list[str], dict[str, float]]:
    """Per way: p50/p95/p99 of every message, the last socket's p50, the request's wait, the losses."""
    lines = [
        f"| publish | {unit} | p50 ms | p95 ms | p99 ms | fan-out p50 ms (last socket) | request waits p50 ms | lost |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    fanout: dict[str, float] = {}
    for name in (way(True), way(False)):
        mine = [r for r in results if r.way == name]
        latencies = [ms for r in mine for ms in r.latencies_ms]
        fanout[name] = pct([r.fanout_ms for r in mine], 50)
        expected = sum(len(r.latencies_ms) + r.lost for r in mine)
        lines.append(
            f"| {name} | {len(mine)} | {pct(latencies, 50):.1f} | {pct(latencies, 95):.1f} | "
            f"{pct(latencies, 99):.1f} | {fanout[name]:.1f} | {pct([r.publish_ms for r in mine], 50):.1f} | "
            f"{sum(r.lost for r in mine)} of {expected} |"
        )
    return lines, fanout


def summarize(report: dict, sockets: int, users: int, workers: int, everyday: Everyday) -> str:
    """The run's tables; `users` signed in on the `sockets` (fewer when some hold a second tab: --on 100k)."""
    whose = f"{users} users" if users == sockets else f"{users} users on {sockets} sockets"
    lines = [f"{report['opened']} of {sockets} sockets open over {workers} daphne workers, {whose} "
             f"(opened {OPEN_BATCH} at a time in {report['open_seconds']:.1f} s)\n"]
    lines.append(f"Everyday commits, each to the users of {everyday.recipients} of the {report['opened']} sockets, "
                 f"{everyday.gap * 1000:.0f} ms apart:\n")
    lines += latency_table(report["commits"], "commits")[0]
    lines.append(f"\nOne commit to every open socket's user ({whose}) a round:\n")
    table, fanout = latency_table(report["rounds"], "rounds")
    lines += table
    lines.append(f"\nfan-out speed-up (stock ÷ batched, last socket p50): {fanout['stock group_send'] / fanout['group_send_many']:.2f}×")
    before, after = report["rss_before_kb"], report["rss_after_kb"]
    lines.append(f"idle sockets: RSS {before} KB → {after} KB; {report['idle_kb_per_socket']:.1f} KB per socket")
    took = [seconds * 1000 for seconds in report["storm_handshakes"]]
    lines.append(f"handshake storm (?since=<last id>): {report['storm_ok']} of {sockets} accepted within "
                 f"{HANDSHAKE_TIMEOUT:.0f} s; accepted handshakes p50 {pct(took, 50):.0f} ms, p95 {pct(took, 95):.0f} ms, "
                 f"max {max(took, default=float('nan')):.0f} ms; all settled in {report['storm_seconds']:.2f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--database-url", help="PostgreSQL database to drop, re-create and drop again")
    where.add_argument("--on", metavar="DATABASE_URL",
                       help="a database bench/datagen.py made: its officers' sockets (kept; the run's sessions and notifications are deleted after it)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds per way (default 5)")
    parser.add_argument("--wait", type=float, default=10.0, help="seconds a round waits for every message (default 10)")
    parser.add_argument("--commits", type=int, default=400, help="everyday commits, both ways together (default 400)")
    parser.add_argument("--recipients", type=int, default=5, help="users an everyday commit notifies (default 5)")
    parser.add_argument("--gap", type=float, default=0.05, help="seconds between everyday commits (default 0.05)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the draw of each everyday commit's users (default 0)")
    args = parser.parse_args(argv)
    raise_open_file_limit(args.sockets)
    everyday = Everyday(args.commits, args.recipients, args.gap, args.seed)

    prefix = f"lianban-bench-sockets-{uuid.uuid4().hex[:8]}"
    with database(args):
        # `database` set this process up on the in-memory layer; the workers and the publisher
        # here share the Redis layer, configured exactly as config/settings.py does for REDIS_URL.
        os.environ["REDIS_URL"] = args.redis_url
        os.environ["LIANBAN_CHANNEL_PREFIX"] = prefix
        from django.conf import settings

        settings.CHANNEL_LAYERS = runpy.run_module("config.settings")["CHANNEL_LAYERS"]
        sessions = officers_signed_in(args.sockets) if args.on else make_users(args.sockets)
        env = {**os.environ, "DATABASE_URL": args.on or args.database_url, "LIANBAN_LOG_LEVEL": "WARNING"}
        workers = start_workers(args.workers, env)
        try:
            report = asyncio.run(bench(workers, sessions, args.rounds, args.wait, everyday))
            print({key: value for key, value in report.items() if key not in ("rounds", "commits", "storm_handshakes")}, file=sys.stderr)
            for result in report["rounds"]:
                print(result.way, len(result.latencies_ms), f"fan-out {result.fanout_ms:.0f} ms, request {result.publish_ms:.0f} ms, lost {result.lost}", file=sys.stderr)
        finally:
            logs = stop_workers(workers)
            cleanup_redis(args.redis_url, prefix)
            if args.on:
                forget_run(sessions)
    print(f"bench/sockets.py — {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, {args.sockets} sockets, {args.workers} daphne workers, {args.rounds} rounds per way, "
          f"{args.commits} everyday commits, on {'the generated database ' + args.on.rsplit('/', 1)[-1] if args.on else 'a scratch database'}")
    print(summarize(report, args.sockets, len({user_id for user_id, _ in sessions}), args.workers, everyday))
    errors = [line for log in logs for line in log.splitlines() if "Error" in line or "Traceback" in line or "WARNING" in line]
    if errors:
        print(f"\nworker log lines with errors/warnings ({len(errors)}), first ten:")
        print("\n".join(errors[:10]))


@contextlib.contextmanager
def database(args):
    """Django set up on a scratch database (`--database-url`, dropped after) or a generated one (`--on`)."""
    if args.on:
        from bench.lists import setup

        setup(args.on)
        yield
        return
    with scratch_django(database_url=args.database_url) as scratch:
        if scratch.vendor != "postgresql":
            raise SystemExit("bench/sockets.py needs PostgreSQL (--database-url postgres://…)")
        yield


def cleanup_redis(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start:start + 500])


if __name__ == "__main__":
    main()
