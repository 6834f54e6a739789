"""The police side of the transfer: forwarding to the competent organ (310 Art. 7) and extending the
3-day review with the head's approval (10 / 30 / +30 days)."""

from __future__ import annotations

import re
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


def test_the_review_form_offers_only_the_competent_police_of_the_city_and_shows_fields_by_decision(received, cast, login, flow_client):
    police = login("psb_officer")
    urls = flow_client(police).urls(received.process, "decide_filing")
    assert police.post(urls["assign"]).status_code == 302
    response = police.get(urls["execute"])
    offered = set(response.context["form"].fields["forward_to"].queryset.values_list("name", flat=True))
    assert "镇江市公安局京口分局" in offered and "镇江市公安局" not in offered  # not itself
    assert "常州市公安局" not in offered  # another city's police is not competent for 镇江's case
    page = response.content.decode()
    for name, decisions in {"police_case_number": "file", "files_returned": "decline", "forward_to": "forward",
                            "reason": "decline,forward", "document_number": "file,decline"}.items():
        tag = re.search(rf'<vf-field-[\w-]+[^>]*\bname="{name}"[^>]*>', page).group(0)
        assert f'data-lb-show-when="decision={decisions}"' in tag, name
    tag = re.search(r'<vf-field-[\w-]+[^>]*\bname="decision"[^>]*>', page).group(0)
    assert "data-lb-show-when" not in tag


def test_a_forward_needs_no_letter_number_and_another_citys_police_is_refused(received, cast, login, flow_client):
    police = flow_client(login("psb_officer"))
    with pytest.raises(AssertionError, match="请选择本市（或上级）有管辖权的其他公安机关"):
        police.complete(received.process, "decide_filing", {
            "decision": "forward", "forward_to": cast.agencies["cz-psb"].pk, "reason": "案发地在常州"})
    received.refresh_from_db()
    assert received.to_agency == cast.agencies["zj-psb"] and not received.forwards.exists()

    police.complete(received.process, "decide_filing", {
        "decision": "forward", "forward_to": cast.agencies["zj-jk-psb"].pk, "reason": "案发地在京口区"})
    received.refresh_from_db()
    assert received.to_agency == cast.agencies["zj-jk-psb"] and received.forwards.get().reason == "案发地在京口区"


def test_fields_of_another_decision_left_on_the_page_are_not_recorded(received, cast, login, flow_client):
    """A 立案 keeps none of the reasons, returned files or forward target the page may still have sent."""
    flow_client(login("psb_officer")).complete(received.process, "decide_filing", {
        "decision": "file", "document_number": "镇公（经）立字〔2026〕8号", "police_case_number": "A321100",
        "reason": "先写了不予立案的理由又改主意", "files_returned": "on", "forward_to": cast.agencies["zj-jk-psb"].pk})
    received.refresh_from_db()
    assert received.status == ReferralStatus.FILED and received.to_agency == cast.agencies["zj-psb"]
    assert (received.decision_reason, received.files_returned, received.police_case_number) == ("", False, "A321100")
    assert not received.forwards.exists()


def test_a_filing_without_its_notice_number_is_refused_on_that_field(received, login, flow_client):
    with pytest.raises(AssertionError, match="立案通知书的文号"):
        flow_client(login("psb_officer")).complete(received.process, "decide_filing", {"decision": "file"})
    received.refresh_from_db()
    assert received.status == ReferralStatus.RECEIPTED
