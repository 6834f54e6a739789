#!/usr/bin/env python
"""文号 allocation: throughput and correctness of agencies.numbering.allocate_number under threads.

Each thread allocates numbers from one register (agency × family × year), one allocation per
transaction, like issuing a document. The register row is created by whichever thread comes
first (the others meet the unique constraint and then wait on the row lock), so the first-issue
race is exercised too. After each run the serials must be exactly 1..N: no gap, no duplicate.

    .venv/bin/python bench/numbering.py                       # PostgreSQL scratch database lianban_bench
    .venv/bin/python bench/numbering.py --sqlite              # the embedded default, for comparison
    .venv/bin/python bench/numbering.py --threads 1,4,16 --numbers 2000

The PostgreSQL database named in --database-url is DROPPED and re-created: use a scratch name.
"""

from __future__ import annotations

import argparse
import platform
import threading
import time
from datetime import date

from _scratch import percentile, scratch_django


def run(agency, *, threads: int, numbers: int, family: str, year: int) -> dict:
    from django.db import connections, transaction

    from agencies.models import DocumentRegister
    from agencies.numbering import allocate_number

    per_thread = numbers // threads
    serials: list[list[int]] = [[] for _ in range(threads)]
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []
    started = {}
    barrier = threading.Barrier(threads, action=lambda: started.setdefault("t", time.perf_counter()))

    def worker(index: int) -> None:
        try:
            barrier.wait()
            for _ in range(per_thread):
                t0 = time.perf_counter()
                with transaction.atomic():
                    number = allocate_number(agency=agency, family=family, year=year)
                latencies[index].append(time.perf_counter() - t0)
                serials[index].append(number.serial)
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started["t"]
    if errors:
        raise errors[0]

    total = per_thread * threads
    everything = sorted(s for chunk in serials for s in chunk)
    assert everything == list(range(1, total + 1)), "serials are not gapless and unique"
    for chunk in serials:  # each thread saw its own numbers strictly increasing
        assert chunk == sorted(chunk) and len(set(chunk)) == len(chunk)
    register = DocumentRegister.objects.get(agency=agency, family=family, year=year)
    assert register.last_serial == total, f"register says {register.last_serial}, {total} were allocated"
    flat = [x for chunk in latencies for x in chunk]
    return {
        "threads": threads,
        "numbers": total,
        "seconds": elapsed,
        "per_second": total / elapsed,
        "p50_ms": percentile(flat, 50) * 1000,
        "p95_ms": percentile(flat, 95) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/lianban_bench",
                        help="PostgreSQL scratch database (dropped and re-created)")
    parser.add_argument("--sqlite", action="store_true", help="use a scratch SQLite file instead of PostgreSQL")
    parser.add_argument("--threads", default="1,4,16", help="comma-separated thread counts")
    parser.add_argument("--numbers", type=int, default=2000, help="numbers allocated per run (split over the threads)")
    args = parser.parse_args()

    with scratch_django(database_url=None if args.sqlite else args.database_url) as scratch:
        from demo.scenario import build_city

        agency = build_city(password=None).agencies["zj-msb"]
        year = date.today().year
        print(f"# 文号 allocation — {scratch.vendor}, {platform.python_implementation()} {platform.python_version()}, "
              f"{args.numbers} numbers per run, one transaction per number")
        print()
        print("| database | threads | numbers | seconds | numbers/s | p50 ms | p95 ms | gapless |")
        print("|---|---:|---:|---:|---:|---:|---:|---|")
        for threads in (int(t) for t in args.threads.split(",")):
            row = run(agency, threads=threads, numbers=args.numbers, family=f"测{threads}", year=year)
            print(f"| {scratch.vendor} | {row['threads']} | {row['numbers']} | {row['seconds']:.2f} | "
                  f"{row['per_second']:.0f} | {row['p50_ms']:.2f} | {row['p95_ms']:.2f} | yes |", flush=True)


if __name__ == "__main__":
    main()
