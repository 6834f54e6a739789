"""The cloning of bench/datagen.py: one real case per stage as a template, and the copies of its rows.

One case per stage is driven through the real flows (`demo.stories.tell`) inside a transaction that
is rolled back; every row it wrote, in every table, is the template of that stage. `Batch` writes
copies of a template with their own ids, bureau, people, numbers, times, texts and audit hashes.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any


from _bureaus import Bureau, demo_bureau
from _rows import ADJUSTED, Compiled, TableCopy, reserve_ids, table_buffer, table_writer

# The template case: what every generated case replaces with its own values.
TEMPLATE_TITLE = "模板甲乙医院涉嫌虚构医药服务案"
TEMPLATE_AMOUNT = Decimal("486320.57")
TEMPLATE_SOURCE = "tip"
TEMPLATE_INSTITUTION = ("镇江模板甲乙医院有限公司", "91321100MA1Q3M6T41", "镇江市模板路1号", "模板法人")


# --- templates: one real case per stage --------------------------------------------------------------

# Tables a template may write, in insertion order (parents first). DocumentRegister is not cloned:
# every generated 文号 is allocated from the bureau's registers instead.
CLONED_TABLES = [
    "casework_case", "casework_case_investigators", "casework_subject", "casework_evidence", "viewflow_process",
    "casework_caseprocess", "referral_referral", "referral_referral_task_force", "referral_packageitem",
    "referral_issueddocument", "referral_referralprocess", "viewflow_task", "viewflow_task_previous",
    "casework_casegroupobjectpermission", "referral_referralgroupobjectpermission", "casework_deadline",
    "casework_penaltydecision", "notifications_notification", "agencies_auditevent",
]
NOT_CLONED = {"agencies_documentregister", "agencies_auditchainhead"}  # numbers and the chain: see Batch
# Multi-table children of viewflow's Process: their parent row is inserted with the processes.
PROCESS_CHILDREN = {"casework_caseprocess", "referral_referralprocess"}
# Demo people of the template → the key of the person a generated case puts in their place.
TEMPLATE_PEOPLE = {
    "msb_officer": "lead", "msb_officer2": "officer2", "msb_chief": "section_chief", "msb_head": "head",
    "psb_officer": "psb_officer", "psb_chief": "psb_chief", "psb_head": "psb_head",
}
def _official(local: datetime) -> str:
    from agencies.dates import format_datetime_minute

    return format_datetime_minute(local)


# How services write times into texts: ISO-like in audit summaries, the official form in messages.
DATETIME_FORMATS = {"iso": lambda local: f"{local:%Y-%m-%d %H:%M}", "official": _official}
# Audit data that names rows of the case by id.
ID_KEYS = {"penalty": "casework_penaltydecision", "subject": "casework_subject"}
MEMBERS = "members"  # an agency's group of all its officers (Agency.members), beside its role groups


@dataclass
class Template:
    """Every row one real case of a stage wrote, and the strings a copy must replace."""

    stage: str
    rows: dict[str, list]  # table → model instances, in pk order
    numbers: list[tuple[str, str]]  # (family, 文号 text) the case took, in allocation order
    registered_at: datetime
    evidence_content: dict[int, bytes]

    def count(self) -> dict[str, int]:
        return {table: len(rows) for table, rows in self.rows.items() if rows}

    @functools.cached_property
    def lead_holds_open_task(self) -> bool:
        """Whether the copy puts an open task in its lead officer's inbox (the workload to spread)."""
        lead = self.rows["casework_case"][0].lead_officer_id
        return any(task.owner_id == lead and task.finished is None and task.status == "ASSIGNED"
                   for task in self.rows["viewflow_task"])


def _tables() -> dict[str, Any]:
    from django.apps import apps

    return {model._meta.db_table: model for model in apps.get_models(include_auto_created=True)}


def _snapshot(tables: dict[str, Any]) -> dict[str, set]:
    return {table: set(model._base_manager.values_list("pk", flat=True)) for table, model in tables.items()}


def _registers() -> dict[tuple[int, str, int], int]:
    from agencies.models import DocumentRegister

    return {(r.agency_id, r.family, r.year): r.last_serial for r in DocumentRegister.objects.all()}


def _run_on_commit_callbacks() -> None:
    """What the flows do right after commit and what it writes (the package check on receipt sets
    each item's verified_at and verified_ok) belongs to the template, which is never committed."""
    from django.db import transaction

    connection = transaction.get_connection()
    while connection.run_on_commit:
        pending, connection.run_on_commit = connection.run_on_commit, []
        for _, callback, _ in pending:
            callback()


def _open_calendar_years() -> None:
    """A clock that reaches a year without a holiday schedule opens it as provisional and alerts the
    administrators — once for the whole system, long before case N on a running one. Open next year
    first, so that the template holds only what a case itself writes."""
    from django.utils import timezone

    from casework import calendar

    for year in (timezone.localdate().year, timezone.localdate().year + 1):
        if calendar.year_status(year) is None:
            calendar.holiday_year_create_provisional(year=year)


def capture_template(cast, stage: str) -> Template:
    """Drive one case to `stage` through the real flows, keep copies of its rows, roll it all back."""
    from django.db import transaction

    from agencies.models import Agency
    from demo import stories

    _open_calendar_years()
    tables = _tables()
    before, registers_before = _snapshot(tables), _registers()
    story = (TEMPLATE_TITLE, TEMPLATE_SOURCE, getattr(stories, stage), TEMPLATE_AMOUNT, TEMPLATE_INSTITUTION, None)
    with transaction.atomic():
        case = stories.tell(story, cast)
        _run_on_commit_callbacks()
        after = _snapshot(tables)
        unknown = {t for t in tables if after[t] - before[t]} - set(CLONED_TABLES) - NOT_CLONED
        if unknown:
            raise RuntimeError(f"the flows now write {sorted(unknown)}: teach bench/datagen.py to copy them")
        rows = {table: list(tables[table]._base_manager.filter(pk__in=after[table] - before[table]).order_by("pk"))
                for table in CLONED_TABLES}
        for document in rows["referral_issueddocument"]:
            document.content = bytes(document.content)  # deferred by the manager: read it before the rollback
        numbers = []
        for (agency_id, family, year), last in sorted(_registers().items()):
            prefix = Agency.objects.get(pk=agency_id).doc_prefix
            numbers += [(family, f"{prefix}{family}〔{year}〕{serial}号")
                        for serial in range(registers_before.get((agency_id, family, year), 0) + 1, last + 1)]
        evidence_content = {e.pk: e.file.read() for e in rows["casework_evidence"]}
        paths = [e.file.path for e in rows["casework_evidence"]]
        transaction.set_rollback(True)
    for path in paths:  # the rolled-back uploads
        Path(path).unlink(missing_ok=True)
    return Template(stage=stage, rows=rows, numbers=numbers, registered_at=case.registered_at, evidence_content=evidence_content)


# --- copying a template ---------------------------------------------------------------------------------


@dataclass
class Plan:
    """What one generated case is: its stage, bureau, people and the values that make it its own."""

    stage: str
    bureau: Bureau
    lead: Any
    officer2: Any
    registered_at: datetime
    title: str
    amount: Decimal
    source: str
    institution: tuple[str, str, str, str]


class Copier:
    """Turns a template's rows into a plan's rows: ids, people, agencies, numbers, times and texts."""

    def __init__(self, template: Template, cast, group_ids: dict[tuple[int, str], int]) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from agencies.models import Agency, AgencyGroup
        from casework.models import CaseSource

        self.template = template
        self.group_ids = group_ids  # (agency pk, role) → its role group's pk
        self.user_model, self.agency_model = get_user_model(), Agency
        self.demo_bureau = demo_bureau(cast)
        self.user_keys = {cast.user(name).pk: key for name, key in TEMPLATE_PEOPLE.items()}
        self.agency_keys = {self.demo_bureau.msb.pk: "msb", self.demo_bureau.psb.pk: "psb"}
        self.group_keys = {link.group_id: (self.agency_keys[link.agency_id], link.role)
                           for link in AgencyGroup.objects.filter(agency_id__in=self.agency_keys)}
        self.group_keys |= {agency.members_id: (key, MEMBERS) for key, agency in (("msb", self.demo_bureau.msb), ("psb", self.demo_bureau.psb))}
        self.group_model = Group
        self.source_labels = dict(CaseSource.choices)
        values = {value for rows in template.rows.values() for row in rows for value in _field_values(row)
                  if isinstance(value, date)}
        self.datetimes = sorted(value for value in values if isinstance(value, datetime))
        self.dates = sorted(value for value in values if isinstance(value, date) and not isinstance(value, datetime))
        self.pattern = self._pattern()
        self.compiled = Compiled(self, CLONED_TABLES, PROCESS_CHILDREN, TEMPLATE_AMOUNT)

    def _template_strings(self) -> dict[str, str]:
        """String → what it stands for; a copy replaces each with its own value of the same thing."""
        from django.utils import timezone

        names, demo = {}, self.demo_bureau
        for key, agency in (("msb", demo.msb), ("psb", demo.psb)):
            names[agency.name], names[agency.short_name] = f"{key}.name", f"{key}.short_name"
        names[demo.msb.doc_prefix] = "msb.doc_prefix"
        for user_pk, key in self.user_keys.items():
            user = next(u for u in [*demo.officers, *demo.people.values()] if u.pk == user_pk)
            names[user.get_full_name()] = f"person.{key}"
            if key == "lead":
                names[user.officer.phone] = "lead.phone"
        names |= {number: f"number.{i}" for i, (_, number) in enumerate(self.template.numbers)}
        names |= {
            TEMPLATE_TITLE.removesuffix("案"): "title", str(TEMPLATE_AMOUNT): "amount",
            f"（{self.source_labels[TEMPLATE_SOURCE]}）": "source",
            **{value: f"institution.{i}" for i, value in enumerate(TEMPLATE_INSTITUTION)},
            **{e.sha256: f"sha.{e.pk}" for e in self.template.rows["casework_evidence"]},
        }
        for value in self.datetimes:
            for fmt, write in DATETIME_FORMATS.items():
                names.setdefault(write(timezone.localtime(value)), f"datetime.{fmt}.{value.isoformat()}")
        names |= {value.isoformat(): f"date.{value.isoformat()}" for value in self.dates}  # in audit data
        return names

    def _pattern(self) -> re.Pattern:
        self.keys = self._template_strings()
        texts = "\n".join(value for rows in self.template.rows.values() for row in rows
                          for value in _strings(_field_values(row)))
        texts += "\n".join(content.decode() for content in self.template.evidence_content.values())
        used = sorted((s for s in self.keys if s and s in texts), key=len, reverse=True)
        self.used_keys = {self.keys[s] for s in used}  # a copy needs its own value of these only
        self.used_strings = [(s, self.keys[s]) for s in used]
        self.used_times = [(value, fmt, key) for value in self.datetimes for fmt in DATETIME_FORMATS
                           if (key := f"datetime.{fmt}.{value.isoformat()}") in self.used_keys]
        self.used_dates = [(value, key) for value in self.dates if (key := f"date.{value.isoformat()}") in self.used_keys]
        return re.compile("|".join(map(re.escape, used)))

    def replacements(self, plan: Plan, numbers: list[str], times: dict[datetime, datetime]) -> dict[str, str]:
        """The plan's value of everything `_template_strings` names."""
        zone = _zone()
        people = {"lead": plan.lead, "officer2": plan.officer2, **plan.bureau.people}
        values = {
            "msb.name": plan.bureau.msb.name, "msb.short_name": plan.bureau.msb.short_name,
            "psb.name": plan.bureau.psb.name, "psb.short_name": plan.bureau.psb.short_name,
            "msb.doc_prefix": plan.bureau.msb.doc_prefix, "lead.phone": plan.lead.officer.phone,
            "title": plan.title.removesuffix("案"), "amount": str(plan.amount),
            "source": f"（{self.source_labels[plan.source]}）",
            **{f"person.{key}": user.get_full_name() for key, user in people.items()},
            **{f"number.{i}": number for i, number in enumerate(numbers)},
            **{f"institution.{i}": value for i, value in enumerate(plan.institution)},
        }
        for value, fmt, key in self.used_times:
            values[key] = DATETIME_FORMATS[fmt](times[value].astimezone(zone))
        days = plan.registered_at.astimezone(zone).date() - self.template.registered_at.astimezone(zone).date()
        values |= {key: (value + days).isoformat() for value, key in self.used_dates}
        return {string: values[key] for string, key in self.used_strings if key in values}


def _field_values(row) -> list:
    return [getattr(row, f.attname) for f in row._meta.concrete_fields]


def _strings(values) -> Iterator[str]:
    for value in values:
        if isinstance(value, str):
            yield value
        elif isinstance(value, (dict, list)):
            yield json.dumps(value, ensure_ascii=False)


class Batch:
    """Copies of templates for a batch of plans, table by table, with one COPY (SQLite: executemany) per table."""

    def __init__(self, copiers: dict[str, Copier], registers: dict, media_root: Path, *, seal: bool = True, files=None,
                 chain_head=None, out: list[TableCopy] | None = None) -> None:
        self.copiers = copiers
        self.seal = seal  # seal what earlier transactions left unsealed first (nothing does between chunks)
        self.files = files  # an executor that writes the evidence files meanwhile, or None
        self.registers = registers  # (agency_id, family, year) → last serial, advanced as numbers are taken
        self.media_root = media_root
        # agencies.AuditChainHead: locked by the first audit events of the batch, or (made ahead of a
        # loader, chain_head given) the caller's copy, carried from chunk to chunk and stored by the loader
        self.chain_head = chain_head
        self.given_head = chain_head is not None
        self.out = out  # None: each table is sent as it is made; a list: its COPY text is kept there (table_buffer)
        self.case_ids: dict[str, list[int]] = defaultdict(list)  # stage → the generated cases
        self._cache: dict[tuple, dict] = {}

    def run(self, plans: list[Plan]) -> Counter:
        """Every row of the plans' copies: ids reserved first, then one write (COPY) per table."""
        from django.db import connection

        states = [self._state(plan) for plan in plans]
        needed: Counter = Counter()
        for state in states:
            needed.update({t: n for t, n in state.copier.compiled.counts.items() if t not in PROCESS_CHILDREN})
        first = reserve_ids(connection, needed)
        for state in states:
            ids = state.ids
            for table, keys in state.copier.compiled.keys:
                if table in PROCESS_CHILDREN:  # their key is their process's
                    ids.update(zip(keys, [ids[("viewflow_process", pk)] for _, pk in keys]))
                    continue
                base = first.get(table, 0)
                ids.update(zip(keys, range(base, base + len(keys))))
                first[table] = base + len(keys)
        self._chain(states)
        contexts = []
        for state in states:
            bureau = state.plan.bureau
            people = {"lead": state.plan.lead.pk, "officer2": state.plan.officer2.pk, **self._people(bureau)}
            contexts.append((state, people, {"msb": bureau.msb, "psb": bureau.psb}, self._groups(state.copier, bureau)))
        written: Counter = Counter()
        for table in CLONED_TABLES:  # table by table: one COPY each, fed as the rows are made
            entries = [(context, context[0].copier.compiled.table(table)) for context in contexts]
            entries = [(context, entry) for context, entry in entries if entry is not None]
            if not entries:
                continue
            _, model, fields, _ = entries[0][1]
            names = [f.attname for f in fields]
            with (table_writer(connection, model, fields) if self.out is None
                  else table_buffer(connection, model, fields, self.out)) as write:
                adjusted = table in ADJUSTED
                for (state, people, agencies, groups), entry in entries:
                    compiled = state.copier.compiled
                    if not adjusted:
                        for _, values in compiled.rows(entry, state, people, agencies, groups):
                            write(values)
                        written[table] += len(entry[3])
                        continue
                    for old, values in compiled.rows(entry, state, people, agencies, groups):
                        new = SimpleNamespace(**dict(zip(names, values)))
                        state.adjust(table, old, new)
                        if table == "agencies_auditevent":  # most events' data is {}
                            new.data = "{}" if new.data == {} else _DATA_JSON.encode(new.data)  # json.dumps(…, ensure_ascii=False)
                        write(list(vars(new).values()))
                        written[table] += 1
        self._write_evidence(states)
        for state in states:
            self.case_ids[state.plan.stage].append(state.ids[("casework_case", state.copier.template.rows["casework_case"][0].pk)])
        return written

    def _people(self, bureau: Bureau) -> dict[str, int]:
        key = ("people", id(bureau))
        if key not in self._cache:
            self._cache[key] = {k: user.pk for k, user in bureau.people.items()}
        return self._cache[key]

    def _groups(self, copier: Copier, bureau: Bureau) -> dict[tuple[str, str], int]:
        key = ("groups", id(copier), id(bureau))
        if key not in self._cache:
            self._cache[key] = {(k, role): copier.group_ids[(getattr(bureau, k).pk, role)] for k, role in copier.group_keys.values()}
        return self._cache[key]

    # ...... per case

    def _state(self, plan: Plan) -> "CaseState":
        copier = self.copiers[plan.stage]
        template = copier.template
        delta = plan.registered_at - template.registered_at
        year = plan.registered_at.astimezone(_zone()).year
        numbers = []
        for family, _ in template.numbers:
            key = (plan.bureau.msb.pk, family, year)
            self.registers[key] = self.registers.get(key, 0) + 1
            numbers.append(f"{plan.bureau.msb.doc_prefix}{family}〔{year}〕{self.registers[key]}号")
        times = {value: value + delta for value in copier.datetimes}
        clock_times, provisional = _deadline_times(template, times)
        times |= clock_times
        days = (plan.registered_at.astimezone(_zone()).date() - template.registered_at.astimezone(_zone()).date()).days
        state = CaseState(plan=plan, copier=copier, days=timedelta(days=days), numbers=numbers, times=times,
                          provisional=provisional, strings=copier.replacements(plan, numbers, times))
        for evidence in template.rows["casework_evidence"]:
            content = state.text(template.evidence_content[evidence.pk].decode()).encode()
            digest = hashlib.sha256(content).hexdigest()
            state.evidence[evidence.pk] = (content, digest)
            state.strings[evidence.sha256] = digest
        return state

    def _chain(self, states: list["CaseState"]) -> None:
        """Give the batch's audit events their place in the hash chain, as audit_seal would after commit."""
        from agencies.audit import _chain_head_for_update, audit_seal

        if self.given_head:
            head = self.chain_head
        else:
            if self.seal:
                audit_seal()  # events committed before (or still pending in this transaction) come first
            head = _chain_head_for_update()
        for state in states:
            state.chain_head = head
        self.chain_head = head

    def _write_evidence(self, states: list["CaseState"]) -> None:
        files = [(f"{self.media_root}/evidence/{state.ids[('casework_case', old.case_id)]}", digest, content)
                 for state in states for old in state.copier.template.rows["casework_evidence"]
                 for content, digest in [state.evidence[old.pk]]]
        if self.files is None:
            _write_files(files)
        else:
            self.files.submit(_write_files, files)

    def finish_chain(self) -> None:
        if self.chain_head is not None and not self.given_head:
            self.chain_head.save(update_fields=["last_seq", "last_hash"])


def _write_files(files: list[tuple[str, str, bytes]]) -> None:
    for folder, name, content in files:
        os.makedirs(folder, exist_ok=True)
        with open(f"{folder}/{name}", "wb") as out:
            out.write(content)


def _deadline_times(template: Template, times: dict[datetime, datetime]) -> tuple[dict[datetime, datetime], dict[int, bool]]:
    """A copied clock falls due by the calendar from its copied start, as clock_start computes it:
    the due and warning times, and whether the count went through a provisional holiday year."""
    from casework.clocks import warning_time

    result, provisional = {}, {}
    for deadline in template.rows["casework_deadline"]:
        started = times[deadline.started_at]
        due = _due(started, deadline.amount, deadline.unit)
        result[deadline.due_at] = due.at
        result[deadline.warn_at] = warning_time(started_at=started, due_at=due.at, unit=deadline.unit)
        provisional[deadline.pk] = due.provisional
    return result, provisional


_due_cache: dict[tuple, Any] = {}


def _due(started: datetime, amount: int, unit: str):
    """casework.clocks.due_for, once per start day, amount and unit (hours count from the start itself)."""
    from casework.clocks import Due, due_for
    from casework.models import ClockUnit

    if unit == ClockUnit.HOURS:
        return Due(at=started + timedelta(hours=amount), provisional=False)
    key = (started.astimezone(_zone()).date(), amount, unit)
    if key not in _due_cache:
        _due_cache[key] = due_for(started_at=started, amount=amount, unit=unit)
    return _due_cache[key]


@functools.cache
def _audit_keys():
    """The audit subkeys, derived once (they follow settings.LIANBAN_AUDIT_KEY, fixed for a run)."""
    from agencies.audit import _Keys

    return _Keys.current()


def _sign(key: bytes, text: str) -> str:
    """agencies.audit._mac (HMAC-SHA256, hex) in one call, without an hmac object a signature."""
    return hmac.digest(key, text.encode("utf-8"), "sha256").hex()


_DATA_JSON = json.JSONEncoder(ensure_ascii=False)  # json.dumps(…, ensure_ascii=False) without an encoder a call


@functools.cache
def _zone():
    """The current time zone, looked up once (the generator never activates another): what
    timezone.localtime(value) converts to, for value.astimezone(_zone())."""
    from django.utils import timezone

    return timezone.get_current_timezone()


@dataclass
class CaseState:
    """One generated case while its rows are made: the ids its rows got so far and its own values."""

    plan: Plan
    copier: Copier
    days: timedelta  # how much later the copy's calendar days are
    numbers: list[str]
    times: dict[datetime, datetime]
    provisional: dict[int, bool]
    strings: dict[str, str]
    ids: dict[tuple[str, int], int] = field(default_factory=dict)
    evidence: dict[int, tuple[bytes, str]] = field(default_factory=dict)
    chain_head: Any = None

    def text(self, value: str) -> str:
        return self.copier.pattern.sub(lambda m: self.strings.get(m.group(0), m.group(0)), value) if value else value

    def adjust(self, table: str, old, new) -> None:
        """What the operations (bench/_rows.py) leave: an evidence file, a document's number, the audit chain."""
        if table == "casework_evidence":
            content, digest = self.evidence[old.pk]
            new.sha256, new.size = digest, len(content)
            new.file = f"evidence/{self.ids[('casework_case', old.case_id)]}/{digest}"  # upload_to of a fresh upload
        if table == "referral_issueddocument" and old.serial is not None:
            new.serial = int(re.search(r"〔\d+〕(\d+)号$", new.number).group(1))
            new.year = int(re.search(r"〔(\d+)〕", new.number).group(1))
        if table == "agencies_auditevent":
            self._adjust_event(old, new)

    def _adjust_event(self, old, new) -> None:
        from agencies.audit import _content

        keys = _audit_keys()

        data = new.data
        for key, table in ID_KEYS.items():
            if isinstance(data.get(key), int):
                data[key] = self.ids[(table, data[key])]
        if "manifest" in data:  # evidence ids as keys
            data["manifest"] = {str(self.ids[("casework_evidence", int(k))]): v for k, v in data["manifest"].items()}
        if "size" in data and data.get("sha256") in {d for _, d in self.evidence.values()}:
            data["size"] = next(len(c) for c, d in self.evidence.values() if d == data["sha256"])
        new.summary = new.summary[:300]
        content = _content(new)  # what agencies.audit._origin_mac and _digest sign, made once
        new.mac = _sign(keys.origin, content)  # the proof of origin audit_append gives each event
        head = self.chain_head
        new.seq = head.last_seq + 1
        new.prev_hash = head.last_hash
        new.hash = _sign(keys.chain, f"{new.prev_hash}|{new.seq}|{content}")
        head.last_seq, head.last_hash = new.seq, new.hash
