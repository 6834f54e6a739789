#!/usr/bin/env python
"""Page timings and query counts for an officer, before and after loading many cases.

Loads the demo city (`manage.py demo`'s data) into a scratch database, measures the pages below
with Django's test Client (in process: no network, no server; the full middleware and template
stack runs), then adds --cases more cases driven through the real flows (every stage, round robin)
and measures again. A query count that grows with the number of cases is an N+1 to fix: the lists
are paginated (20 a page), so a healthy count stays flat.

    .venv/bin/python bench/pages.py                    # scratch SQLite, 200 extra cases, 30 requests a page
    .venv/bin/python bench/pages.py --cases 500 --requests 50
    .venv/bin/python bench/pages.py --database-url postgres://postgres@127.0.0.1:5432/lianban_bench

A PostgreSQL database named in --database-url is DROPPED and re-created: use a scratch name.
"""

from __future__ import annotations

import argparse
import platform
import re
import time
from collections import Counter

from _scratch import percentile, scratch_django

KANGNING = "康宁医院涉嫌虚构医药服务骗取医保基金案"


LEADER = "msb_leader"  # the leadership pages are measured as the bureau's leader


def pages(case_id: int) -> list[tuple[str, str]]:
    return [
        ("inbox 待办", "/workflow/inbox/"),
        ("queue 待领", "/workflow/queue/"),
        ("case list 案件", "/cases/"),
        ("case detail 案件详情", f"/cases/{case_id}/"),
        ("referral list 移送", "/referrals/"),
        ("supervision list 挂牌督办", "/supervision/"),
        ("meetings 联席会议", "/meetings/"),
        (f"dashboard 领导看板 ({LEADER})", "/leadership/dashboard/"),
        (f"statistics 统计 ({LEADER})", "/leadership/statistics/"),
    ]


def measure(client, url: str, requests: int) -> dict:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm up: URL resolver, templates, caches
        response = client.get(url)
        assert response.status_code == 200, f"{url}: HTTP {response.status_code}"
    reset_queries()  # the log is cleared at each request start; the context must start from empty
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    samples = []
    for _ in range(requests):
        t0 = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - t0)
        assert response.status_code == 200, f"{url}: HTTP {response.status_code}"
    shapes = Counter(re.sub(r"\b\d+\b", "?", query["sql"]) for query in queries.captured_queries)
    return {"queries": len(queries), "p50": percentile(samples, 50) * 1000, "p95": percentile(samples, 95) * 1000,
            "bytes": len(response.content), "repeated": [(n, sql) for sql, n in shapes.most_common(3) if n > 1]}


def add_cases(cast, count: int) -> None:
    """`count` more cases through the real flows, stages round robin; the new leads' first task is
    taken by msb_officer, so the inbox has rows too."""
    from django.db import transaction
    from viewflow.workflow import STATUS

    from demo import stories
    from demo.driver import open_task

    officer = cast.user("msb_officer")
    for i in range(count):
        title, source, _stage, amount, institution, person = stories.STORIES[i % len(stories.STORIES)]
        stage = i % (stories.CLOSED + 1)
        case = stories.tell((f"压测{i + 1:04d}·{title}", source, stage, amount, institution, person), cast)
        if stage == stories.LEAD:
            task = open_task(case.process, "verify")
            with transaction.atomic():
                activation = task.flow_task.activation_class(task)
                if task.status == STATUS.NEW and activation.assign.has_perm(officer):
                    activation.assign(officer)


def report(title: str, rows: list[tuple[str, int, dict]]) -> None:
    print(f"\n## {title}\n")
    print("| page | cases | queries | p50 ms | p95 ms | KiB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, cases, row in rows:
        print(f"| {name} | {cases} | {row['queries']} | {row['p50']:.1f} | {row['p95']:.1f} | {row['bytes'] / 1024:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200, help="extra cases to add after the demo (default 200)")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--user", default="msb_officer", help="the demo officer whose pages are measured")
    parser.add_argument("--database-url", help="PostgreSQL scratch database (dropped and re-created); default SQLite")
    args = parser.parse_args()

    with scratch_django(database_url=args.database_url) as scratch:
        from django.test import Client

        from casework.models import Case
        from demo.scenario import build_city
        from demo.stories import agreements_demo, joint_meeting_demo, supervise_demo_case, tell_all

        cast = build_city()
        tell_all(cast)
        supervise_demo_case(cast)
        joint_meeting_demo(cast)
        agreements_demo(cast)
        officer, leader = Client(), Client()
        officer.force_login(cast.user(args.user))
        leader.force_login(cast.user(LEADER))

        def client_for(name: str):
            return leader if LEADER in name else officer
        case_id = Case.objects.get(title=KANGNING).pk
        print(f"# Pages as {args.user} — {scratch.vendor}, {platform.python_implementation()} {platform.python_version()}, "
              f"{args.requests} timed requests a page after 3 warm-up requests")

        rows = []
        total = Case.objects.count()
        for name, url in pages(case_id):
            rows.append((name, total, measure(client_for(name), url, args.requests)))
        if args.cases:
            t0 = time.perf_counter()
            add_cases(cast, args.cases)
            loaded = time.perf_counter() - t0
            total = Case.objects.count()
            print(f"\nadded {args.cases} cases through the flows in {loaded:.1f} s ({loaded / args.cases * 1000:.0f} ms a case)")
            for name, url in pages(case_id):
                rows.append((name, total, measure(client_for(name), url, args.requests)))
        rows.sort(key=lambda r: [p for p, _ in pages(case_id)].index(r[0]))
        report(f"{scratch.vendor}: pages of {args.user}", rows)
        first = {}
        for name, _cases, row in rows:
            first.setdefault(name, row["queries"])
        grew = [(name, row) for name, _cases, row in rows if row["queries"] != first[name]]
        if grew:
            for name, row in grew:
                print(f"\nquery count grows with the number of cases on {name}: {first[name]} → {row['queries']}; "
                      "most repeated statements (numbers replaced by ?):")
                for count, sql in row["repeated"]:
                    print(f"  {count:>3} × {sql[:300]}")
        else:
            print("\nquery counts do not grow with the number of cases")


if __name__ == "__main__":
    main()
