"""The police side of the transfer: forwarding to the competent organ (310 Art. 7) and extending the
3-day review with the head's approval (10 / 30 / +30 days)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow import STATUS

from casework.clocks import compute_due
from casework.models import CaseStatus, ClockUnit, Deadline, DeadlineStatus
from demo.stories import SENT
from notifications.models import Notification
from referral.models import ReferralStatus

pytestmark = pytest.mark.django_db


def minute(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def received(tell, login, flow_client):
    """A transfer the city police have just signed for."""
    case = tell(SENT)
    referral = case.referrals.get()
    flow_client(login("psb_officer")).complete(referral.process, "sign_receipt", {
        "received_at": minute(timezone.now()), "items_received": "6", "signer_title": "民警"})
    referral.refresh_from_db()
    return referral


def clock(referral, code):
    return Deadline.objects.filter(target_type="referral.referral", target_id=str(referral.pk), code=code).latest("id")


def test_forwarded_case_follows_the_competent_police_and_keeps_the_old_clock_on_record(received, cast, login, flow_client, hand_over):
    referral, city_police = received, login("psb_officer")
    district = cast.agencies["zj-jk-psb"]
    with pytest.raises(AssertionError, match="有管辖权的公安机关"):
        flow_client(city_police).complete(referral.process, "decide_filing", {
            "decision": "forward", "document_number": "镇公转字〔2026〕3号", "reason": "案发地在京口区"})
    flow_client(city_police).complete(referral.process, "decide_filing", {
        "decision": "forward", "forward_to": district.pk, "document_number": "镇公转字〔2026〕3号", "reason": "案发地在京口区"})

    referral.refresh_from_db()
    assert referral.to_agency == district and referral.status == ReferralStatus.SENT and referral.received_at is None
    forward = referral.forwards.get()
    assert (forward.from_agency, forward.to_agency, forward.reason) == (cast.agencies["zj-psb"], district, "案发地在京口区")
    assert clock(referral, "transfer.review").status == DeadlineStatus.CANCELLED  # kept, not deleted
    assert clock(referral, "transfer.forward").status == DeadlineStatus.MET  # within 24 hours of the receipt
    assert Notification.objects.filter(recipient=cast.user("jk_psb_officer"), event="referral.received").exists()
    assert Notification.objects.filter(recipient=cast.user("msb_officer"), event="referral.forwarded").exists()

    # The district police now sign and review; the city police keep a read-only view.
    detail = reverse("referrals:detail", args=[referral.pk])
    assert login("jk_psb_officer").get(detail).status_code == 200
    assert city_police.get(detail).status_code == 200
    task = referral.process.task_set.get(status=STATUS.NEW)
    assert task.flow_task.name == "sign_receipt"
    assert not task.flow_task.can_assign(cast.user("psb_officer"), task)
    district_police = flow_client(login("jk_psb_officer"))
    district_police.complete(referral.process, "sign_receipt", {
        "received_at": minute(timezone.now()), "items_received": "6", "signer_title": "民警"})
    review = clock(referral, "transfer.review")
    assert review.status == DeadlineStatus.RUNNING and review.agency == district
    district_police.complete(referral.process, "decide_filing", {
        "decision": "file", "document_number": "京公立字〔2026〕9号", "police_case_number": "", "reason": ""})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.FILED
    hand_over(referral, police="jk_psb_officer")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.HANDED_OVER and referral.case.status == CaseStatus.TRANSFERRED


def test_only_the_receiving_head_extends_the_review_in_the_permitted_steps(received, cast, login):
    referral = received
    url = reverse("referrals:extend_review", args=[referral.pk])
    for outsider in ("psb_officer", "msb_head", "jk_psb_head"):
        assert login(outsider).get(url).status_code in (403, 404), outsider
    head = login("psb_head")
    review = clock(referral, "transfer.review")

    response = head.post(url, {"extension": "+30", "reason": "案情特别复杂"})
    assert "须在已延长至30日之后" in response.content.decode()
    response = head.post(url, {"extension": "10", "reason": "经济犯罪案件，需调取银行流水"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.due_at == compute_due(started_at=review.started_at, amount=10, unit=ClockUnit.CALENDAR_DAYS).at
    assert review.extensions.get().approved_by == cast.user("psb_head")
    assert Notification.objects.filter(recipient=cast.user("msb_officer"), event="referral.review_extended").exists()

    assert head.post(url, {"extension": "30", "reason": "跨区域案件"}).status_code == 302
    review.refresh_from_db()
    thirty = review.due_at
    assert thirty == compute_due(started_at=review.started_at, amount=30, unit=ClockUnit.CALENDAR_DAYS).at
    response = head.post(url, {"extension": "10", "reason": "误操作"})
    assert "应晚于原届满时间" in response.content.decode()
    assert head.post(url, {"extension": "+30", "reason": "经上级公安机关批准"}).status_code == 302
    review.refresh_from_db()
    assert review.due_at >= thirty + timedelta(days=30) and review.extensions.count() == 3
    page = login("msb_officer").get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "经上级公安机关批准" in page
