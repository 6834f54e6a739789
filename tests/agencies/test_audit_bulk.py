"""Events appended in bulk (`audit_append_many`, what the deadline worker writes) and the seal's
batched UPDATE: the same signatures, the same chain and the same verification as single events."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from agencies.audit import AuditEntry, audit_append_many, audit_seal, audit_seal_report, audit_verify
from agencies.models import Agency, AuditChainHead, AuditEvent
from tests.agencies.test_audit import append, assert_reported_as_tampered, chain, failing_verify_audit, make_agency, verify_audit


# --- events appended in bulk (audit_append_many, the deadline worker's) and the batched seal -------------------


def entries(agency, count: int, label: str = "批量") -> list[AuditEntry]:
    return [
        AuditEntry(verb="test.bulk", target=agency, agency=agency, thread=f"test:{n % 3}", summary=f"{label}第 {n} 条",
                   data={"n": n, "ratio": 2.0, "big": 1e20, "list": [1.5, "甲"]})
        for n in range(count)
    ]


def links(events) -> list[tuple]:
    rows = AuditEvent.objects.filter(pk__in=[event.pk for event in events]).order_by("id")
    return list(rows.values_list("id", "seq", "prev_hash", "hash"))


@pytest.mark.django_db(transaction=True)
def test_events_appended_in_bulk_are_sealed_after_commit_in_order_and_verify_like_single_ones():
    from agencies.audit import _origin_mac

    agency = make_agency()
    with transaction.atomic():
        single = append(agency, "单条")
        batch = audit_append_many(entries(agency, 50))
        assert AuditEvent.objects.get(pk=batch[0].pk).seq is None  # not before the commit
    with transaction.atomic():
        later = audit_append_many(entries(agency, 3, "下一批"))

    events = chain()
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()
    assert [event.pk for event in events[-54:]] == [single.pk, *(event.pk for event in batch + later)]
    stored = AuditEvent.objects.get(pk=batch[7].pk)
    assert (stored.verb, stored.summary, stored.thread, stored.target_type, stored.target_id, stored.agency_id, stored.actor_id) == (
        "test.bulk", "批量第 7 条", "test:1", "agencies.agency", str(agency.pk), agency.pk, None
    )
    assert stored.mac == _origin_mac(stored)  # signed as audit_append signs
    assert list(audit_verify()) == []
    out, err = verify_audit()
    assert "审计链完整" in out and err == ""


@pytest.mark.django_db
def test_audit_append_many_writes_a_batch_in_one_insert_and_refuses_two_identical_events(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    agency = Agency.objects.order_by("id").first()
    with CaptureQueriesContext(connection) as queries:
        batch = audit_append_many(entries(agency, 50))
    assert len(batch) == 50 and all(event.pk for event in batch)
    assert sum(query["sql"].startswith("INSERT") for query in queries) == 1
    assert audit_append_many([]) == []
    with pytest.raises(ValueError, match="内容完全相同"):
        audit_append_many(entries(agency, 2, "重复") + entries(agency, 1, "重复"))


@pytest.mark.django_db
def test_a_tampered_event_appended_in_bulk_is_reported_like_any_other(sealed):
    agency = Agency.objects.get(pk=sealed[0].agency_id)
    batch = audit_append_many(entries(agency, 20))
    assert audit_seal() == 20
    assert list(audit_verify()) == []
    victim = batch[7]
    AuditEvent.objects.filter(pk=victim.pk).update(summary="篡改后的摘要")
    assert_reported_as_tampered(victim)


@pytest.mark.django_db
def test_a_bulk_appended_event_edited_before_its_seal_is_refused_and_the_rest_of_its_batch_sealed(sealed):
    batch = audit_append_many(entries(Agency.objects.get(pk=sealed[0].agency_id), 20))
    AuditEvent.objects.filter(pk=batch[4].pk).update(data={"n": 999})
    result = audit_seal_report()
    assert result.refused == [batch[4].pk] and result.sealed == 19
    assert [problem.event_id for problem in audit_verify()] == [batch[4].pk]


@pytest.mark.django_db
def test_verify_audit_seal_chains_events_appended_in_bulk_that_the_seal_missed(sealed):
    batch = audit_append_many(entries(Agency.objects.get(pk=sealed[0].agency_id), 30))
    later = timezone.now() + timedelta(minutes=10)
    with mock.patch("agencies.audit.timezone.now", return_value=later):
        assert "未入链" in failing_verify_audit()

    out, _ = verify_audit("--seal")
    assert "补链 30 条" in out and "审计链完整" in out
    assert [seq for _, seq, _, _ in links(batch)] == list(range(len(sealed) + 1, len(sealed) + 31))


def seal_the_old_way() -> list[tuple]:
    """What the seal wrote before its batched UPDATE: the unsealed events chained in id order, saved row by row."""
    from agencies.audit import _digest

    head = AuditChainHead.objects.select_for_update().get(pk=1)
    for event in AuditEvent.objects.filter(seq__isnull=True).order_by("id"):
        event.seq, event.prev_hash = head.last_seq + 1, head.last_hash
        event.hash = _digest(event.prev_hash, event)
        event.save(update_fields=["seq", "prev_hash", "hash"])
        head.last_seq, head.last_hash = event.seq, event.hash
    head.save()
    return list(AuditEvent.objects.filter(seq__gt=0).order_by("id").values_list("id", "seq", "prev_hash", "hash"))


@pytest.mark.django_db
@pytest.mark.parametrize("per_statement", [None, 7])
def test_the_seals_batched_update_chains_exactly_as_sealing_row_by_row(sealed, monkeypatch, per_statement):
    """The same seq, prev_hash and hash on the same rows, and one UPDATE for the batch (or one per
    LINKS_PER_STATEMENT events on PostgreSQL)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    class Undo(Exception):
        pass

    agency = Agency.objects.get(pk=sealed[0].agency_id)
    events = [append(agency, "单条"), *audit_append_many(entries(agency, 25)), append(agency, "又一条")]
    with pytest.raises(Undo), transaction.atomic():
        expected = seal_the_old_way()
        raise Undo
    assert links(events)[0][1] is None  # the old way rolled back: unsealed again

    if per_statement:
        monkeypatch.setattr("agencies.audit.LINKS_PER_STATEMENT", per_statement)
    with CaptureQueriesContext(connection) as queries:
        assert audit_seal() == 27
    assert list(AuditEvent.objects.filter(seq__gt=0).order_by("id").values_list("id", "seq", "prev_hash", "hash")) == expected
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_seq, head.last_hash) == (expected[-1][1], expected[-1][3])
    updates = [query["sql"] for query in queries if query["sql"].startswith("UPDATE") and AuditEvent._meta.db_table in query["sql"]]
    assert len(updates) == (4 if per_statement and connection.vendor == "postgresql" else 1)
    assert list(audit_verify()) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_appending_in_bulk_at_once_leave_one_unbroken_chain():
    """Each commit's seal takes the chain head's lock; concurrent seals never fork or skip the chain."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip(f"needs concurrent writers (PostgreSQL); this run uses {connection.vendor}")
    agency = make_agency()
    errors = []

    def worker(name: str) -> None:
        try:
            for batch in range(10):
                with transaction.atomic():
                    audit_append_many(entries(agency, 20, f"{name}第 {batch} 批"))
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(f"工作进程{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEvent.objects.filter(verb="test.bulk").count() == 600
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()
    assert list(audit_verify()) == []
