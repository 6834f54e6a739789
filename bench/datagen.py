#!/usr/bin/env python
"""Bulk cases for the scale benchmarks: the rows the real flows write, cloned in batches.

One case per stage is first driven through the real flows (`demo.stories.tell`) inside a
transaction that is rolled back; every row it wrote, in every table, is the template of that stage.
Each generated case is a copy of its stage's template with its own ids, bureau, officers, title,
parties, amount, 文号 (taken gaplessly from the bureau's registers), times, evidence files and
audit-chain hashes, written a chunk (one transaction) at a time, each table of a chunk with one
`COPY` (SQLite: one executemany). On PostgreSQL a loader thread with a connection of its own loads
chunk n while Python makes chunk n+1 (`--serial`: one after the other on one connection). A table the
flows write and this module does not know stops the run, so a change in the flows cannot silently
produce cases that lack rows.

    .venv/bin/python bench/datagen.py --cases 1000                      # scratch SQLite, removed after
    .venv/bin/python bench/datagen.py --database-url postgres://postgres@127.0.0.1:5432/lianban_datagen_100k \\
        --cases 100000                                                   # kept for the benchmarks

A PostgreSQL database named in --database-url is DROPPED and re-created, then kept.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from queue import Queue

from _bureaus import CITIES, Bureau, add_officers, city_bureau, demo_bureau, person_name
from _clone import CLONED_TABLES, MEMBERS, Batch, Copier, Plan, Template, capture_template
from _scratch import scratch_django

# Stage (demo.stories constant) → share of the generated cases: most cases are young leads and
# investigations; about a fifth have reached the police.
STAGE_WEIGHTS: dict[str, float] = {
    "LEAD": 0.28, "PENDING_FILING": 0.10, "INVESTIGATING": 0.22, "PENDING_DECISION": 0.08,
    "PENDING_APPROVAL": 0.04, "SENT": 0.05, "PSB_FILED": 0.05, "PSB_DECLINED": 0.04, "CLOSED": 0.14,
}
INSTITUTION_WORDS = "仁和康宁博爱同心惠民长寿安康济世华康瑞康福寿泰和仁爱康泰天佑永安益民众康德济广济普济恒康"
INSTITUTION_KINDS = ["医院有限公司", "门诊部", "诊所", "中医院有限公司", "康复医院有限公司"]
VIOLATIONS = ["分解住院", "挂床住院", "串换药品", "重复收费", "超标准收费", "虚构医药服务", "过度诊疗", "串换诊疗项目"]
SOURCES = ["tip", "daily", "special", "big_data", "smart_monitoring", "flying", "handling_agency"]

OPEN_TASK_RANGE = (10, 500)  # open tasks an officer holds in the inbox
SPREAD_DAYS = 150  # generated cases were registered within this many days before now


# --- planning -----------------------------------------------------------------------------------------


def _stage_counts(n: int, weights: dict[str, float]) -> list[str]:
    """Largest-remainder shares of `n`, every stage at least once when n allows it."""
    total = sum(weights.values())
    exact = {stage: n * w / total for stage, w in weights.items()}
    counts = {stage: max(1 if n >= len(weights) else 0, math.floor(x)) for stage, x in exact.items()}
    for stage in sorted(exact, key=lambda s: exact[s] - math.floor(exact[s]), reverse=True):
        if sum(counts.values()) >= n:
            break
        counts[stage] += 1
    while sum(counts.values()) > n:
        counts[max(counts, key=counts.get)] -= 1
    return [stage for stage, count in counts.items() for _ in range(count)]


def _quotas(total: int, rng: random.Random) -> list[int]:
    """Open-task loads, log-uniform in OPEN_TASK_RANGE, adding up to `total`."""
    low, high = OPEN_TASK_RANGE
    quotas = []
    while sum(quotas) < total:
        quotas.append(round(math.exp(rng.uniform(math.log(low), math.log(high)))))
    quotas[-1] -= sum(quotas) - total
    if len(quotas) > 1 and quotas[-1] < low:
        rest = quotas.pop()
        quotas[rng.randrange(len(quotas))] += rest
    return quotas


def _another(people: list, person, rng: random.Random):
    """Anyone of `people` (two or more) but `person`, without building the list of the others."""
    while (other := rng.choice(people)).pk == person.pk:
        pass
    return other


def _institution(rng: random.Random, region: str, city: str) -> tuple[str, str, str, str]:
    from casework.identifiers import uscc_check_char

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    name = f"{city.removesuffix('市')}{''.join(rng.sample(INSTITUTION_WORDS, 2))}{rng.choice(INSTITUTION_KINDS)}"
    first17 = "91" + region + "".join(rng.choice(alphabet) for _ in range(9))
    return name, first17 + uscc_check_char(first17), f"{city}{rng.choice('东南西北')}大街{rng.randint(1, 999)}号", person_name(rng)


def plan_cases(n: int, bureaus: list[Bureau], rng: random.Random, templates: dict[str, Template], now: datetime,
               weights: dict[str, float]) -> list[Plan]:
    """Stages, bureaus, lead officers (open tasks spread 10–500 an officer) and values of `n` cases."""
    stages = _stage_counts(n, weights)
    rng.shuffle(stages)
    sizes = [rng.uniform(0.5, 2.0) for _ in bureaus]
    where = rng.choices(range(len(bureaus)), weights=sizes, k=n)
    plans: list[Plan] = []
    for index, bureau in enumerate(bureaus):
        mine = [stage for stage, b in zip(stages, where) if b == index]
        holding = [s for s in mine if templates[s].lead_holds_open_task]
        quotas = _quotas(len(holding), rng) if holding else [0]
        add_officers(bureau, max(2, len(quotas)), rng)
        leads = [bureau.officers[i] for i, q in enumerate(quotas) for _ in range(q)]
        rng.shuffle(leads)
        city = bureau.msb.region_name
        for stage in mine:
            lead = leads.pop() if templates[stage].lead_holds_open_task else rng.choice(bureau.officers)
            officer2 = _another(bureau.officers, lead, rng)
            institution = _institution(rng, bureau.msb.region_code, city)
            short = institution[0].removesuffix("有限公司")
            registered = now - timedelta(minutes=rng.randint(60, SPREAD_DAYS * 24 * 60))
            plans.append(Plan(stage=stage, bureau=bureau, lead=lead, officer2=officer2, registered_at=registered,
                              title=f"{short}涉嫌{rng.choice(VIOLATIONS)}案",
                              amount=Decimal(rng.randint(200_000, 150_000_000)).scaleb(-2), source=rng.choice(SOURCES),
                              institution=institution))
    plans.sort(key=lambda p: p.registered_at)  # 文号 in the order the cases came in
    return plans


# --- the generator --------------------------------------------------------------------------------------


@dataclass
class Result:
    cases: int
    seconds: float  # everything: the city, the templates, the bureaus and the copies
    copy_seconds: float  # the batches alone
    rows: Counter
    stages: Counter
    case_ids: dict[str, list[int]]  # stage → ids of the cases generated in it
    per_stage: dict[str, dict[str, int]]
    officer_loads: list[int]
    index_seconds: float = 0.0  # of copy_seconds: the indexes built again after the load


def build_bureaus(cast, count: int, rng: random.Random) -> list[Bureau]:
    """镇江 (the demo's) and count-1 more cities, capped at the cities known."""
    return [demo_bureau(cast)] + [city_bureau(cast, city, rng) for city in CITIES[: max(0, count - 1)]]


def make_cases(n: int, *, seed: int = 0, bureaus: int = 12, batch: int = 5000,
               weights: dict[str, float] | None = None, progress=None, defer_indexes: bool = False,
               pipelined: bool = False) -> Result:
    """Build the demo city and `bureaus` city bureaus, then add `n` cases copied from real ones
    (PostgreSQL, defer_indexes: the copied tables' plain indexes dropped first and built again after, see _bulk_load;
    pipelined: a loader thread with a connection of its own loads chunk n while chunk n+1 is made)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from agencies.models import Agency, AgencyGroup
    from casework.calendar import calendar_sync_from_library
    from casework.models import HolidayYear
    from demo.scenario import build_city, system_admin_ensure

    if pipelined and (connection.vendor != "postgresql" or connection.in_atomic_block):
        raise ValueError("pipelined loading needs PostgreSQL outside a transaction: its loader commits on a connection of its own")
    started = time.perf_counter()
    rng = random.Random(seed)
    if not HolidayYear.objects.exists():
        calendar_sync_from_library()
    cast = build_city()
    system_admin_ensure()
    weights = weights or STAGE_WEIGHTS
    templates = {stage: capture_template(cast, stage) for stage in weights}
    with transaction.atomic():
        city_bureaus = build_bureaus(cast, bureaus, rng)
        plans = plan_cases(n, city_bureaus, rng, templates, timezone.now(), weights)
    group_ids = {(link.agency_id, link.role): link.group_id for link in AgencyGroup.objects.all()}
    group_ids |= {(agency.pk, MEMBERS): agency.members_id for agency in Agency.objects.all()}
    copiers = {stage: Copier(template, cast, group_ids) for stage, template in templates.items()}
    rows: Counter = Counter()
    case_ids: dict[str, list[int]] = defaultdict(list)
    copying = time.perf_counter()
    with _bulk_load(defer_indexes) as rebuilt:
        if pipelined:
            _copy_chunks_pipelined(plans, batch, copiers, rows, case_ids, copying, progress)
        else:
            _copy_chunks(plans, batch, copiers, rows, case_ids, copying, progress)
    loads = Counter(p.lead.pk for p in plans if templates[p.stage].lead_holds_open_task)
    return Result(cases=len(plans), seconds=time.perf_counter() - started, copy_seconds=time.perf_counter() - copying, rows=rows,
                  stages=Counter(p.stage for p in plans), case_ids=dict(case_ids),
                  per_stage={stage: t.count() for stage, t in templates.items()}, officer_loads=sorted(loads.values()),
                  index_seconds=rebuilt.get("seconds", 0.0))


def _copy_chunks(plans: list[Plan], batch: int, copiers: dict, rows: Counter, case_ids: dict, copying: float, progress) -> None:
    """The plans a chunk (one transaction, its ids reserved in one step a table) at a time."""
    if progress:
        progress(0, time.perf_counter() - copying)  # where the first chunk's busy shares count from
    with ThreadPoolExecutor(max_workers=1) as files:  # the evidence files are written beside the rows
        for start in range(0, len(plans), batch):
            _copy_chunk(plans[start:start + batch], copiers, rows, case_ids, seal=start == 0, files=files)
            if progress:
                progress(min(start + batch, len(plans)), time.perf_counter() - copying)


def _copy_chunk(plans: list[Plan], copiers: dict, rows: Counter, case_ids: dict, *, seal: bool, files) -> None:
    """One transaction: the chunk's 文号 from the registers, its rows, the audit chain's new head."""
    from django.conf import settings
    from django.db import transaction

    from agencies.models import DocumentRegister

    with transaction.atomic(), _queries_unlogged(), _foreign_keys_trusted():
        registers = {(r.agency_id, r.family, r.year): r for r in DocumentRegister.objects.select_for_update()}
        serials = {key: r.last_serial for key, r in registers.items()}
        run = Batch(copiers, serials, Path(settings.MEDIA_ROOT), seal=seal, files=files)
        rows += run.run(plans)
        for stage, ids in run.case_ids.items():
            case_ids[stage] += ids
        run.finish_chain()
        _save_registers(registers, serials)


def _copy_chunks_pipelined(plans: list[Plan], batch: int, copiers: dict, rows: Counter, case_ids: dict, copying: float,
                           progress) -> None:
    """The plans a chunk at a time, made here and loaded by a ChunkLoader meanwhile: while PostgreSQL
    stores chunk n, Python makes chunk n+1. Ids are still reserved here (sequences are not
    transactional); the 文号 serials and the audit chain's head are carried here from chunk to chunk and
    stored by the loader in each chunk's transaction."""
    from django.conf import settings

    from agencies.audit import audit_seal
    from agencies.models import AuditChainHead, DocumentRegister

    audit_seal()  # events committed before come first, as in the first chunk of the serial path
    head = AuditChainHead.objects.get_or_create(pk=1)[0]
    serials = {(r.agency_id, r.family, r.year): r.last_serial for r in DocumentRegister.objects.all()}
    with _queries_unlogged(), ChunkLoader(progress=progress, started=copying) as loader, \
            ThreadPoolExecutor(max_workers=1) as files:
        making = cpu = 0.0
        for start in range(0, len(plans), batch):
            began, began_cpu = time.perf_counter(), time.thread_time()
            chunk, tables = plans[start:start + batch], []
            run = Batch(copiers, serials, Path(settings.MEDIA_ROOT), files=files, chain_head=head, out=tables)
            rows += run.run(chunk)
            for stage, ids in run.case_ids.items():
                case_ids[stage] += ids
            making, cpu = making + time.perf_counter() - began, cpu + time.thread_time() - began_cpu
            loader.put(Chunk(cases=len(chunk), tables=tables, serials=dict(serials), chain=(head.last_seq, head.last_hash)))
    print(f"  making the chunks took {making:.1f} s ({cpu:.1f} s of CPU); it waited {loader.put_wait:.1f} s for the loader, "
          f"the loader {loader.get_wait:.1f} s for chunks", flush=True)


@dataclass
class Chunk:
    """A chunk made and waiting for the loader: its tables' COPY text and what its transaction stores besides."""

    cases: int
    tables: list  # _rows.TableCopy, parents first
    serials: dict[tuple[int, str, int], int]  # every register's last serial after the chunk
    chain: tuple[int, str]  # the audit chain head's last_seq and last_hash after the chunk


class ChunkLoader:
    """A thread with its own connection that loads made chunks in order, one transaction each (foreign
    keys trusted, as in the serial path), while the caller makes the next ones; at most `depth` made
    chunks wait. psycopg lets go of the GIL while it waits on the socket, so Python keeps making rows.

    A failed load stops the run: the next put() or the end of the `with` block raises it in the
    caller's thread (the loader takes and drops whatever was still queued, so the caller never blocks
    on a dead loader); an error in the caller stops the loader before the chunks still queued."""

    def __init__(self, *, progress=None, started: float = 0.0, depth: int = 2) -> None:
        self.queue: Queue = Queue(maxsize=depth)
        self.progress, self.started = progress, started
        self.error: BaseException | None = None
        self.cancelled = False
        self.loaded = 0
        self.put_wait = self.get_wait = 0.0  # seconds the caller waited for room, the loader for a chunk
        self.thread = threading.Thread(target=self._run, name="datagen-loader", daemon=True)

    def __enter__(self) -> "ChunkLoader":
        self.thread.start()
        return self

    def put(self, chunk: Chunk) -> None:
        self._raise()
        waiting = time.perf_counter()
        self.queue.put(chunk)
        self.put_wait += time.perf_counter() - waiting

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is not None:
            self.cancelled = True  # the caller failed: what is queued is not loaded
        self.queue.put(None)
        self.thread.join()
        if exc is None:
            self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise RuntimeError("the loader thread failed; the chunks it committed before stay") from self.error

    def _run(self) -> None:
        from django.db import connection

        try:
            self._load_all()
        except BaseException as error:  # noqa: BLE001 — handed to the caller's thread
            self.error = error
            while self.queue.get() is not None:
                pass
        finally:
            connection.close()

    def _load_all(self) -> None:
        from agencies.models import DocumentRegister

        registers = {(r.agency_id, r.family, r.year): r for r in DocumentRegister.objects.all()}
        if self.progress:
            self.progress(0, time.perf_counter() - self.started)  # this connection's backend is the one that loads
        while True:
            waiting = time.perf_counter()
            chunk = self.queue.get()
            self.get_wait += time.perf_counter() - waiting
            if chunk is None:
                return
            if self.cancelled:
                continue
            _load_chunk(chunk, registers)
            self.loaded += chunk.cases
            if self.progress:
                self.progress(self.loaded, time.perf_counter() - self.started)


def _load_chunk(chunk: Chunk, registers: dict) -> None:
    """One transaction on the loader's connection: the chunk's tables, its 文号 serials, the chain's head."""
    from django.db import connection, transaction

    from _rows import load_tables
    from agencies.models import AuditChainHead

    with transaction.atomic(), _foreign_keys_trusted():
        load_tables(connection, chunk.tables)
        _save_registers(registers, chunk.serials)
        AuditChainHead.objects.filter(pk=1).update(last_seq=chunk.chain[0], last_hash=chunk.chain[1])


# Columns PostgreSQL would try to compress in vain: the letters are .docx files (zip archives), so
# pglz gives up on each one and stores it as it came (pg_column_size equals octet_length for every
# copied letter) — after spending more CPU on the attempt than on the rest of the row (1.8 s against
# 0.8 s for 2,500 letters, a chunk's worth). STORAGE EXTERNAL skips the attempt; the stored values are
# the same, and the column's own setting is put back after the load.
INCOMPRESSIBLE = [("referral_issueddocument", "content")]


@contextmanager
def _bulk_load(enabled: bool) -> Iterator[dict]:
    """A bulk load's usual order: the copied tables' plain indexes (not primary keys nor the unique
    ones behind constraints) dropped, the rows loaded, the same indexes built again from their
    definitions; meanwhile the INCOMPRESSIBLE columns are stored without a compression attempt."""
    from django.db import connection

    timing: dict = {}
    if not enabled or connection.vendor != "postgresql":
        yield timing
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), t.relname FROM pg_index i"
            " JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = ANY(%s) AND NOT i.indisprimary"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
            [CLONED_TABLES])
        indexes = cursor.fetchall()
        for name, _, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        storage = []
        for table, column in INCOMPRESSIBLE:
            cursor.execute("SELECT attstorage FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s", [table, column])
            storage.append((table, column, {"x": "EXTENDED", "m": "MAIN", "e": "EXTERNAL", "p": "PLAIN"}[cursor.fetchone()[0]]))
            cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE EXTERNAL")
    try:
        yield timing
    finally:
        with connection.cursor() as cursor:
            for table, column, setting in storage:
                cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE {setting}")
    started = time.perf_counter()
    took = _build_indexes(indexes)
    timing["seconds"] = time.perf_counter() - started
    slowest = ", ".join(f"{name} {seconds:.1f} s" for seconds, name in sorted(took, reverse=True)[:3])
    print(f"  {len(indexes)} indexes built again in {timing['seconds']:.1f} s on {INDEX_BUILDERS} connections "
          f"(slowest: {slowest})", flush=True)


INDEX_BUILDERS = 2  # connections building indexes at once: 11.4 → 9.4 s at 100k on the 2-core machine


def _build_indexes(indexes: list[tuple[str, str, str]]) -> list[tuple[float, str]]:
    """Run the (name, CREATE INDEX, table) definitions on INDEX_BUILDERS connections at once, the
    largest tables' first; a failed build is raised here once the others are done."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, pg_relation_size(oid) FROM pg_class WHERE relname = ANY(%s)", [CLONED_TABLES])
        sizes = dict(cursor.fetchall())
    todo = sorted(indexes, key=lambda index: sizes.get(index[2], 0))  # popped from the end: largest first
    took: list[tuple[float, str]] = []

    def build() -> None:
        from django.db import connection

        try:
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '1GB'")
                while todo:
                    try:
                        name, definition, _ = todo.pop()
                    except IndexError:  # the other builder took the last one
                        return
                    began = time.perf_counter()
                    cursor.execute(definition)
                    took.append((time.perf_counter() - began, name))
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=INDEX_BUILDERS) as builders:
        for builder in [builders.submit(build) for _ in range(INDEX_BUILDERS)]:
            builder.result()
    return took


@contextmanager
def _queries_unlogged() -> Iterator[None]:
    """LIANBAN_DEBUG=1 logs every statement with its parameters: millions of rows would mostly pay for that."""
    from django.conf import settings

    debug, settings.DEBUG = settings.DEBUG, False
    try:
        yield
    finally:
        settings.DEBUG = debug


@contextmanager
def _foreign_keys_trusted() -> Iterator[None]:
    """PostgreSQL checks every foreign key of every row at commit, one lookup a key: the copies' keys
    are right by construction (tests/test_bench_datagen.py), so, as pg_restore --disable-triggers
    does, the chunk is loaded without those checks (the constraints themselves stay)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    yield
    with connection.cursor() as cursor:  # (inside the tests' transaction, for the rest of the test)
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def _save_registers(registers: dict, serials: dict) -> None:
    from agencies.models import DocumentRegister

    changed = [r for key, r in registers.items() if r.last_serial != serials[key]]
    for register in changed:
        register.last_serial = serials[(register.agency_id, register.family, register.year)]
    DocumentRegister.objects.bulk_update(changed, ["last_serial"])
    created = DocumentRegister.objects.bulk_create([
        DocumentRegister(agency_id=agency_id, family=family, year=year, last_serial=last)
        for (agency_id, family, year), last in serials.items() if (agency_id, family, year) not in registers
    ])
    registers |= {(r.agency_id, r.family, r.year): r for r in created}  # the loader keeps them from chunk to chunk


def report(result: Result) -> None:
    print(f"\n{result.cases} cases in {result.seconds:.1f} s, of which the batches {result.copy_seconds:.1f} s "
          f"(the indexes built after the load {result.index_seconds:.1f} s of it) "
          f"({result.cases / result.copy_seconds:.0f} cases/s; {result.cases / result.seconds:.0f} cases/s with the set-up)")
    print("\ncases per stage: " + ", ".join(f"{stage} {count}" for stage, count in result.stages.items()))
    print("\nrows a case of each stage has (from its template):")
    tables = sorted({t for counts in result.per_stage.values() for t in counts})
    print("| table | " + " | ".join(result.per_stage) + " |")
    for table in tables:
        print(f"| {table} | " + " | ".join(str(result.per_stage[s].get(table, 0)) for s in result.per_stage) + " |")
    print("\nrows written: " + ", ".join(f"{t} {c}" for t, c in sorted(result.rows.items())) + f"; total {sum(result.rows.values())}")
    loads = result.officer_loads
    if loads:
        print(f"\nopen tasks in officers' inboxes: {len(loads)} officers, min {loads[0]}, median {loads[len(loads) // 2]}, max {loads[-1]}")


def _progress(total: int):
    """A line a chunk: cases so far, their rate and the rate of the last chunk, this process's share of the time."""
    last: dict = {"done": 0, "s": 0.0, "cpu": 0.0, "pg": None}

    def show(done: int, seconds: float) -> None:
        chunk_s, cpu, pg = max(seconds - last["s"], 1e-9), time.process_time(), _backend_cpu()
        if not done:
            last.update(s=seconds, cpu=cpu, pg=pg)
            return
        busy = f"Python busy {100 * (cpu - last['cpu']) / chunk_s:.0f}%"
        if pg is not None and last["pg"] is not None:
            busy += f", PostgreSQL {100 * (pg - last['pg']) / chunk_s:.0f}%"
        print(f"  {done}/{total} cases, {seconds:.1f} s: {done / seconds:.0f} cases/s "
              f"(last chunk {(done - last['done']) / chunk_s:.0f} cases/s; {busy})", flush=True)
        last.update(done=done, s=seconds, cpu=cpu, pg=pg)
    return show


def _backend_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend, when it runs on this machine."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000, help="cases to generate (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bureaus", type=int, default=12, help=f"city bureaus holding cases (default 12, at most {len(CITIES) + 1})")
    parser.add_argument("--batch", type=int, default=5000, help="cases per transaction (default 5000)")
    parser.add_argument("--database-url", help="PostgreSQL database to (re-)create and keep; default a scratch SQLite, removed after")
    parser.add_argument("--keep-indexes", action="store_true", help="PostgreSQL: load with every index in place (default: plain indexes built after)")
    parser.add_argument("--serial", action="store_true",
                        help="PostgreSQL: make and load each chunk in turn on one connection (default: a loader thread loads chunk n while chunk n+1 is made)")
    args = parser.parse_args()

    with scratch_django(database_url=args.database_url, keep=bool(args.database_url)) as scratch:
        pipelined = scratch.vendor == "postgresql" and not args.serial
        print(f"# datagen: {args.cases} cases, seed {args.seed}, {args.bureaus} bureaus — {scratch.vendor} {scratch.database}, "
              f"{'pipelined (loader thread)' if pipelined else 'serial'}")
        result = make_cases(args.cases, seed=args.seed, bureaus=args.bureaus, batch=args.batch,
                            progress=_progress(args.cases), defer_indexes=not args.keep_indexes, pipelined=pipelined)
        report(result)
        from django.db import connection

        # A settled database, as autovacuum leaves it some time after a bulk load: fresh statistics, and on
        # PostgreSQL each table's visibility map set (the queue's covering index is index-only only where
        # a page is all-visible: before any VACUUM, an officer's 我的工作 read 28,459 table rows it did not need).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")
        if args.database_url:
            print(f"\nkept: {scratch.database} (media files in {scratch.var_dir})")


if __name__ == "__main__":
    main()
