#!/usr/bin/env python
"""Task completions per second: the 核查线索 (verify) step, through the services and over HTTP.

Loads the demo city into a scratch database and registers leads (set-up, not timed), then completes
each lead's 核查线索 task as msb_officer:

- **services**: `demo.driver.complete` — the flow lock, assign, `casework.services.case_verify`,
  the flow moving on — exactly what the task page's POST runs, without HTTP; one process.
  Baseline in the same run: the floor any audited step pays — one transaction that updates one
  task row and appends one audit event (`agencies.audit.audit_append`, sealed after commit).
- **HTTP**: a real server (`daphne config.asgi:application` on a free port, as `make run` serves;
  --servers N starts N of them, each client keeping to one, as the README's scale-out recipe runs)
  and --clients client processes, each with its own logged-in session and keep-alive connection,
  each completing its own leads the way a browser does: POST 认领 (assign) when the task is not
  claimed yet (a lead comes back to the officer who registered it already claimed), then POST 办理
  (execute) with the form, answered 302. Baseline in the same run: the same clients requesting
  `GET /healthz` (full middleware, one database and one channel-layer round trip) as many times.

    .venv/bin/python bench/completions.py --database-url postgres://postgres@127.0.0.1:5432/lianban_bench_completions \
        --redis-url redis://127.0.0.1:6379/0

The database named in --database-url is DROPPED and re-created: use a scratch name. With --on instead,
the same runs take place on a database bench/datagen.py made (100k or 1M cases), as the officer who sees
the most cases there: nothing is dropped, and the leads the runs register and complete stay in it (a few
hundred cases among the generated ones; run the read-only benches such as bench/lists.py first).

    .venv/bin/python bench/completions.py --on postgres://postgres@127.0.0.1:5432/lianban_datagen_1000000 \
        --redis-url redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import multiprocessing
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._scratch import scratch_django  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGET_SERVICES, TARGET_HTTP = 300, 100  # issue 8: completions/s
VERIFY_FORM = {"propose_filing": "yes", "opinion": "线索基本属实，建议立案调查。"}


# --- HTTP clients (separate processes: no Django here) ------------------------------------------------


def _cookie(response: http.client.HTTPResponse, name: str) -> str | None:
    for header, value in response.getheaders():
        if header.lower() == "set-cookie" and value.startswith(f"{name}="):
            return value.split(";", 1)[0].split("=", 1)[1]
    return None


def http_client(port: int, session: str, work: list[tuple[str, str]], healthz: int, start, results) -> None:
    """Complete each (assign, execute) pair; or, when `healthz`, GET /healthz that many times."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    cookies = {"sessionid": session}

    def request(method: str, url: str, body: dict | None = None) -> http.client.HTTPResponse:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), "Host": f"127.0.0.1:{port}"}
        data = None
        if body is not None:
            data = urlencode({**body, "csrfmiddlewaretoken": cookies["csrftoken"]}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{port}{url}"
        conn.request(method, url, body=data, headers=headers)
        response = conn.getresponse()
        response.body = response.read()
        if token := _cookie(response, "csrftoken"):
            cookies["csrftoken"] = token
        return response

    if not healthz:  # a page once, as a browser would, for the CSRF cookie (opening a task page would claim it)
        page = request("GET", "/workflow/inbox/")
        assert page.status == 200 and "csrftoken" in cookies, (page.status, cookies)
    start.wait()
    t0 = time.perf_counter()
    if healthz:
        for _ in range(healthz):
            assert request("GET", "/healthz").status == 200
    else:
        for assign, execute in work:
            for url, form in ((assign, {}), (execute, VERIFY_FORM)) if assign else ((execute, VERIFY_FORM),):
                response = request("POST", url, form)
                assert response.status == 302, f"{url}: HTTP {response.status} " + " ".join(re.sub(r"<[^>]+>", " ", response.body.decode(errors="replace")).split())[-600:]
    results.put((t0, time.perf_counter()))


def run_clients(ports: list[int], sessions: list[str], work: list[list[tuple[str, str]]], healthz: int = 0) -> float:
    """Wall time from the moment every client is ready until the last one finishes. Client n talks to
    server n mod len(ports), as a proxy spreading connections over the daphne processes would."""
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=http_client, args=(ports[n % len(ports)], session, part, healthz, start, results))
             for n, (session, part) in enumerate(zip(sessions, work, strict=True))]
    for proc in procs:
        proc.start()
    time.sleep(3)  # let every client import, connect and fetch its CSRF cookie
    start.set()
    for proc in procs:
        proc.join()
    if failed := [proc.exitcode for proc in procs if proc.exitcode != 0]:
        raise SystemExit(f"{len(failed)} HTTP client(s) failed; see their traceback above")
    spans = [results.get(timeout=10) for _ in procs]
    return max(end for _, end in spans) - min(begin for begin, _ in spans)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, env: dict) -> subprocess.Popen:
    server = subprocess.Popen([str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port),
                               "config.asgi:application"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            raise SystemExit("daphne exited:\n" + server.stderr.read().decode())
        time.sleep(0.2)
    server.terminate()
    raise SystemExit("daphne did not answer /healthz")


# --- in-process parts ----------------------------------------------------------------------------------


def register_leads(officer, count: int, label: str) -> list:
    from casework.models import CaseSource
    from demo.driver import register_case

    return [
        register_case(user=officer, title=f"{label}{n:05d}号线索", source=CaseSource.BIG_DATA,
                      summary="医保结算数据异常，需核查。", source_detail="压测", amount_involved=1000)
        for n in range(count)
    ]


def complete_verify(case, officer) -> None:
    from casework import services
    from demo.driver import complete

    complete(case.process, "verify", officer, lambda: services.case_verify(
        case=case, user=officer, propose_filing=True, opinion=VERIFY_FORM["opinion"]))


def baseline_step(task, case, officer) -> None:
    """One transaction: one task row updated, one audit event appended."""
    from django.db import transaction
    from django.utils import timezone

    from agencies.audit import audit_append
    from viewflow.workflow.models import Task

    with transaction.atomic():
        Task.objects.filter(pk=task.pk).update(finished=timezone.now())
        audit_append(actor=officer, verb="bench.step", target=case, summary="压测：一行更新加一条审计",
                     thread=f"case:{case.pk}", agency=case.agency)


def queries_of(run) -> int:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured)


def step_cost(officer, requests: int) -> str:
    """One 办理 POST of 核查线索 in this process (the Django test client, the whole middleware, no
    network): its statements, its Python function calls (cProfile, unmoved by a busy machine), and the
    p50 / p95 wall clock and p50 CPU time of `requests` of them, each completing a lead of its own."""
    from django.test import Client

    from bench.lists import calls, timed
    from demo.driver import open_task

    cases = register_leads(officer, requests + 10, "单步压测")
    client = Client()
    client.force_login(officer)
    client.get("/workflow/inbox/")
    urls = []
    for case in cases:
        task = open_task(case.process, "verify")
        urls.append(task.flow_task.reverse("execute", args=[task.process_id, task.pk]))
    pending = iter(urls)

    def post() -> None:
        response = client.post(next(pending), VERIFY_FORM)
        assert response.status_code == 302, response.status_code

    statements = queries_of(post)
    counted = calls(post, runs=5)  # six leads: one warm-up, five counted
    p50, p95, cpu = timed(post, requests)  # three warm-ups, then the timed ones
    return (f"| 核查线索 办理 POST in process ({requests} requests) | {statements} | {counted:,} | "
            f"{p50:.1f} | {p95:.1f} | {cpu:.1f} |")


@contextlib.contextmanager
def officer_on(args):
    """Django set up on the run's database, and the officer whose leads the runs complete: the demo city's
    msb_officer in a scratch database (`--database-url`), or on a generated one (`--on`) the officer who
    sees the most cases (bench/lists.py's reader: the most grants, the fullest inbox)."""
    if args.on:
        from bench.lists import heaviest_users, setup

        setup(args.on)
        reader = heaviest_users()[0]
        yield reader
        return
    with scratch_django(database_url=args.database_url):
        from django.conf import settings

        from demo.scenario import build_city

        settings.DEBUG = False  # no query log kept in memory
        yield build_city().user("msb_officer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--database-url", help="PostgreSQL scratch database (dropped and re-created), the demo city loaded into it")
    where.add_argument("--on", metavar="DATABASE_URL",
                       help="a database bench/datagen.py made (kept; the runs' leads are added to it), as its officer who sees the most cases")
    parser.add_argument("--redis-url", help="Redis for the server's channel layer and cache (default: in-memory)")
    parser.add_argument("--completions", type=int, default=300, help="completions through the services (default 300)")
    parser.add_argument("--http-completions", type=int, default=400, help="completions over HTTP, all clients (default 400)")
    parser.add_argument("--clients", type=int, default=4, help="HTTP client processes (default 4)")
    parser.add_argument("--step-only", action="store_true",
                        help="time one 办理 POST in process only (statements, Python calls, p50/p95, CPU): for bench/against.sh")
    parser.add_argument("--servers", type=int, default=1,
                        help="daphne processes, the clients spread over them in turn (default 1; the README's scale-out runs 2)")
    args = parser.parse_args()
    rows: list[tuple[str, int, float, str]] = []

    with officer_on(args) as officer:
        from django.conf import settings
        from django.test import Client

        from viewflow.workflow import STATUS

        from demo.driver import open_task

        step = step_cost(officer, requests=100)
        print(f"\n## One step, in process\n\n| step | statements | Python calls | p50 ms | p95 ms | CPU p50 ms |\n"
              f"|---|---:|---:|---:|---:|---:|\n{step}\n", flush=True)
        if args.step_only:
            return

        # services
        t0 = time.perf_counter()
        cases = register_leads(officer, args.completions + 1, "服务压测")
        print(f"{len(cases)} leads registered in {time.perf_counter() - t0:.1f} s", flush=True)
        queries = queries_of(lambda: complete_verify(cases[0], officer))
        t0 = time.perf_counter()
        for case in cases[1:]:
            complete_verify(case, officer)
        elapsed = time.perf_counter() - t0
        rows.append(("核查线索 via services (`demo.driver.complete` + `case_verify`), 1 process", args.completions, elapsed,
                     f"{queries} queries"))
        tasks = [open_task(case.process, "file_case") for case in cases[1:]]
        base_queries = queries_of(lambda: baseline_step(tasks[0], cases[1], officer))
        t0 = time.perf_counter()
        for task, case in zip(tasks, cases[1:], strict=True):
            baseline_step(task, case, officer)
        elapsed = time.perf_counter() - t0
        rows.append(("baseline: 1 row UPDATE + `audit_append`, one transaction, 1 process", len(tasks), elapsed,
                     f"{base_queries} queries"))
        print(f"services: {rows[0][1] / rows[0][2]:.0f}/s; baseline {rows[1][1] / rows[1][2]:.0f}/s", flush=True)

        # HTTP
        per_client = args.http_completions // args.clients
        t0 = time.perf_counter()
        label = f"接口压测{time.strftime('%m%d%H%M%S')}-"  # this run's leads, among those of earlier runs on a kept database
        leads = register_leads(officer, per_client * args.clients, label)
        print(f"{len(leads)} leads registered in {time.perf_counter() - t0:.1f} s", flush=True)
        work, claims = [], 0
        for n in range(args.clients):
            part = []
            for case in leads[n * per_client:(n + 1) * per_client]:
                task = open_task(case.process, "verify")
                node = task.flow_task
                # the registering officer's own lead comes to them already assigned: no claim then
                assign = node.reverse("assign", args=[task.process_id, task.pk]) if task.status == STATUS.NEW else ""
                part.append((assign, node.reverse("execute", args=[task.process_id, task.pk])))
                claims += bool(assign)
            work.append(part)
        sessions = []
        for _ in range(args.clients):
            client = Client()
            client.force_login(officer)
            sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
        from django.db import connections

        connections.close_all()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
        if args.redis_url:
            env["REDIS_URL"] = args.redis_url
        ports = [free_port() for _ in range(args.servers)]
        servers = []
        try:
            for port in ports:
                servers.append(start_server(port, env))
            daphne = "daphne" if args.servers == 1 else f"{args.servers} daphne processes"
            elapsed = run_clients(ports, sessions, work)
            requests_each = 1 + claims / (per_client * args.clients)
            rows.append((f"核查线索 over HTTP ({daphne}, {args.clients} client processes: POST 办理 form, plus POST 认领 when unclaimed)",
                         per_client * args.clients, elapsed, f"{requests_each:g} request{'s' if requests_each != 1 else ''}"))
            elapsed = run_clients(ports, sessions, [[]] * args.clients, healthz=per_client)
            rows.append((f"baseline: `GET /healthz`, one per completion, same {'server' if args.servers == 1 else 'servers'} and {args.clients} clients",
                         per_client * args.clients, elapsed, "1 request"))
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)
        print(f"HTTP: {rows[2][1] / rows[2][2]:.0f}/s; baseline {rows[3][1] / rows[3][2]:.0f}/s", flush=True)
        from casework.models import Case, CaseStatus

        done = Case.objects.filter(title__startswith=label, status=CaseStatus.PENDING_FILING).count()
        assert done == per_client * args.clients, f"only {done} leads reached 待立案审批"

    print(f"\n## Task completions (PostgreSQL{', Redis' if args.redis_url else ''})\n")
    print("| run | completions | seconds | completions/s | cost of one |")
    print("|---|---:|---:|---:|---|")
    for name, count, elapsed, cost in rows:
        print(f"| {name} | {count} | {elapsed:.1f} | {count / elapsed:.0f} | {cost} |")
    services, http_rate = rows[0][1] / rows[0][2], rows[2][1] / rows[2][2]
    print(f"\ntargets: ≥ {TARGET_SERVICES}/s via services: {'met' if services >= TARGET_SERVICES else 'NOT met'}; "
          f"≥ {TARGET_HTTP}/s over HTTP with {args.clients} clients: {'met' if http_rate >= TARGET_HTTP else 'NOT met'}")


if __name__ == "__main__":
    main()
