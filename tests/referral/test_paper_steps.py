"""代录: the city police are not on Lianban yet. The bureau's clerk enters their paper steps — the
signed 回执 and the filing decision — with the scan and the real time; the clocks run from that time,
the trail says 【代录】 and who entered it, and nobody else gains anything."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from agencies.models import AuditEvent
from agencies.services import agency_set_recorder
from casework.clocks import due_for
from casework.models import Deadline, DeadlineStatus, PaperRecord
from demo.stories import PENDING_DECISION, SENT
from referral.models import ReferralStatus

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def minute(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def scan(name="回执扫描件.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def paper_police(cast):
    """镇江市公安局 on paper, recorded by 镇江市医保局; the transfer was sent to it five days ago."""
    agency_set_recorder(agency=cast.agencies["zj-psb"], recorded_by=cast.agencies["zj-msb"])
    return cast.agencies["zj-psb"]


@pytest.fixture
def sent(tell, paper_police):
    case = tell(SENT)
    referral = case.referrals.get()
    date_sending(referral, timezone.now() - timedelta(days=5))
    return referral


def date_sending(referral, when) -> None:
    """The transfer went out at `when`: its sent time and the end of its sending step."""
    type(referral).objects.filter(pk=referral.pk).update(sent_at=when)
    Task.objects.filter(process=referral.process, flow_task__endswith="send_transfer").update(finished=when)
    referral.refresh_from_db()


def task_urls(flow_client, referral, node):
    return flow_client(None).urls(referral.process, node)


def test_the_clerk_records_the_paper_receipt_and_decision_and_the_clocks_run_from_the_paper_times(sent, cast, login, flow_client):
    referral, clerk = sent, login("msb_clerk")
    work = clerk.get(reverse("workflow:work"))
    assert "签收回执" in work.content.decode() and referral.case_title in work.content.decode()

    urls = task_urls(flow_client, referral, "sign_receipt")
    assert clerk.post(urls["assign"]).status_code == 302
    page = clerk.get(urls["execute"]).content.decode()
    assert 'data-testid="paper-step"' in page and "代录：镇江市公安局纸质办理" in page
    assert 'name="paper-occurred_at"' not in page  # the 回执 asks its own time once

    received = timezone.now() - timedelta(days=4, hours=2)
    response = clerk.post(urls["execute"], {
        "received_at": minute(received), "items_received": "6", "signer_title": "经侦大队民警",
        "paper-reference": "回执（镇医保移〔2026〕1号）", "paper-scan": scan(),
    })
    assert response.status_code == 302, (response.context["form"].errors, response.context["paper_form"].errors)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIPTED
    review = Deadline.objects.get(target_type="referral.referral", target_id=str(referral.pk), code="transfer.review")
    paper_time = received.replace(second=0, microsecond=0)
    assert review.started_at == paper_time
    assert review.due_at == due_for(started_at=paper_time, amount=review.amount, unit=review.unit).at
    assert not referral.documents.filter(title__startswith="回执").exists()  # the paper 回执 is its scan

    receipt = PaperRecord.objects.get(task__flow_task__endswith="sign_receipt", task__process=referral.process)
    assert (receipt.agency, receipt.recorded_by, receipt.occurred_at) == (cast.agencies["zj-psb"], cast.user("msb_clerk"), paper_time)
    event = AuditEvent.objects.get(verb="referral.receipted", target_id=str(referral.pk))
    assert event.summary.startswith("【代录】") and event.actor == cast.user("msb_clerk")
    assert event.data["on_paper"]["agency"] == cast.agencies["zj-psb"].pk

    # 立案审查 on paper: the form asks the paper time itself; the 3-day review was met on paper.
    urls = task_urls(flow_client, referral, "decide_filing")
    assert clerk.post(urls["assign"]).status_code == 302
    assert 'name="paper-occurred_at"' in clerk.get(urls["execute"]).content.decode()
    decided = timezone.now() - timedelta(days=3)
    response = clerk.post(urls["execute"], {
        "decision": "file", "document_number": "镇公（经）立字〔2026〕15号", "police_case_number": "A3211000000002026120001",
        "paper-occurred_at": minute(decided), "paper-reference": "立案决定书（镇公（经）立字〔2026〕15号）",
        "paper-scan": scan("立案决定书.pdf", PDF + b"%decision\n"),
    })
    assert response.status_code == 302, (response.context["form"].errors, response.context["paper_form"].errors)
    referral.refresh_from_db()
    review.refresh_from_db()
    assert referral.status == ReferralStatus.FILED and referral.decided_at == decided.replace(second=0, microsecond=0)
    assert review.status == DeadlineStatus.MET and review.met_at == referral.decided_at

    # Both sides' readers find the steps marked 代录 with their scans; another city's officer does not.
    detail = login("msb_officer").get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert 'data-testid="paper-records"' in detail and "立案决定书（镇公（经）立字〔2026〕15号）" in detail and "代录" in detail
    download = login("msb_officer").get(reverse("workflow:paper_scan", args=[receipt.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert login("cz_msb_officer").get(reverse("workflow:paper_scan", args=[receipt.pk])).status_code == 404


def test_a_paper_step_without_its_scan_or_at_an_impossible_time_changes_nothing(sent, login, flow_client):
    referral, clerk = sent, login("msb_clerk")
    urls = task_urls(flow_client, referral, "sign_receipt")
    clerk.post(urls["assign"])
    base = {"items_received": "6", "signer_title": "民警", "paper-reference": "回执"}
    cases = [
        ({**base, "received_at": minute(timezone.now() - timedelta(days=1))}, "请上传纸质文书的扫描件"),
        ({**base, "received_at": minute(timezone.now() + timedelta(hours=2)), "paper-scan": scan()}, "不能晚于"),
        ({**base, "received_at": minute(timezone.now() - timedelta(days=9)), "paper-scan": scan()}, "不能早于"),
        ({**base, "received_at": minute(timezone.now() - timedelta(days=1)), "paper-scan": scan("回执.pdf", b"MZ not a pdf")}, "文件内容与扩展名“.pdf”不符"),
    ]
    for data, error in cases:
        response = clerk.post(urls["execute"], data)
        assert response.status_code == 200 and error in response.content.decode(), (
            error, response.context["form"].errors, response.context["paper_form"].errors)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT and referral.received_at is None
    assert not PaperRecord.objects.exists()
    assert not Deadline.objects.filter(code="transfer.review").exists()
    assert not AuditEvent.objects.filter(verb="referral.receipted").exists()


def test_only_the_recording_agencys_clerks_may_record_and_only_while_the_agency_is_on_paper(sent, cast, login, flow_client):
    referral = sent
    urls = task_urls(flow_client, referral, "sign_receipt")
    for outsider in ("msb_officer", "msb_head", "cz_msb_clerk" if "cz_msb_clerk" in cast.officers else "cz_msb_officer"):
        client = login(outsider)
        assert "签收回执" not in client.get(reverse("workflow:work")).content.decode(), outsider
        assert client.post(urls["assign"]).status_code in (403, 404), outsider
    # The police themselves may still act (an agency moving onto Lianban finishes on it).
    assert login("psb_officer").get(urls["index"]).status_code in (200, 302)

    agency_set_recorder(agency=cast.agencies["zj-psb"], recorded_by=None)
    clerk = login("msb_clerk")
    assert "签收回执" not in clerk.get(reverse("workflow:work")).content.decode()
    assert clerk.post(urls["assign"]).status_code == 403
    changes = AuditEvent.objects.filter(verb="agency.recorder_changed").order_by("id")
    assert [event.summary for event in changes] == [
        "镇江市公安局改为纸质办理，由镇江市医疗保障局文书代录", "镇江市公安局改为在联办系统中办理，镇江市医疗保障局不再代录"]


def test_a_decision_taken_in_time_on_paper_but_entered_late_is_met_not_breached(sent, login, flow_client):
    """The worker marks the review breached while the paper decision is on its way to the clerk; entered
    with its own date, before the due time, the clock is met in time."""
    from casework.clocks import clocks_fire_breaches

    referral, clerk = sent, login("msb_clerk")
    # Long enough ago that the review's three working days have ended whatever weekend or holiday came
    # between. Five days were not, from Monday to Wednesday: received the Wednesday before a Monday, the
    # review was due at the end of that Monday.
    long_ago = timezone.now() - timedelta(days=15)
    date_sending(referral, long_ago)
    flow_client(clerk).complete(referral.process, "sign_receipt", {
        "received_at": minute(long_ago + timedelta(minutes=2)), "items_received": "6", "signer_title": "民警",
        "paper-reference": "回执", "paper-scan": scan()})
    review = Deadline.objects.get(code="transfer.review")
    assert review.due_at < timezone.now()
    clocks_fire_breaches(now=timezone.now(), batch=100)
    review.refresh_from_db()
    assert review.status == DeadlineStatus.BREACHED

    on_time = review.due_at - timedelta(hours=3)
    flow_client(clerk).complete(referral.process, "decide_filing", {
        "decision": "file", "document_number": "镇公（经）立字〔2026〕16号", "police_case_number": "A3211000000002026120002",
        "paper-occurred_at": minute(on_time), "paper-reference": "立案决定书", "paper-scan": scan("立案决定书.pdf", PDF + b"%2\n")})
    review.refresh_from_db()
    assert (review.status, review.breached_at) == (DeadlineStatus.MET, None)


def test_the_health_commission_on_paper_signs_and_answers_a_clue_referral_through_the_clerk(tell, cast, login, flow_client):
    """The 线索移送函's receipt and the 反馈 of an agency on paper: the feedback clock runs from the paper
    receipt and is met on the paper feedback's date."""
    from referral.models import ReferralKind
    from tests.referral.test_clue_referrals import decide, package

    agency_set_recorder(agency=cast.agencies["zj-health"], recorded_by=cast.agencies["zj-msb"])
    case = tell(PENDING_DECISION, title="同济医院违规执业案")
    health = decide(case, login, flow_client, "administrative", ["health"])[ReferralKind.HEALTH]
    flow_client(login("msb_officer")).complete(health.process, "prepare", package(cast, health))
    flow_client(login("msb_head")).complete(health.process, "approve", {"approve": "yes", "opinion": "同意。"})
    ten_days_ago = timezone.now() - timedelta(days=10)  # the letter went out then; it is entered now
    Task.objects.filter(process=health.process, finished__isnull=False).update(finished=ten_days_ago)
    type(health).objects.filter(pk=health.pk).update(sent_at=ten_days_ago)

    clerk = flow_client(login("msb_clerk"))
    assert "签收线索移送函" in login("msb_clerk").get(reverse("workflow:work")).content.decode()
    signed = timezone.now() - timedelta(days=9)
    clerk.complete(health.process, "acknowledge", {
        "received_at": minute(signed), "signer_title": "医政科科员", "paper-reference": "线索移送函回执", "paper-scan": scan()})
    answered = timezone.now() - timedelta(days=2)
    clerk.complete(health.process, "give_feedback", {
        "feedback": "已对涉事医师给予警告。", "document_number": "镇卫函〔2026〕9号",
        "paper-occurred_at": minute(answered), "paper-reference": "镇卫函〔2026〕9号", "paper-scan": scan("复函.pdf", PDF + b"%3\n")})
    clock = Deadline.objects.get(target_type="referral.referral", target_id=str(health.pk), code="clue.feedback")
    assert clock.started_at == signed.replace(second=0, microsecond=0)
    assert (clock.status, clock.met_at) == (DeadlineStatus.MET, answered.replace(second=0, microsecond=0))
    assert PaperRecord.objects.filter(task__process=health.process).count() == 2
