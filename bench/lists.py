#!/usr/bin/env python
"""The officer's lists on a large database, each beside its baseline in the same run.

Reads a database made by bench/datagen.py (never changes it) and, for the officer with the most
visible cases and the one with the most waiting tasks, times the first page of

- 我的工作 /workflow/work/ (by due date and newest first), 我的待办 /workflow/inbox/, 待认领
  /workflow/queue/, 案件 /cases/, 移送 /referrals/ — the whole request through Django's test Client
  (middleware, view, template; in process, no network);
- the list's own query (what the page reads: casework.tasklists, agencies.visibility), and for the
  case list and the queue also a page 1,000 rows deep read past its cursor (`?after=`) — the queue's
  beside the same query with OFFSET, as the task lists paged before; for the case list a status filter
  and a search; for 我的工作 both of its orders;
- two pages of one object as the officer who sees the most cases: a task's page (its own task; the task
  pages' guard asks whether the user may see the task's process) and a case's page;
- the baselines: guardian's `get_objects_for_user` listing of the same cases/referrals in the same
  order (searched and filtered as the lists are), and viewflow's stock `Task.objects.queue()` / `inbox()`, first page of each (for 我的工作,
  the two as one OR query). Each baseline is planned with PostgreSQL's default parallel workers, as it
  ran before the application's connections turned them off (`with_default_workers`).

    .venv/bin/python bench/lists.py --database-url postgres://postgres@127.0.0.1:5432/lianban_datagen_100k

Prints a Markdown table: p50 and p95 in milliseconds over --requests runs after 3 warm-up runs, and the
p50 of the CPU time this process spent (see `timed`); with --calls, also the Python function calls of a
run, a count no other program on the machine can move (see `calls`).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._scratch import percentile  # noqa: E402

PAGE = 21  # 20 rows and the one that says whether there is more


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("LIANBAN_DEBUG", "1")
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("LIANBAN_VAR_DIR", "/tmp/lianban-bench-lists")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log in memory


def timed(run, requests: int, users=()) -> tuple[float, float, float]:
    """p50 and p95 of `run` in ms, and the p50 of the CPU time this process spent in it (Python's side of
    the run; the database's own work is in its server process). Before each run the users' per-request
    answers (their groups, their grants: agencies.permissions.remembered) are dropped, as each request
    loads its user afresh.

    The CPU time is what to compare when the machine is shared: a wall-clock time also holds the waits
    for a core that another program had, the CPU time only this process's work."""
    samples, cpu = [], []
    for i in range(3 + requests):
        for user in users:
            user.__dict__.pop("_remembered", None)
        t0, c0 = time.perf_counter(), time.process_time()
        run()
        if i >= 3:
            samples.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    return percentile(samples, 50), percentile(samples, 95), percentile(cpu, 50)


def calls(run, runs: int = 5, users=()) -> int:
    """How many Python function calls one run of `run` makes (after a warm-up run), counted by cProfile:
    the same count however busy the machine is, so a change to the code's work shows in it when the
    times of a shared machine drown the change."""
    run()
    profile = cProfile.Profile()
    for _ in range(runs):
        for user in users:
            user.__dict__.pop("_remembered", None)
        profile.enable()
        run()
        profile.disable()
    return round(sum(entry.callcount for entry in profile.getstats()) / runs)


def with_default_workers(run):
    """`run` planned with PostgreSQL's default parallel workers (agencies.scans.parallel_scans, 2), as every
    query ran before the application's connections turned them off: a baseline is timed as it ran then."""
    try:
        from agencies.scans import parallel_scans
    except ImportError:  # a base revision of bench/against.sh from before: its connections start with them
        return run

    def wrapped():
        with parallel_scans():
            return run()
    return wrapped


def signed_in(users, backend: str | None = None) -> dict:
    """A test client for each user, signed in (through `backend`, or the project's own), by the user's key."""
    from django.test import Client


    clients = {}
    for user in users:
        clients[user.pk] = Client()
        clients[user.pk].force_login(user, backend=backend)
    return clients


def officer_pages(reader, head) -> list[tuple[str, object, str]]:
    """The five pages of issue 8 as `(label, user, address)`: each task list, 我的工作 and the two lists
    as the officer who sees the most cases, 待认领 as the head with the most waiting (heaviest_users)."""
    return [
        ("我的待办 /workflow/inbox/", reader, "/workflow/inbox/"),
        ("待认领 /workflow/queue/", head, "/workflow/queue/"),
        ("我的工作 /workflow/work/", reader, "/workflow/work/"),
        ("案件 /cases/", reader, "/cases/"),
        ("移送 /referrals/", reader, "/referrals/"),
    ]


def in_turns(ways, run, requests: int, warm_ups: int = 3) -> tuple[dict, dict]:
    """`run(way)` for each of the ways, request by request in turn, so that every way meets the same
    machine; after the warm-ups, each way's wall-clock and CPU milliseconds a request."""
    wall, cpu = {way: [] for way in ways}, {way: [] for way in ways}
    for i in range(warm_ups + requests):
        for way in ways:
            t0, c0 = time.perf_counter(), time.process_time()
            run(way)
            if i >= warm_ups:
                wall[way].append((time.perf_counter() - t0) * 1000)
                cpu[way].append((time.process_time() - c0) * 1000)
    return wall, cpu


def before_after(samples: dict, q: float) -> str:
    """The q-th percentile of each way's samples, "before → after"."""
    return " → ".join(f"{percentile(values, q):.1f}" for values in samples.values())


def guardian_cases(user, **filters):
    """guardian's own listing of the cases the case list shows (`get_objects_for_user`, `pk IN (every
    grant)`), with the case list's search and status filter, in its order."""
    from guardian.shortcuts import get_objects_for_user

    from casework.models import Case
    from casework.selectors import searched_cases

    listed = get_objects_for_user(user, "casework.view_case", klass=Case, accept_global_perms=False, with_superuser=False)
    return searched_cases(listed, **filters)


def guardian_referrals(user, **filters):
    """guardian's own listing of the referrals the referral list shows, with its search and filter."""
    from guardian.shortcuts import get_objects_for_user

    from referral.models import Referral
    from referral.selectors import searched_referrals

    listed = get_objects_for_user(user, "referral.view_referral", klass=Referral, accept_global_perms=False, with_superuser=False)
    return searched_referrals(listed, **filters)


def heaviest_users():
    """The officer who sees the most cases, and the one with the most tasks waiting in the queue."""
    from django.db.models import Count
    from viewflow.workflow import STATUS
    from viewflow.workflow.models import Task

    from agencies.models import Officer, Role
    from casework.models import CaseGroupObjectPermission

    biggest = (
        CaseGroupObjectPermission.objects.values("group").annotate(n=Count("id")).order_by("-n").values_list("group", "n").first()
    )
    reader = Officer.objects.filter(user__groups=biggest[0], role=Role.OFFICER).select_related("user").first()
    busiest = (
        Task.objects.filter(status=STATUS.NEW, flow_task_type="HUMAN").exclude(owner_permission_obj_pk="")
        .values("owner_permission_obj_pk").annotate(n=Count("id"))
        .order_by("-n").values_list("owner_permission_obj_pk", "n").first()
    )
    head = Officer.objects.filter(agency_id=busiest[0], role=Role.HEAD).select_related("user").first()
    return reader.user, biggest[1], head.user, busiest[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--pages", action="store_true",
                        help="only the four list pages of issue 8 (whole requests), for bench/against.sh")
    parser.add_argument("--detail", action="store_true",
                        help="only the pages of one task and one case (the task pages' guard, the case page), for bench/against.sh")
    parser.add_argument("--work", action="store_true",
                        help="only 我的工作's pages and queries, both orders, without their baselines (for bench/against.sh)")
    parser.add_argument("--visible", action="store_true",
                        help="only the case and referral lists (page, first page's query, guardian's listing), for bench/against.sh")
    parser.add_argument("--calls", action="store_true",
                        help="also count each row's Python function calls a run (cProfile; unmoved by a busy machine)")
    args = parser.parse_args()
    setup(args.database_url)

    from guardian.shortcuts import get_objects_for_user
    from viewflow.workflow import STATUS
    from viewflow.workflow.models import Task

    from casework import tasklists
    from casework import worklist_due
    from casework.worklist import WorkPages
    from casework.models import Case
    from casework.paging import KeysetPages, KeysetPaginator, counted_up_to, cursor_encode
    from casework.selectors import case_list_for_user, case_pages_for_user
    from config.urls import workflow
    from referral.models import Referral
    from casework.models import Subject
    from referral.selectors import referral_pages_for_user
    from search.selectors import search_sections

    flows = workflow.flow_classes
    reader, visible, head, waiting = heaviest_users()
    cases = Case.objects.count()
    clients = signed_in((reader, head))

    def page(user, url):
        def run():
            response = clients[user.pk].get(url)
            assert response.status_code == 200, (url, response.status_code)
        return run

    def guardian(user, perm, model, *order):
        return lambda: list(get_objects_for_user(user, perm, klass=model, accept_global_perms=False, with_superuser=False)
                            .order_by(*order)[:PAGE])

    def task_pages(select, user):
        return KeysetPages(rows=select(flows, user), order=tasklists.DEFAULT_ORDER)

    def task_seek(select, user):
        """The task page past the 1,000th task's cursor (or the list's last, if shorter)."""
        key = task_pages(select, user).keys(stop=1000)[-1]

        def run():
            pages = task_pages(select, user)
            return pages.load(pages.keys(stop=PAGE, after=key))
        return run

    def task_offset(select, user):
        return lambda: list(select(flows, user).order_by(*tasklists.DEFAULT_ORDER)[1000 : 1000 + PAGE])

    def work(user, order):
        return lambda: KeysetPaginator(WorkPages(flows, user, order), PAGE - 1).seek()

    def work_sorted_whole(user):
        """我的工作 by due date as it read before it walked the clocks: every task's clock looked up, the work set sorted."""
        def run():
            small, worklist_due.SMALL_WORK_SET = worklist_due.SMALL_WORK_SET, 10**9
            try:
                return work(user, "due")()
            finally:
                worklist_due.SMALL_WORK_SET = small
        return run

    def work_deep(user):
        """我的工作 by due date, the page past the 1,000th row's cursor."""
        key = WorkPages(flows, user, "due").keys(stop=1000)[-1]
        return lambda: KeysetPaginator(WorkPages(flows, user, "due"), PAGE - 1).seek(after=cursor_encode(key, 1000))

    deep_key = case_pages_for_user(user=reader).keys(stop=1000)[-1]
    deep_cursor = cursor_encode(deep_key, 1000)

    def seek(**filters):
        return lambda: KeysetPaginator(case_pages_for_user(user=reader, **filters), PAGE - 1).seek(after=deep_cursor)

    def offset(**filters):
        return lambda: list(guardian_cases(reader, **filters)[1000 : 1000 + PAGE])

    def first(**filters):
        return lambda: list(KeysetPaginator(case_pages_for_user(user=reader, **filters), PAGE - 1).seek())

    identifier = (Subject.objects.filter(case__in=case_list_for_user(user=reader).values("pk")[:200], identifier__gt="")
                  .values_list("identifier", flat=True).first())

    def search_baseline(q):
        """What 搜索 would cost on guardian's listings: the first ten cases and referrals matching `q`."""
        return lambda: (list(guardian_cases(reader, search=q)[:10]), list(guardian_referrals(reader, search=q)[:10]))

    rows = [
        ("搜索 page (/search/?q=医院)", reader, page(reader, "/search/?q=医院")),
        ("搜索 query, 医院 (search.selectors: cases, referrals)", reader, lambda: search_sections(user=reader, q="医院")),
        ("搜索 baseline: guardian listings of cases and referrals, same search", reader, search_baseline("医院")),
        ("搜索 query, a full 身份证号", reader, lambda: search_sections(user=reader, q=identifier or "—")),
        ("搜索 baseline: guardian listings, same 身份证号", reader, search_baseline(identifier or "—")),
        ("inbox 我的待办 page", head, page(head, "/workflow/inbox/")),
        ("inbox query", head, lambda: list(tasklists.inbox(flows, head).order_by("-created", "-id")[:PAGE])),
        ("inbox baseline: viewflow Task.objects.inbox()", head, lambda: list(Task.objects.inbox(flows, head).order_by("-created")[:PAGE])),
        ("inbox 我的待办 page", reader, page(reader, "/workflow/inbox/")),
        ("queue 待认领 page", head, page(head, "/workflow/queue/")),
        ("queue page 51 (1,000 tasks deep) past its cursor", head, task_seek(tasklists.queue, head)),
        ("queue page 51 baseline: the same query, OFFSET 1000", head, task_offset(tasklists.queue, head)),
        ("queue query", head, lambda: list(tasklists.queue(flows, head).order_by("-created", "-id")[:PAGE])),
        ("queue keys (what 待认领 reads first), an officer who may take none of the bureau's waiting tasks", reader,
         lambda: task_pages(tasklists.queue, reader).keys(stop=PAGE)),
        ("待认领 badge (counted up to 100), the same officer", reader, lambda: counted_up_to(100, tasklists.queue(flows, reader))),
        ("queue baseline: viewflow Task.objects.queue()", head, lambda: list(Task.objects.queue(flows, head).order_by("-created")[:PAGE])),
        ("我的工作 page, newest first (the default)", head, page(head, "/workflow/work/")),
        ("我的工作 page, by due date", head, page(head, "/workflow/work/?order=due")),
        ("我的工作 query, newest first (casework.worklist)", head, work(head, "new")),
        ("我的工作 query, by due date (casework.worklist)", head, work(head, "due")),
        ("我的工作 by due date baseline: the work set sorted whole (before)", head, work_sorted_whole(head)),
        ("我的工作 query, by due date, page past the 1,000th row", head, work_deep(head)),
        ("我的工作 query, by due date", reader, work(reader, "due")),
        ("我的工作 by due date baseline: sorted whole", reader, work_sorted_whole(reader)),
        ("我的工作 baseline: viewflow inbox() | queue() as one query, newest first", head,
         lambda: list((Task.objects.inbox(flows, head) | Task.objects.queue(flows, head)).order_by("-created")[:PAGE])),
        ("我的工作 page, newest first (the default)", reader, page(reader, "/workflow/work/")),
        ("我的工作 page, by due date", reader, page(reader, "/workflow/work/?order=due")),
        ("case list 案件 page", reader, page(reader, "/cases/")),
        ("case list query", reader, lambda: case_pages_for_user(user=reader)[0:PAGE]),
        ("case list baseline: guardian get_objects_for_user", reader,
         guardian(reader, "casework.view_case", Case, "-registered_at", "-id")),
        ("case list page 51 (1,000 rows deep) past its cursor", reader, seek()),
        ("case list page 51 baseline: guardian, OFFSET 1000", reader, offset()),
        ("case list 案件 page 51 by cursor", reader, page(reader, f"/cases/?after={deep_cursor}")),
        ("case list filtered by status 调查中", reader, first(status="investigating")),
        ("case list filtered baseline: guardian", reader, lambda: list(guardian_cases(reader, status="investigating")[:PAGE])),
        ("case list searched 医院", reader, first(search="医院")),
        ("case list searched baseline: guardian", reader, lambda: list(guardian_cases(reader, search="医院")[:PAGE])),
        ("referral list 移送 page", reader, page(reader, "/referrals/")),
        ("referral list query", reader, lambda: referral_pages_for_user(user=reader)[0:PAGE]),
        ("referral list baseline: guardian get_objects_for_user", reader,
         guardian(reader, "referral.view_referral", Referral, "-created_at", "-id")),
    ]
    own = Task.objects.filter(owner=reader, status=STATUS.ASSIGNED).order_by("-id").first()
    if own is not None:  # a task page asks whether the user may see its process (casework.workflow.visible_task)
        rows.append(("a task's page (详情), the officer's own task", reader, page(reader, own.flow_task.reverse("detail", args=[own.process_id, own.pk]))))
    rows.append(("a case's page (案件详情)", reader, page(reader, f"/cases/{case_pages_for_user(user=reader)[0:1][0].pk}/")))
    if args.detail:
        rows = [row for row in rows if row[0].startswith(("a task's page", "a case's page"))]
    if args.pages:
        wanted = ("inbox 我的待办 page", "queue 待认领 page", "case list 案件 page", "referral list 移送 page")
        rows = [row for row in rows if row[0] in wanted]
    if args.visible:
        wanted = ("case list 案件 page", "case list query", "case list baseline: guardian get_objects_for_user",
                  "referral list 移送 page", "referral list query", "referral list baseline: guardian get_objects_for_user")
        rows = [row for row in rows if row[0] in wanted]
    if args.work:
        rows = [row for row in rows if row[0].startswith("我的工作") and "baseline" not in row[0]]
    print(f"# {cases:,} cases; {reader.username} sees {visible:,} cases; {head.username}'s bureau has {waiting:,} new tasks")
    print("| list | user | p50 ms | p95 ms | CPU p50 ms |" + (" Python calls |" if args.calls else ""))
    print("|---|---|---:|---:|---:|" + ("---:|" if args.calls else ""))
    for name, user, run in rows:
        if "baseline" in name:
            run = with_default_workers(run)
        p50, p95, cpu = timed(run, args.requests, users=(reader, head))
        counted = f" {calls(run, users=(reader, head)):,} |" if args.calls else ""
        print(f"| {name} | {user.username} | {p50:.1f} | {p95:.1f} | {cpu:.1f} |{counted}", flush=True)


if __name__ == "__main__":
    main()
