"""Append-only, hash-chained audit trail.

`audit_append` writes the event inside the caller's transaction, so the change and its audit record
commit or vanish together. Right after commit, `audit_seal` chains every unsealed event in commit
order under a lock on the chain head: the business transaction never waits on a global lock, and the
chain order is the order in which changes became visible. `audit_verify` recomputes the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from agencies.models import Agency, AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


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
    event = AuditEvent.objects.create(
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        agency=agency,
        verb=verb,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        thread=thread,
        summary=summary[:300],
        data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),
    )
    _seal_after_commit()
    return event


def _seal_after_commit() -> None:
    """Register one seal per transaction, however many events it appends."""
    connection = transaction.get_connection()
    if not any(callback is audit_seal for _, callback, _ in connection.run_on_commit):
        transaction.on_commit(audit_seal)


def _digest(prev_hash: str, event: AuditEvent) -> str:
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


def _chain_head_for_update() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


@transaction.atomic
def audit_seal() -> int:
    """Chain every committed, unsealed event. Safe to call from any number of processes."""
    head = _chain_head_for_update()
    events = list(AuditEvent.objects.filter(seq__isnull=True).order_by("id"))
    for event in events:
        event.seq = head.last_seq + 1
        event.prev_hash = head.last_hash
        event.hash = _digest(event.prev_hash, event)
        head.last_seq, head.last_hash = event.seq, event.hash
    if events:  # in bulk: the deadline worker seals hundreds of events per batch
        AuditEvent.objects.bulk_update(events, ["seq", "prev_hash", "hash"], batch_size=500)
        head.save(update_fields=["last_seq", "last_hash"])
    return len(events)


@dataclass(frozen=True)
class AuditProblem:
    event_id: int | None
    message: str


def audit_verify(*, unsealed_grace: timedelta = timedelta(minutes=5)) -> Iterator[AuditProblem]:
    """Yield every break in the chain: a changed, missing or reordered event, or one left unsealed."""
    prev_hash, expected_seq = GENESIS_HASH, 1
    for event in AuditEvent.objects.filter(seq__isnull=False).order_by("seq").iterator():
        if event.seq != expected_seq:
            yield AuditProblem(event.id, f"序号不连续：应为 {expected_seq}，实为 {event.seq}（有记录被删除）")
        if event.prev_hash != prev_hash:
            yield AuditProblem(event.id, f"第 {event.seq} 条的前序哈希与上一条不符")
        if _digest(event.prev_hash, event) != event.hash:
            yield AuditProblem(event.id, f"第 {event.seq} 条内容与哈希不符（记录被篡改）")
        prev_hash, expected_seq = event.hash, event.seq + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_seq, head.last_hash) != (expected_seq - 1, prev_hash):
        yield AuditProblem(None, "链尾与登记的链头不符（末尾记录被删除或改动）")
    stale = AuditEvent.objects.filter(seq__isnull=True, occurred_at__lt=timezone.now() - unsealed_grace)
    for event_id in stale.values_list("id", flat=True):
        yield AuditProblem(event_id, "记录提交后未入链（运行 verify_audit --seal 补链）")
