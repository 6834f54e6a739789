#!/usr/bin/env python
"""The deadline worker's throughput: N overdue clocks fired by `manage.py run_clocks --once`, each exactly once.

Loads the demo city into a scratch database, stores --clocks overdue clocks (bulk insert, no
per-row work, like tests/casework/test_clock_workers.py) and runs the real worker command in 1 and
then 2 subprocesses side by side over a fresh set each time; checks that every clock was breached
once (one `clock.breached` audit event, one 超期督办 process with its head's task, one notification
per head) and, after the runs, that every audit event is sealed into one chain that verifies
(`audit_verify`, not timed), and prints deadlines/s. The baseline in the same run is a bare claim
loop over the same number of rows: `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT
batch)` plus one audit-sized insert per row, with the same batch size and 2 processes — the floor
the worker's bookkeeping (notifications, audit chain, escalation process and task) sits on.

    .venv/bin/python bench/clocks.py --database-url postgres://postgres@127.0.0.1:5432/lianban_bench_clocks \
        --redis-url redis://127.0.0.1:6379/0 --clocks 100000

The database named in --database-url is DROPPED and re-created: use a scratch name.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._scratch import scratch_django  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGET_PER_S = 100_000 / 30  # issue 8: 100k due deadlines in ≤ 30 s with 2 workers

CLAIM_LOOP = r"""
import sys, psycopg
url, batch = sys.argv[1], int(sys.argv[2])
with psycopg.connect(url) as conn:
    while True:
        with conn.transaction():
            ids = [r[0] for r in conn.execute(
                "UPDATE bench_claim SET status = 'breached', breached_at = now() WHERE id IN ("
                " SELECT id FROM bench_claim WHERE status = 'running' ORDER BY due_at, id"
                " LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING id", (batch,))]
            if ids:
                with conn.cursor() as cur:
                    cur.executemany("INSERT INTO bench_claim_audit (claim_id, verb, summary) VALUES (%s, 'clock.breached', %s)",
                                    [(i, f"已超期：批量期限{i}") for i in ids])
        if len(ids) < batch:
            break
"""


def make_due_clocks(case, count: int, tag: str) -> None:
    """`count` clocks of `case`, all past their due time (stored as they are, no per-row work)."""
    from django.utils import timezone

    from casework.models import ClockUnit, Deadline

    now = timezone.now()
    rows = []
    for n in range(count):
        started = now - timedelta(days=5, hours=12, seconds=n % 3600)
        due = started + timedelta(days=3)
        rows.append(Deadline(
            case=case, code=f"{tag}.{n}", title=f"批量期限{n}", legal_basis="《测试规定》", target_type="casework.case",
            target_id=str(case.pk), agency=case.agency, start_event="测试", url="/", started_at=started, amount=3,
            unit=ClockUnit.CALENDAR_DAYS, due_at=due, warn_at=due - timedelta(days=1), warned_at=due - timedelta(days=1),
        ))
        if len(rows) == 5000:
            Deadline.objects.bulk_create(rows)
            rows = []
    Deadline.objects.bulk_create(rows)


def run_workers(processes: int, env: dict) -> tuple[float, list[str]]:
    command = [sys.executable, "manage.py", "run_clocks", "--once"]
    t0 = time.perf_counter()
    workers = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for _ in range(processes)]
    outputs = [worker.communicate()[0] for worker in workers]
    elapsed = time.perf_counter() - t0
    failed = [out for worker, out in zip(workers, outputs) if worker.returncode != 0]
    if failed:
        raise SystemExit("run_clocks failed:\n" + "\n".join(failed))
    return elapsed, outputs


def check_exactly_once(tag: str, count: int, head) -> None:
    from agencies.models import AuditEvent
    from casework.models import Deadline, DeadlineStatus, EscalationProcess
    from notifications.models import Notification

    ids = list(Deadline.objects.filter(code__startswith=f"{tag}.").values_list("id", flat=True))
    statuses = Counter(Deadline.objects.filter(code__startswith=f"{tag}.").values_list("status", flat=True))
    assert statuses == {DeadlineStatus.BREACHED: count}, statuses
    fired = Counter(AuditEvent.objects.filter(verb="clock.breached", target_id__in=[str(i) for i in ids])
                    .values_list("target_id", flat=True))
    assert len(fired) == count and set(fired.values()) == {1}, "a clock was breached twice or not at all"
    escalations = Counter(EscalationProcess.objects.filter(deadline__code__startswith=f"{tag}.").values_list("deadline_id", flat=True))
    assert len(escalations) == count and set(escalations.values()) == {1}, "a breach opened no or two 超期督办"
    notified = Notification.objects.filter(recipient=head, event="clock.breached", title__startswith="已超期：批量期限").count()
    assert notified >= count, notified


def check_audit_chain() -> int:
    """Every event the workers wrote is sealed, and the whole chain verifies; returns its length."""
    from agencies.audit import audit_verify
    from agencies.models import AuditEvent

    unsealed = AuditEvent.objects.filter(seq__isnull=True).count()
    assert unsealed == 0, f"{unsealed} audit events left unsealed"
    problems = list(audit_verify(checkpoints=False))
    assert problems == [], problems[:5]
    return AuditEvent.objects.count()


def claim_loop_baseline(database_url: str, count: int, batch: int, processes: int) -> float:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_claim_audit, bench_claim")
        conn.execute("CREATE TABLE bench_claim (id bigserial PRIMARY KEY, status text NOT NULL, due_at timestamptz NOT NULL,"
                     " breached_at timestamptz)")
        conn.execute("CREATE INDEX ON bench_claim (status, due_at, id)")
        conn.execute("CREATE TABLE bench_claim_audit (id bigserial PRIMARY KEY, claim_id bigint NOT NULL, verb text, summary text)")
        conn.execute("INSERT INTO bench_claim (status, due_at) SELECT 'running', now() - interval '1 day' + g * interval '1 ms'"
                     " FROM generate_series(1, %s) g", (count,))
        conn.execute("ANALYZE bench_claim")
    t0 = time.perf_counter()
    workers = [subprocess.Popen([sys.executable, "-c", CLAIM_LOOP, database_url, str(batch)]) for _ in range(processes)]
    assert [w.wait() for w in workers] == [0] * processes
    elapsed = time.perf_counter() - t0
    with psycopg.connect(database_url, autocommit=True) as conn:
        left = conn.execute("SELECT count(*) FROM bench_claim WHERE status = 'running'").fetchone()[0]
        audits = conn.execute("SELECT count(*), count(DISTINCT claim_id) FROM bench_claim_audit").fetchone()
        conn.execute("DROP TABLE bench_claim_audit, bench_claim")
    assert left == 0 and audits == (count, count), (left, audits)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL scratch database (dropped and re-created)")
    parser.add_argument("--redis-url", help="Redis for the workers' channel layer (pushes after commit); default in-memory")
    parser.add_argument("--clocks", type=int, default=20_000, help="overdue clocks per run (default 20000)")
    parser.add_argument("--one-worker-clocks", type=int, help="clocks for the 1-worker run (default: --clocks)")
    parser.add_argument("--batch", type=int, help="clocks per worker transaction (default: the setting, 500)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    with scratch_django(database_url=args.database_url, keep=args.keep):
        from django.conf import settings
        from django.db import connection

        from demo.scenario import build_city
        from demo.stories import LEAD, STORIES, tell

        settings.DEBUG = False
        batch = args.batch or settings.LIANBAN_CLOCK_WORKER_BATCH
        cast = build_city()
        case = tell(STORIES[LEAD], cast)
        head = cast.user("msb_head")
        env = {**os.environ, "LIANBAN_CLOCK_WORKER_BATCH": str(batch)}
        if args.redis_url:
            env["REDIS_URL"] = args.redis_url
        rows = []
        for processes, count in [(1, args.one_worker_clocks or args.clocks), (2, args.clocks)]:
            tag = f"w{processes}"
            t0 = time.perf_counter()
            make_due_clocks(case, count, tag)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(f"{count} overdue clocks stored in {time.perf_counter() - t0:.1f} s; running {processes} worker(s)…", flush=True)
            elapsed, _ = run_workers(processes, env)
            check_exactly_once(tag, count, head)
            rows.append((f"`run_clocks --once` × {processes}", count, elapsed))
            print(f"  {count / elapsed:.0f} deadlines/s ({elapsed:.1f} s), each fired exactly once", flush=True)
        t0 = time.perf_counter()
        events = check_audit_chain()
        print(f"audit chain of {events} events sealed and verified in {time.perf_counter() - t0:.1f} s", flush=True)
        elapsed = claim_loop_baseline(args.database_url, args.clocks, batch, 2)
        rows.append(("baseline: bare `UPDATE … SKIP LOCKED` claim loop + 1 insert a row, × 2", args.clocks, elapsed))

    print(f"\n## Deadline worker throughput (PostgreSQL, batch {batch}{', Redis' if args.redis_url else ''})\n")
    print("| run | clocks | seconds | deadlines/s | 100k would take |")
    print("|---|---:|---:|---:|---:|")
    for name, count, elapsed in rows:
        print(f"| {name} | {count} | {elapsed:.1f} | {count / elapsed:.0f} | {100_000 / (count / elapsed):.0f} s |")
    two = rows[1][1] / rows[1][2]
    print(f"\ntarget: 100k in ≤ 30 s with 2 workers (≥ {TARGET_PER_S:.0f}/s): {'met' if two >= TARGET_PER_S else 'NOT met'}")


if __name__ == "__main__":
    main()
