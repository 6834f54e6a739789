"""Append-only, keyed hash-chained audit trail.

`audit_append` writes the event inside the caller's transaction, so the change and its audit record
commit or vanish together, and signs its content with the audit key (`mac`, the proof of origin);
`audit_append_many` does the same for a batch of events in one INSERT (the deadline worker's).
Right after commit, `audit_seal` chains every unsealed event whose `mac` verifies, in commit order,
under a lock on the chain head: the business transaction never waits on a global lock, and the chain
order is the order in which changes became visible. `audit_verify` recomputes the chain.

The key (settings.LIANBAN_AUDIT_KEY) is never stored in the database, so whoever can write to the
database but lacks the key can neither forge an event nor re-chain an edited one. Truncating the tail
of the chain leaves a valid shorter chain; that is caught by the signed checkpoints that
`audit_checkpoint` writes to a directory outside the database (LIANBAN_AUDIT_CHECKPOINT_DIR).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import Count
from django.utils import timezone

from agencies import recording
from agencies.bulk import insert_columns, reserve_ids
from agencies.models import Agency, AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64
LATEST = "latest.json"

logger = logging.getLogger(__name__)


def audit_append(
    *,
    actor: Any | None,
    verb: str,
    target: models.Model,
    summary: str,
    thread: str,
    agency: Agency | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record a state change. Call inside the transaction that makes the change."""
    entry = AuditEntry(actor=actor, verb=verb, target=target, summary=summary, thread=thread, agency=agency, data=data)
    event = _signed_event(entry)
    event.save(force_insert=True)
    _seal_after_commit()
    return event


@dataclass(frozen=True)
class AuditEntry:
    """One state change for `audit_append_many`: the arguments `audit_append` takes."""

    verb: str
    target: models.Model
    summary: str
    thread: str
    actor: Any | None = None
    agency: Agency | None = None
    data: dict[str, Any] | None = None


def audit_append_many(entries: Sequence[AuditEntry]) -> list[AuditEvent]:
    """Record a batch of state changes in one INSERT. Call inside the transaction that makes them.

    Each event is signed on its own, exactly as `audit_append` signs it, so the seal, `verify_audit`
    and `verify_audit --seal` cannot tell them apart. The events of one batch share one `occurred_at`
    (one moment, one transaction); two identical entries would then be identical events, which
    `audit_verify` reports as a replayed copy, so a batch refuses them.
    """
    if not entries:
        return []
    keys, now = _Keys.current(), timezone.now()
    events = [_signed_event(entry, keys=keys, occurred_at=now) for entry in entries]
    if len({event.mac for event in events}) != len(events):
        raise ValueError("同一批审计事件中有内容完全相同的两条。")
    if connection.vendor == "postgresql":
        _insert_postgresql(events, occurred_at=now)
    else:
        AuditEvent.objects.bulk_create(events)
    _seal_after_commit()
    return events


def _insert_postgresql(events: list[AuditEvent], *, occurred_at: datetime) -> None:
    """The batch's INSERT column by column (agencies.bulk), without preparing each event field by field."""
    ids = reserve_ids(AuditEvent, len(events))
    insert_columns(AuditEvent, ids=ids, same={"occurred_at": occurred_at}, rows={
        "actor_id": [event.actor_id for event in events],
        "agency_id": [event.agency_id for event in events],
        "verb": [event.verb for event in events],
        "target_type": [event.target_type for event in events],
        "target_id": [event.target_id for event in events],
        "thread": [event.thread for event in events],
        "summary": [event.summary for event in events],
        "data": [json.dumps(event.data, ensure_ascii=False) for event in events],
        "mac": [event.mac for event in events],
    })
    for event, pk in zip(events, ids, strict=True):
        event.pk, event._state.adding, event._state.db = pk, False, connection.alias


def _signed_event(entry: AuditEntry, *, keys: _Keys | None = None, occurred_at: datetime | None = None) -> AuditEvent:
    """The unsaved event of `entry`, with its proof of origin (`occurred_at`: the model's default, now)."""
    actor = entry.actor
    summary, data = entry.summary, entry.data or {}
    paper = recording.current()
    if paper is not None:  # a step taken on paper, entered by a clerk (代录): said on the event itself
        summary, data = f"【代录】{summary}", {**data, "on_paper": paper.as_data()}
    event = AuditEvent(
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        agency=entry.agency,
        verb=entry.verb,
        target_type=entry.target._meta.label_lower,
        target_id=str(entry.target.pk),
        thread=entry.thread,
        summary=summary[:300],
        data=json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
    )
    if occurred_at is not None:
        event.occurred_at = occurred_at
    event.mac = _origin_mac(event, keys)
    return event


def _seal_after_commit() -> None:
    """Register one seal per transaction, however many events it appends."""
    connection = transaction.get_connection()
    if not any(callback is audit_seal for _, callback, _ in connection.run_on_commit):
        transaction.on_commit(audit_seal)


# --- keys and digests --------------------------------------------------------------------------------


def _key(purpose: str) -> bytes:
    """A subkey of the audit key per use, so a MAC made for one purpose never verifies for another."""
    master = settings.LIANBAN_AUDIT_KEY.encode("utf-8")
    return hmac.new(master, f"lianban.audit.{purpose}".encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class _Keys:
    origin: bytes
    chain: bytes
    checkpoint: bytes

    @classmethod
    def current(cls) -> _Keys:
        return cls(origin=_key("origin"), chain=_key("chain"), checkpoint=_key("checkpoint"))


def _mac(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _numbers(value: Any) -> Any:
    """PostgreSQL's jsonb reads 1e20 or 2.0 back as integers: sign integral floats as integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value


def _content(event: AuditEvent) -> str:
    """The signed content of an event, canonical so it reads the same before and after the database."""
    payload = {
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "agency": event.agency_id,
        "verb": event.verb,
        "target": f"{event.target_type}:{event.target_id}",
        "thread": event.thread,
        "summary": event.summary,
        "data": _numbers(event.data),
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)


def _origin_mac(event: AuditEvent, keys: _Keys | None = None) -> str:
    """The proof of origin: only a holder of the audit key (the application) can compute it."""
    return _mac((keys or _Keys.current()).origin, _content(event))


def _digest(prev_hash: str, event: AuditEvent, keys: _Keys | None = None) -> str:
    """The event's link in the chain: its place (seq), its predecessor and its content, under the key."""
    return _mac((keys or _Keys.current()).chain, f"{prev_hash}|{event.seq}|{_content(event)}")


def legacy_digest(prev_hash: str, event: Any) -> str:
    """The unkeyed SHA-256 link of versions before the audit key (events 1…legacy_seq)."""
    payload = {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(),
        "actor": event.actor_id,
        "agency": event.agency_id,
        "verb": event.verb,
        "target": f"{event.target_type}:{event.target_id}",
        "thread": event.thread,
        "summary": event.summary,
        "data": event.data,
    }
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def legacy_boundary_mac(seq: int, hash_: str) -> str:
    """Signs where the unkeyed legacy prefix ends (written once, by migration 0003)."""
    return _mac(_key("legacy"), f"{seq}|{hash_}")


# --- sealing ---------------------------------------------------------------------------------------------


def _chain_head_for_update() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


@dataclass(frozen=True)
class SealResult:
    sealed: int
    refused: list[int]  # ids of unsealed events whose proof of origin does not verify: left unsealed


_reported_refusals: set[int] = set()  # log each refused event once per process, not after every commit


@transaction.atomic
def audit_seal_report() -> SealResult:
    """Chain every committed, unsealed event the application wrote; refuse (and report) any other."""
    keys = _Keys.current()
    head = _chain_head_for_update()
    sealed, refused = [], []
    for event in AuditEvent.objects.filter(seq__isnull=True).order_by("id"):
        if not _same(event.mac, _origin_mac(event, keys)):
            refused.append(event.id)
            continue
        event.seq = head.last_seq + 1
        event.prev_hash = head.last_hash
        event.hash = _digest(event.prev_hash, event, keys)
        head.last_seq, head.last_hash = event.seq, event.hash
        sealed.append(event)
    if sealed:  # in bulk: the deadline worker seals hundreds of events per batch
        _write_links(sealed)
        head.save(update_fields=["last_seq", "last_hash"])
    for event_id in set(refused) - _reported_refusals:
        logger.error("审计事件 %s 的来源签名无效（不是本系统写入的记录），拒绝入链。", event_id)
        _reported_refusals.add(event_id)
    return SealResult(sealed=len(sealed), refused=refused)


LINKS_PER_STATEMENT = 2000  # rows of one UPDATE … FROM (VALUES …): 8,000 parameters


def _write_links(events: Sequence[AuditEvent]) -> None:
    """Store the events' seq, prev_hash and hash (under the chain head's lock, in the seal's transaction).

    On PostgreSQL one `UPDATE … FROM (VALUES (id, seq, prev_hash, hash), …)` per LINKS_PER_STATEMENT
    events, matched on the primary key; elsewhere (SQLite) Django's `bulk_update` (a CASE per column)."""
    if connection.vendor != "postgresql":
        AuditEvent.objects.bulk_update(events, ["seq", "prev_hash", "hash"], batch_size=500)
        return
    quote, meta = connection.ops.quote_name, AuditEvent._meta
    table = quote(meta.db_table)
    pk, seq, prev_hash, hash_ = (quote(meta.get_field(name).column) for name in ("id", "seq", "prev_hash", "hash"))
    with connection.cursor() as cursor:
        for start in range(0, len(events), LINKS_PER_STATEMENT):
            chunk = events[start:start + LINKS_PER_STATEMENT]
            rows = ", ".join(["(%s::bigint, %s::bigint, %s::varchar, %s::varchar)"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} AS event SET {seq} = link.seq, {prev_hash} = link.prev_hash, {hash_} = link.hash"
                f" FROM (VALUES {rows}) AS link (id, seq, prev_hash, hash) WHERE event.{pk} = link.id",
                [value for event in chunk for value in (event.pk, event.seq, event.prev_hash, event.hash)],
            )
            if cursor.rowcount != len(chunk):  # never move the head past links that were not written
                raise RuntimeError(f"审计链封存只写入了 {cursor.rowcount} / {len(chunk)} 条记录。")


def audit_seal() -> int:
    """Chain every committed, unsealed event. Safe to call from any number of processes."""
    return audit_seal_report().sealed


# --- verification ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditProblem:
    event_id: int | None
    message: str


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    name: str


@dataclass
class _Walk:
    """Walks the sealed events in seq order from a trusted starting point, yielding every break."""

    keys: _Keys
    legacy_seq: int = 0
    legacy_hash: str = ""
    marks: dict[int, list[Checkpoint]] = field(default_factory=dict)
    last_seq: int = 0
    last_hash: str = GENESIS_HASH

    def walk(self, events: Iterable[AuditEvent]) -> Iterator[AuditProblem]:
        for event in events:
            expected = self.last_seq + 1
            if event.seq != expected:
                yield AuditProblem(event.id, f"序号不连续：应为 {expected}，实为 {event.seq}（有记录被删除）")
            if event.prev_hash != self.last_hash:
                yield AuditProblem(event.id, f"第 {event.seq} 条的前序哈希与上一条不符")
            yield from self._check(event)
            for checkpoint in self.marks.get(event.seq, []):
                if not _same(checkpoint.hash, event.hash):
                    yield AuditProblem(event.id, f"第 {event.seq} 条与 {checkpoint.at} 的检查点 {checkpoint.name} 不符（链被改写）")
            self.last_seq, self.last_hash = event.seq, event.hash

    def _check(self, event: AuditEvent) -> Iterator[AuditProblem]:
        if event.seq <= self.legacy_seq:
            if legacy_digest(event.prev_hash, event) != event.hash:
                yield AuditProblem(event.id, f"第 {event.seq} 条（旧版无密钥链段）内容与哈希不符（记录被篡改）")
            elif event.seq == self.legacy_seq and not _same(event.hash, self.legacy_hash):
                yield AuditProblem(event.id, f"第 {event.seq} 条与登记的旧版链段终点不符（旧版链段被改写）")
        elif not _same(event.mac, _origin_mac(event, self.keys)):
            yield AuditProblem(event.id, f"第 {event.seq} 条内容与写入时的来源签名不符（记录被篡改或伪造，或密钥不对）")
        elif not _same(event.hash, _digest(event.prev_hash, event, self.keys)):
            yield AuditProblem(event.id, f"第 {event.seq} 条内容与哈希不符（记录被篡改或重新链接）")


def _walk_for(keys: _Keys, head: AuditChainHead | None) -> tuple[_Walk, list[AuditProblem]]:
    """A walk from genesis that knows the signed legacy boundary (or reports a forged one)."""
    walk, problems = _Walk(keys=keys), []
    if head is not None and (head.legacy_seq or head.legacy_mac):
        if _same(head.legacy_mac, legacy_boundary_mac(head.legacy_seq, head.legacy_hash)):
            walk.legacy_seq, walk.legacy_hash = head.legacy_seq, head.legacy_hash
        else:
            problems.append(AuditProblem(None, "旧版（无密钥）链段的边界签名无效：边界被改动，或密钥不对"))
    return walk, problems


def _sealed_from(seq: int) -> Iterator[AuditEvent]:
    return AuditEvent.objects.filter(seq__gte=seq).order_by("seq").iterator(chunk_size=2000)


def audit_verify(*, unsealed_grace: timedelta = timedelta(minutes=5), checkpoints: bool = True) -> Iterator[AuditProblem]:
    """Yield every break in the chain: a changed, forged, missing or reordered event, one left unsealed,
    and a chain that no longer matches a checkpoint written outside the database."""
    keys = _Keys.current()
    head = AuditChainHead.objects.filter(pk=1).first()
    walk, problems = _walk_for(keys, head)
    yield from problems
    known: list[Checkpoint] = []
    if checkpoints:
        known, problems = checkpoints_load(keys)
        yield from problems
        for checkpoint in known:
            walk.marks.setdefault(checkpoint.seq, []).append(checkpoint)

    yield from walk.walk(_sealed_from(1))

    if walk.legacy_seq > walk.last_seq:
        yield AuditProblem(None, f"审计链只到第 {walk.last_seq} 条，短于旧版链段的 {walk.legacy_seq} 条（末尾记录被删除）")
    longest = max(known, key=lambda checkpoint: checkpoint.seq, default=None)
    if longest is not None and longest.seq > walk.last_seq:
        yield AuditProblem(
            None, f"审计链只到第 {walk.last_seq} 条，而 {longest.at} 的检查点 {longest.name} 记录到第 {longest.seq} 条（末尾记录被删除）"
        )
    if head is not None and (head.last_seq, head.last_hash) != (walk.last_seq, walk.last_hash):
        yield AuditProblem(None, "链尾与登记的链头不符（末尾记录被删除或改动）")

    stale_before = timezone.now() - unsealed_grace
    forged: set[int] = set()
    for event in AuditEvent.objects.filter(seq__isnull=True).order_by("id").iterator(chunk_size=2000):
        if not _same(event.mac, _origin_mac(event, keys)):
            forged.add(event.id)
            yield AuditProblem(event.id, "未入链记录的来源签名无效：不是本系统写入的记录（可能是直接写入数据库的伪造记录），拒绝入链")
        elif event.occurred_at < stale_before:
            yield AuditProblem(event.id, "记录提交后未入链（运行 verify_audit --seal 补链）")

    copies = AuditEvent.objects.exclude(mac="").order_by().values("mac").annotate(n=Count("id")).filter(n__gt=1).values_list("mac", flat=True)
    for mac in copies:
        first, *others = AuditEvent.objects.filter(mac=mac).order_by("id").values_list("id", flat=True)
        for event_id in set(others) - forged:  # a forgery with a copied mac is reported once, as a forgery
            yield AuditProblem(event_id, f"与事件 {first} 内容和来源签名完全相同（复制重放的记录）")


# --- checkpoints outside the database -------------------------------------------------------------------


def _checkpoint_dir() -> Path:
    return Path(settings.LIANBAN_AUDIT_CHECKPOINT_DIR)


def _checkpoint_body(seq: int, hash_: str, at: str, database: str) -> str:
    return json.dumps({"seq": seq, "hash": hash_, "at": at, "database": database}, sort_keys=True, separators=(",", ":"))


def checkpoints_load(keys: _Keys | None = None) -> tuple[list[Checkpoint], list[AuditProblem]]:
    """Every checkpoint file in the directory (history and latest); a file whose signature fails is a problem."""
    keys = keys or _Keys.current()
    directory = _checkpoint_dir()
    found: list[Checkpoint] = []
    problems: list[AuditProblem] = []
    paths = sorted(directory.glob("checkpoint-*.json")) + [directory / LATEST] if directory.is_dir() else []
    for path in paths:
        if not path.exists():
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            seq, hash_, at, database = int(record["seq"]), str(record["hash"]), str(record["at"]), str(record.get("database", ""))
            valid = _same(str(record["mac"]), _mac(keys.checkpoint, _checkpoint_body(seq, hash_, at, database)))
        except (OSError, ValueError, KeyError, TypeError):
            valid = False
        if valid:
            if not any((seq, hash_) == (other.seq, other.hash) for other in found[-1:]):  # latest.json repeats one
                found.append(Checkpoint(seq=seq, hash=hash_, at=at, name=path.name))
        else:
            problems.append(AuditProblem(None, f"检查点文件 {path} 无法读取或签名无效（文件被改动，或密钥不对）"))
    return found, problems


@dataclass(frozen=True)
class CheckpointOutcome:
    written: Checkpoint | None
    latest: Checkpoint | None
    problems: list[AuditProblem]

    @property
    def message(self) -> str:
        if self.problems:
            return f"审计检查点未写入：{len(self.problems)} 处问题。"
        if self.written is not None:
            return f"已写入审计检查点：第 {self.written.seq} 条，{self.written.name}。"
        if self.latest is not None:
            return f"审计链无新记录，最新检查点仍为第 {self.latest.seq} 条（{self.latest.name}）。"
        return "审计链为空，无需检查点。"


def audit_checkpoint() -> CheckpointOutcome:
    """Verify the events sealed since the latest checkpoint, then sign their end into a new file.

    Idempotent: nothing is written while the chain has not grown. Never writes over a broken chain.
    """
    keys = _Keys.current()
    known, problems = checkpoints_load(keys)
    latest = max(known, key=lambda checkpoint: checkpoint.seq, default=None)
    walk, boundary_problems = _walk_for(keys, AuditChainHead.objects.filter(pk=1).first())
    problems += boundary_problems
    if latest is not None and not problems:
        start = AuditEvent.objects.filter(seq=latest.seq).first()
        if start is None or not _same(start.hash, latest.hash):
            problems.append(AuditProblem(start and start.id, f"第 {latest.seq} 条与检查点 {latest.name} 不符或已不存在（链被改写或截短）"))
        else:
            walk.last_seq, walk.last_hash = latest.seq, latest.hash
    if not problems:
        problems += list(walk.walk(_sealed_from(walk.last_seq + 1)))
    if problems or walk.last_seq == 0 or (latest is not None and walk.last_seq == latest.seq):
        for problem in problems:
            logger.error("审计检查点：[事件 %s] %s", problem.event_id, problem.message)
        return CheckpointOutcome(written=None, latest=latest, problems=problems)

    at = timezone.now().astimezone(UTC).isoformat(timespec="seconds")
    database = str(connection.settings_dict.get("NAME") or "")
    body = _checkpoint_body(walk.last_seq, walk.last_hash, at, database)
    text = json.dumps({**json.loads(body), "mac": _mac(keys.checkpoint, body)}, ensure_ascii=False, indent=1) + "\n"
    directory = _checkpoint_dir()
    name = f"checkpoint-{walk.last_seq:012d}.json"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for target in (directory / name, directory / LATEST):  # history first: "latest" never names a missing file
            temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, target)  # atomic: a reader sees the old file or the new one, never half
    except OSError as exc:
        logger.error("审计检查点无法写入 %s：%s", directory, exc)
        return CheckpointOutcome(written=None, latest=latest, problems=[AuditProblem(None, f"检查点目录 {directory} 无法写入：{exc}")])
    written = Checkpoint(seq=walk.last_seq, hash=walk.last_hash, at=at, name=name)
    return CheckpointOutcome(written=written, latest=written, problems=[])
