"""The hash-chained audit trail (agencies/audit.py) and `manage.py verify_audit`.

Events are written in the transaction that makes the change; right after commit they are chained
(seq, prev_hash, hash) in commit order. `verify_audit` proves the chain: a changed, deleted or
unsealed event is reported and the command fails.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F
from django.urls import reverse

from agencies.audit import GENESIS_HASH, audit_append, audit_seal, audit_verify
from agencies.models import AgencyKind, AgencyLevel, AuditEvent
from agencies.services import agency_create


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


@pytest.fixture
def sealed(cast):
    """The demo city's events, sealed (in a test transaction the on-commit seal never runs by itself)."""
    assert audit_seal() > 5
    assert list(audit_verify()) == []
    return chain()


@pytest.mark.django_db
def test_a_changed_summary_is_reported_by_event_and_verify_audit_fails(sealed):
    victim = sealed[3]
    AuditEvent.objects.filter(pk=victim.pk).update(summary="篡改后的摘要")
    problems = list(audit_verify())
    assert [problem.event_id for problem in problems] == [victim.pk]
    assert "篡改" in problems[0].message
    assert f"[事件 {victim.pk}]" in failing_verify_audit()


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
    AuditEvent.objects.update(occurred_at=F("occurred_at") - timedelta(minutes=10))
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
