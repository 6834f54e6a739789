"""The hash-chained audit trail (agencies/audit.py) and `manage.py verify_audit`.

Events are written in the transaction that makes the change, signed with the audit key (the proof of
origin, `mac`); right after commit they are chained (seq, prev_hash, hash: HMAC under the same key) in
commit order. `verify_audit` proves the chain: a changed, deleted, forged or unsealed event is reported
and the command fails. The key is not in the database, so the attacker of these tests — who can write
any row — cannot re-chain an edited event; signed checkpoints outside the database catch a cut tail.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from agencies.audit import (
    GENESIS_HASH,
    audit_append,
    audit_seal,
    audit_seal_report,
    audit_verify,
    legacy_digest,
)
from agencies.models import Agency, AgencyKind, AgencyLevel, AuditChainHead, AuditEvent
from agencies.services import agency_create


ROOT = Path(__file__).resolve().parents[2]


def make_agency():
    return agency_create(
        code="test-msb", name="测试市医疗保障局", short_name="测试医保局", kind=AgencyKind.MSB,
        level=AgencyLevel.CITY, region_code="329900", region_name="测试市", doc_prefix="测医保",
    )


def append(agency, summary: str) -> AuditEvent:
    return audit_append(actor=None, verb="test.noted", target=agency, agency=agency, thread="test", summary=summary)


def verify_audit(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_audit", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing_verify_audit() -> str:
    err = io.StringIO()
    with pytest.raises(CommandError, match="审计链验证失败"):
        call_command("verify_audit", stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def assert_reported_as_tampered(victim: AuditEvent) -> None:
    """audit_verify names exactly that event as changed, and verify_audit fails naming it."""
    problems = list(audit_verify())
    assert [problem.event_id for problem in problems] == [victim.pk]
    assert "篡改" in problems[0].message
    assert f"[事件 {victim.pk}]" in failing_verify_audit()


def chain() -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("seq"))


# --- sealing after commit (real transactions) -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_committed_events_are_sealed_after_commit_into_one_unbroken_chain():
    agency = make_agency()
    with transaction.atomic():
        first = append(agency, "第一条")
        second = append(agency, "第二条")
        assert AuditEvent.objects.get(pk=first.pk).seq is None  # not before the commit
    with transaction.atomic():
        third = append(agency, "第三条")

    events = chain()
    assert [event.seq for event in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(events, events[1:]))
    assert [event.pk for event in events[-3:]] == [first.pk, second.pk, third.pk]
    assert list(audit_verify()) == []
    out, err = verify_audit()
    assert "审计链完整" in out and err == ""


@pytest.mark.django_db(transaction=True)
def test_an_event_of_a_rolled_back_transaction_leaves_no_row_and_no_gap():
    agency = make_agency()
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        append(agency, "回滚的变更")
        raise RuntimeError("the change failed")
    assert AuditEvent.objects.count() == before
    assert not AuditEvent.objects.filter(summary="回滚的变更").exists()

    with transaction.atomic():
        kept = append(agency, "提交的变更")
    kept.refresh_from_db()
    assert kept.seq == before + 1
    assert list(audit_verify()) == []


@pytest.mark.django_db(transaction=True)
def test_an_event_kept_after_a_rolled_back_savepoint_is_still_sealed():
    """The seal scheduled by an event inside a savepoint that rolls back is discarded with it;
    a later event of the same transaction must schedule its own."""
    agency = make_agency()
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            append(agency, "保存点内的变更")
            raise RuntimeError
        kept = append(agency, "保存点之后的变更")
    kept.refresh_from_db()
    assert kept.seq is not None
    assert not AuditEvent.objects.filter(summary="保存点内的变更").exists()
    assert list(audit_verify()) == []


# --- tampering ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_changed_summary_is_reported_by_event_and_verify_audit_fails(sealed):
    victim = sealed[3]
    AuditEvent.objects.filter(pk=victim.pk).update(summary="篡改后的摘要")
    assert_reported_as_tampered(victim)


@pytest.mark.django_db
def test_a_changed_event_with_a_recomputed_hash_breaks_the_link_to_the_next_one(sealed):
    from agencies.audit import _digest

    victim, successor = sealed[3], sealed[4]
    AuditEvent.objects.filter(pk=victim.pk).update(summary="篡改后的摘要")
    victim.refresh_from_db()
    AuditEvent.objects.filter(pk=victim.pk).update(hash=_digest(victim.prev_hash, victim))
    assert successor.pk in {problem.event_id for problem in audit_verify()}
    failing_verify_audit()


@pytest.mark.django_db
def test_deleting_the_last_event_is_detected(sealed):
    AuditEvent.objects.filter(pk=sealed[-1].pk).delete()
    problems = list(audit_verify())
    assert problems and "链尾" in problems[-1].message
    failing_verify_audit()


@pytest.mark.django_db
def test_deleting_an_event_in_the_middle_is_detected_at_the_next_one(sealed):
    AuditEvent.objects.filter(pk=sealed[5].pk).delete()
    problems = list(audit_verify())
    assert {problem.event_id for problem in problems} == {sealed[6].pk}
    assert any("序号不连续" in problem.message for problem in problems)
    failing_verify_audit()


@pytest.mark.django_db
def test_verify_audit_seal_chains_committed_events_the_seal_missed(cast):
    """As after a crash between commit and seal: unsealed events older than the grace period fail the
    check until `verify_audit --seal` chains them."""
    unsealed = AuditEvent.objects.filter(seq__isnull=True).count()
    assert unsealed > 5
    later = timezone.now() + timedelta(minutes=10)  # (editing occurred_at instead would now be tampering)
    with mock.patch("agencies.audit.timezone.now", return_value=later):
        assert "未入链" in failing_verify_audit()

    out, _ = verify_audit("--seal")
    assert f"补链 {unsealed} 条" in out and "审计链完整" in out
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()
    out, _ = verify_audit("--seal")
    assert "补链 0 条" in out


@pytest.mark.django_db
def test_fresh_unsealed_events_are_not_yet_a_problem(cast):
    """An event committed seconds ago may still be waiting for its seal; only stale ones are reported."""
    assert AuditEvent.objects.filter(seq__isnull=True).exists()
    assert list(audit_verify()) == []


# --- every state change of the journey -----------------------------------------------------------------


@pytest.mark.django_db
def test_every_step_up_to_sending_the_case_to_the_police_is_on_the_case_timeline(cast, tell, login):
    from casework.selectors import case_timeline
    from demo.stories import SENT

    case = tell(SENT)
    timeline = list(case_timeline(case=case))
    steps = [
        ("case.registered", "msb_officer"),
        ("case.filing_proposed", "msb_officer"),
        ("case.filed", "msb_chief"),
        ("case.investigated", "msb_officer"),
        ("case.decided", "msb_head"),
        ("referral.submitted", "msb_officer"),
        ("referral.approved", "msb_head"),
        ("document.issued", "msb_head"),  # 涉嫌犯罪案件移送书
        ("document.issued", "msb_head"),  # 涉嫌犯罪案件情况的调查报告
        ("document.issued", "msb_head"),  # 涉案物品清单
        ("referral.sent", "msb_head"),
    ]
    verbs = {verb for verb, _ in steps}
    recorded = [(event.verb, event.actor.username) for event in timeline if event.verb in verbs]
    assert recorded == steps
    assert sum(event.verb == "evidence.added" for event in timeline) == 3

    letter = case.referrals.get().documents.get(title="涉嫌犯罪案件移送书")
    assert any(letter.number in event.summary for event in timeline if event.verb == "document.issued")
    page = login("msb_officer").get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert all(event.summary in page for event in timeline)

    audit_seal()
    assert list(audit_verify()) == []


# --- an attacker with write access to the database, but not the key ---------------------------------------

ATTACKER_KEY = "a-key-the-attacker-made-up-" + "x" * 32


def rechain_from(seq: int, *, key: str) -> None:
    """What a database writer would do to hide an edit: recompute every signature from `seq` on
    and move the chain head — with the only key they have, their own."""
    from agencies.audit import _digest, _origin_mac

    with override_settings(LIANBAN_AUDIT_KEY=key):
        prev_hash = AuditEvent.objects.get(seq=seq).prev_hash
        for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
            event.mac, event.prev_hash = _origin_mac(event), prev_hash
            event.hash = prev_hash = _digest(prev_hash, event)
            event.save(update_fields=["mac", "prev_hash", "hash"])
        AuditChainHead.objects.filter(pk=1).update(last_hash=prev_hash)


def checkpoint() -> str:
    out = io.StringIO()
    call_command("audit_checkpoint", stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_an_edited_event_with_the_whole_chain_recomputed_is_still_detected(sealed):
    """Attack (b): without the audit key the recomputed proofs of origin and links do not verify."""
    victim = sealed[3]
    AuditEvent.objects.filter(pk=victim.pk).update(summary="篡改后的摘要")
    rechain_from(victim.seq, key=ATTACKER_KEY)
    problems = list(audit_verify())
    assert victim.pk in {problem.event_id for problem in problems}
    assert all(problem.event_id not in {event.pk for event in sealed[:3]} for problem in problems)  # the untouched start
    assert "来源签名不符" in problems[0].message
    assert f"[事件 {victim.pk}]" in failing_verify_audit()


@pytest.mark.django_db
def test_deleting_the_tail_and_moving_the_head_back_is_caught_by_the_checkpoint(sealed, settings):
    """Attack (a): a cut tail with the head moved back is a consistent shorter chain — only the signed
    checkpoint outside the database remembers that the chain was longer."""
    assert f"第 {len(sealed)} 条" in checkpoint()
    written_at = json.loads((settings.LIANBAN_AUDIT_CHECKPOINT_DIR / "latest.json").read_text())["at"]
    kept = sealed[-4]
    AuditEvent.objects.filter(seq__gt=kept.seq).delete()
    AuditChainHead.objects.filter(pk=1).update(last_seq=kept.seq, last_hash=kept.hash)

    assert list(audit_verify(checkpoints=False)) == []  # the database alone cannot tell
    problems = list(audit_verify())
    assert [problem.message for problem in problems] == [
        f"审计链只到第 {kept.seq} 条，而 {written_at} 的检查点 "
        f"checkpoint-{len(sealed):012d}.json 记录到第 {len(sealed)} 条（末尾记录被删除）"
    ]
    assert "末尾记录被删除" in failing_verify_audit()
    with pytest.raises(CommandError, match="审计检查点未写入"):
        checkpoint()  # and no new checkpoint blesses the shorter chain


@pytest.mark.django_db
def test_a_cut_tail_regrown_with_new_events_differs_from_the_checkpoint_at_its_seq(sealed):
    checkpoint()
    AuditEvent.objects.filter(seq__gt=sealed[-3].seq).delete()
    AuditChainHead.objects.filter(pk=1).update(last_seq=sealed[-3].seq, last_hash=sealed[-3].hash)
    agency = Agency.objects.get(pk=sealed[0].agency_id)
    for n in range(3):
        append(agency, f"截断后新写的第 {n} 条")
    audit_seal()
    assert AuditEvent.objects.filter(seq=len(sealed)).exists()
    problems = list(audit_verify())
    assert len(problems) == 1 and f"第 {len(sealed)} 条与" in problems[0].message and "检查点" in problems[0].message
    failing_verify_audit()


@pytest.mark.django_db
def test_verify_audit_seal_refuses_an_event_inserted_into_the_database_but_seals_the_legitimate_ones(sealed):
    """Attack (c): a row written straight into the table carries no valid proof of origin."""
    agency = Agency.objects.get(pk=sealed[0].agency_id)
    forged = AuditEvent.objects.create(  # what an INSERT by SQL leaves: no mac, or one copied from elsewhere
        agency=agency, verb="case.closed", target_type="agencies.agency", target_id=str(agency.pk),
        thread="test", summary="伪造的结案记录", data={}, mac=sealed[0].mac,
    )
    legitimate = append(agency, "合法的记录")
    assert forged.pk in {problem.event_id for problem in audit_verify()}  # reported at once, not after the grace

    err = io.StringIO()
    out = io.StringIO()
    with pytest.raises(CommandError, match="审计链验证失败"):
        call_command("verify_audit", "--seal", stdout=out, stderr=err)
    assert "补链 1 条" in out.getvalue()
    assert f"[事件 {forged.pk}] 来源签名无效，不是本系统写入的记录，拒绝入链" in err.getvalue()
    forged.refresh_from_db()
    legitimate.refresh_from_db()
    assert forged.seq is None and legitimate.seq == len(sealed) + 1
    assert [problem.event_id for problem in audit_verify()] == [forged.pk]  # the chain itself is intact

    AuditEvent.objects.filter(pk=forged.pk).delete()  # once the forgery is removed, the trail verifies again
    assert "审计链完整" in verify_audit()[0]


@pytest.mark.django_db
def test_an_edited_event_that_was_not_yet_sealed_is_refused_by_the_seal(cast):
    victim = AuditEvent.objects.filter(seq__isnull=True).order_by("id")[2]
    AuditEvent.objects.filter(pk=victim.pk).update(summary="入链前被改的摘要")
    result = audit_seal_report()
    assert result.refused == [victim.pk] and result.sealed > 5
    assert [problem.event_id for problem in audit_verify()] == [victim.pk]


@pytest.mark.django_db
def test_a_replayed_copy_of_a_genuine_event_is_reported(sealed):
    original = sealed[2]
    copy = AuditEvent.objects.get(pk=original.pk)
    copy.pk = copy.seq = None
    copy.prev_hash = copy.hash = ""
    copy.save()  # its proof of origin is genuine: the seal chains it …
    audit_seal()
    problems = list(audit_verify())
    assert [(problem.event_id, problem.message) for problem in problems] == [
        (copy.pk, f"与事件 {original.pk} 内容和来源签名完全相同（复制重放的记录）")
    ]  # … but verify sees the duplicate


@pytest.mark.django_db
def test_a_chain_checked_with_another_key_fails_on_every_event_and_checkpoint(sealed, settings):
    checkpoint()
    settings.LIANBAN_AUDIT_KEY = ATTACKER_KEY
    problems = list(audit_verify())
    assert {event.pk for event in sealed} <= {problem.event_id for problem in problems}
    assert sum("检查点文件" in problem.message for problem in problems) == 2  # the history file and latest.json
    failing_verify_audit()


# --- checkpoints ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_audit_checkpoint_signs_the_chain_end_into_a_new_file_only_when_the_chain_grew(sealed, settings):
    directory = settings.LIANBAN_AUDIT_CHECKPOINT_DIR
    first = f"checkpoint-{len(sealed):012d}.json"
    assert f"已写入审计检查点：第 {len(sealed)} 条，{first}" in checkpoint()
    assert sorted(path.name for path in directory.iterdir()) == [first, "latest.json"]
    latest = json.loads((directory / "latest.json").read_text())
    assert (latest["seq"], latest["hash"]) == (len(sealed), sealed[-1].hash) and len(latest["mac"]) == 64

    assert "无新记录" in checkpoint()  # idempotent
    assert sorted(path.name for path in directory.iterdir()) == [first, "latest.json"]

    append(Agency.objects.get(pk=sealed[0].agency_id), "下一条")
    audit_seal()
    checkpoint()
    assert sorted(path.name for path in directory.iterdir()) == [first, f"checkpoint-{len(sealed) + 1:012d}.json", "latest.json"]
    assert json.loads((directory / "latest.json").read_text())["seq"] == len(sealed) + 1
    assert "审计链完整" in verify_audit()[0]

    latest = json.loads((directory / "latest.json").read_text())
    (directory / "latest.json").write_text(json.dumps({**latest, "seq": 3}))  # moved back by hand
    assert f"检查点文件 {directory / 'latest.json'}" in failing_verify_audit()


@pytest.mark.django_db
def test_audit_checkpoint_refuses_to_sign_a_chain_broken_since_the_last_checkpoint(sealed, settings):
    checkpoint()
    append(Agency.objects.get(pk=sealed[0].agency_id), "下一条")
    audit_seal()
    AuditEvent.objects.filter(seq=len(sealed) + 1).update(summary="篡改")
    err = io.StringIO()
    with pytest.raises(CommandError, match="审计检查点未写入"):
        call_command("audit_checkpoint", stdout=io.StringIO(), stderr=err)
    assert "来源签名不符" in err.getvalue()
    assert json.loads((settings.LIANBAN_AUDIT_CHECKPOINT_DIR / "latest.json").read_text())["seq"] == len(sealed)


@pytest.mark.django_db
def test_the_deadline_worker_writes_a_checkpoint_as_it_runs(sealed, settings, monkeypatch):
    class Stop(Exception):
        pass

    def sleep(seconds):
        raise Stop

    monkeypatch.setattr("casework.management.commands.run_clocks.signal.signal", lambda *args: None)
    monkeypatch.setattr("casework.management.commands.run_clocks.close_old_connections", lambda: None)  # the test's own
    monkeypatch.setattr("casework.management.commands.run_clocks.time.sleep", sleep)
    out = io.StringIO()
    with pytest.raises(Stop):
        call_command("run_clocks", "--interval", "5", stdout=out)
    assert f"已写入审计检查点：第 {len(sealed)} 条" in out.getvalue()
    assert json.loads((settings.LIANBAN_AUDIT_CHECKPOINT_DIR / "latest.json").read_text())["seq"] == len(sealed)


@pytest.mark.django_db(transaction=True)
def test_an_honest_chain_of_many_events_across_many_transactions_verifies(settings):
    agency = make_agency()
    for batch in range(20):
        with transaction.atomic():
            for n in range(25):
                audit_append(
                    actor=None, verb="test.noted", target=agency, agency=agency, thread=f"test:{batch}",
                    summary=f"第 {batch} 批第 {n} 条", data={"n": n, "amount": "12345.67", "ratio": 2.0, "big": 1e20, "list": [1.5, "甲"]},
                )
        if batch == 9:
            checkpoint()
    assert AuditEvent.objects.filter(seq__isnull=True).count() == 0
    assert AuditEvent.objects.count() >= 500
    assert list(audit_verify()) == []
    assert "已写入审计检查点" in checkpoint()
    assert len(list(settings.LIANBAN_AUDIT_CHECKPOINT_DIR.glob("checkpoint-*.json"))) == 2
    assert "审计链完整" in verify_audit()[0]


# --- events of versions before the key -----------------------------------------------------------------------


def make_legacy_chain() -> list[AuditEvent]:
    """The trail as a version before the audit key left it: unkeyed SHA-256 links, no proof of origin,
    the last event committed but never sealed."""
    events = list(AuditEvent.objects.order_by("id"))
    prev_hash = GENESIS_HASH
    for seq, event in enumerate(events[:-1], start=1):
        event.mac, event.seq, event.prev_hash = "", seq, prev_hash
        event.hash = prev_hash = legacy_digest(prev_hash, event)
    events[-1].mac = ""
    AuditEvent.objects.bulk_update(events, ["mac", "seq", "prev_hash", "hash"])
    AuditChainHead.objects.update_or_create(pk=1, defaults={"last_seq": len(events) - 1, "last_hash": prev_hash})
    return events


def migrate_0003() -> None:
    from django.apps import apps

    importlib.import_module("agencies.migrations.0003_audit_hmac").mark_legacy_prefix(apps, None)


@pytest.mark.django_db
def test_events_chained_before_the_audit_key_stay_verifiable_as_a_signed_legacy_prefix(cast):
    events = make_legacy_chain()
    assert list(audit_verify())  # read as keyed events they fail
    migrate_0003()
    head = AuditChainHead.objects.get(pk=1)
    assert head.legacy_seq == len(events) and AuditEvent.objects.get(pk=events[-1].pk).seq == len(events)
    assert list(audit_verify()) == []

    later = append(Agency.objects.get(pk=events[0].agency_id), "升级后的第一条")
    audit_seal()
    later.refresh_from_db()
    assert later.seq == len(events) + 1 and later.prev_hash == head.legacy_hash and later.mac
    assert "审计链完整" in verify_audit()[0]


@pytest.mark.django_db
def test_a_legacy_event_rewritten_with_the_old_unkeyed_algorithm_is_detected(cast):
    events = make_legacy_chain()
    migrate_0003()
    victim = AuditEvent.objects.get(seq=3)
    victim.summary = "篡改后的旧记录"
    prev_hash = victim.prev_hash
    for event in AuditEvent.objects.filter(seq__gte=3).order_by("seq"):  # the whole unkeyed prefix recomputed
        event.summary = victim.summary if event.pk == victim.pk else event.summary
        event.prev_hash, event.hash = prev_hash, legacy_digest(prev_hash, event)
        prev_hash = event.hash
        event.save()
    AuditChainHead.objects.filter(pk=1).update(last_hash=prev_hash)
    problems = list(audit_verify())
    assert [problem.message for problem in problems] == [f"第 {len(events)} 条与登记的旧版链段终点不符（旧版链段被改写）"]

    AuditChainHead.objects.filter(pk=1).update(legacy_hash=prev_hash)  # and moving the boundary along
    assert "边界签名无效" in failing_verify_audit()


# --- the key's settings ----------------------------------------------------------------------------------------


def settings_value(tmp_path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LIANBAN_") and k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.LIANBAN_AUDIT_KEY)"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "LIANBAN_VAR_DIR": str(tmp_path), **env},
    )


def test_outside_debug_the_settings_refuse_to_start_without_an_audit_key_and_read_it_from_a_file(tmp_path):
    production = {"LIANBAN_SECRET_KEY": "s" * 50}
    missing = settings_value(tmp_path, **production)
    assert missing.returncode != 0 and "LIANBAN_AUDIT_KEY (or LIANBAN_AUDIT_KEY_FILE) is not set" in missing.stderr

    key_file = tmp_path / "audit.key"
    key_file.write_text("k" * 64 + "\n")
    from_file = settings_value(tmp_path, **production, LIANBAN_AUDIT_KEY_FILE=str(key_file))
    assert from_file.returncode == 0 and from_file.stdout.strip() == "k" * 64

    short = settings_value(tmp_path, **production, LIANBAN_AUDIT_KEY="too-short")
    assert short.returncode != 0 and "at least 32 characters" in short.stderr

    development = settings_value(tmp_path, LIANBAN_DEBUG="1")
    assert development.returncode == 0 and development.stdout.strip()  # a development key, derived
