"""追回到账: what a penalty decision ordered against what came in — recorded receipt by receipt after
the case closed, never more than owed, counted by the statistics from the payments themselves."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import AuditEvent
from casework import penalties
from casework.models import CaseStatus, PaymentKind, PenaltyKind, PenaltyPayment
from tests.penalty_case import INSTITUTION, decided_case, decision

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(cast, tell):
    return decided_case(cast, tell)


@pytest.fixture
def decided(case, cast):  # noqa: F811 - the fixture imported above
    """The case closed with one decision: 罚款 1,000 元 and 责令退回 500 元, decided ten days ago."""
    ten_days_ago = timezone.localdate() - timedelta(days=10)
    case.filed_at = min(case.filed_at, timezone.now() - timedelta(days=20))
    case.save(update_fields=["filed_at"])
    penalty = penalties.penalty_record(case=case, user=cast.user("msb_officer"), **decision(
        case, decided_on=ten_days_ago, kinds=[PenaltyKind.FINE, PenaltyKind.REFUND], refund_amount=Decimal("500.00")))
    case.status = CaseStatus.CLOSED
    case.save(update_fields=["status"])
    return case, penalty


def add_url(case, penalty) -> str:
    return reverse("cases:payment_add", args=[case.pk, penalty.pk])


def paid_cell(client, case) -> str:
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    cell = re.search(r'data-testid="paid">(.*?)</td>', page, re.S).group(1).replace("<br>", " ")
    return " ".join(re.sub(r"<[^>]+>", "", cell).split())


def test_payments_come_in_receipt_by_receipt_after_the_case_closed(decided, login):
    case, penalty = decided
    officer = login("msb_officer")
    assert paid_cell(officer, case).startswith("罚款已到账 0.00 元，未缴 1000.00 元 退回已到账 0.00 元，未缴 500.00 元")
    form = officer.get(add_url(case, penalty)).content.decode()
    assert "罚款应缴 1000.00 元，已到账 0.00 元" in form and 'value="1000.00"' in form  # what is owed, offered

    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    for kind, amount, receipt in (("fine", "600", "3211000001"), ("fine", "400", "3211000002"), ("refund", "500", "YH-0003")):
        response = officer.post(add_url(case, penalty), {"kind": kind, "amount": amount, "paid_on": yesterday, "receipt_number": receipt})
        assert response.status_code == 302, response.content.decode()[:500]

    assert paid_cell(officer, case) == "罚款已到账 1000.00 元，已缴清 退回已到账 500.00 元，已缴清"
    assert sorted(PenaltyPayment.objects.values_list("kind", "amount")) == [
        ("fine", Decimal("400.00")), ("fine", Decimal("600.00")), ("refund", Decimal("500.00"))]
    summaries = list(AuditEvent.objects.filter(verb="penalty.payment_recorded").values_list("summary", flat=True))
    assert f"镇医保罚〔2026〕9号：{INSTITUTION}罚款到账 600.00 元（{yesterday}，凭证 3211000001）" in summaries
    assert "登记到账" not in officer.get(reverse("cases:detail", args=[case.pk])).content.decode()  # nothing owed any more

    statistics = login("msb_head").get(reverse("leadership:statistics")).content.decode()
    assert re.search(r"罚款到账金额</td><td><span[^>]*>0\.10</span> 万元", statistics)
    assert re.search(r"退回医保基金到账金额</td><td><span[^>]*>0\.05</span> 万元", statistics)


@pytest.mark.parametrize("posted, message", [
    ({"amount": "1000.01"}, "超过应缴金额：决定罚款 1000.00 元，已到账 0.00 元，本次最多 1000.00 元。"),
    ({"amount": "0"}, "确保该值大于或等于0.01"),
    ({"paid_on": (timezone.localdate() + timedelta(days=1)).isoformat()}, "到账日期不能晚于今天。"),
    ({"paid_on": (timezone.localdate() - timedelta(days=11)).isoformat()}, "到账日期不能早于决定日期"),
    ({"receipt_number": "  "}, "请填写缴款凭证号"),
    ({"kind": "bribe"}, "选择一个有效的选项"),
])
def test_a_wrong_payment_is_named_and_nothing_is_recorded(decided, login, posted, message):
    case, penalty = decided
    good = {"kind": "fine", "amount": "100", "paid_on": timezone.localdate().isoformat(), "receipt_number": "3211000009"}
    response = login("msb_officer").post(add_url(case, penalty), {**good, **posted})
    assert response.status_code == 200 and message in response.content.decode()
    assert not PenaltyPayment.objects.exists() and not AuditEvent.objects.filter(verb="penalty.payment_recorded").exists()


def test_more_than_owed_in_two_steps_a_receipt_twice_and_money_not_ordered_are_refused(decided, cast, login):
    case, penalty = decided
    officer = login("msb_officer")
    today = timezone.localdate().isoformat()
    officer.post(add_url(case, penalty), {"kind": "fine", "amount": "700", "paid_on": today, "receipt_number": "A-1"})
    more = officer.post(add_url(case, penalty), {"kind": "fine", "amount": "400", "paid_on": today, "receipt_number": "A-2"})
    assert "已到账 700.00 元，本次最多 300.00 元" in more.content.decode()
    again = officer.post(add_url(case, penalty), {"kind": "refund", "amount": "100", "paid_on": today, "receipt_number": "A-1"})
    assert "缴款凭证号“A-1”已经登记过" in again.content.decode()
    case.status = CaseStatus.ADMIN_HANDLING  # a second decision of the same handling, fine only
    fine_only = penalties.penalty_record(case=case, user=cast.user("msb_officer"), **decision(
        case, document_number="镇医保罚〔2026〕10号", decided_on=penalty.decided_on))
    refused = officer.post(add_url(case, fine_only), {"kind": "refund", "amount": "10", "paid_on": today, "receipt_number": "A-3"})
    assert "该决定未作出责令退回" in refused.content.decode()
    assert list(PenaltyPayment.objects.values_list("kind", "amount")) == [(PaymentKind.FINE, Decimal("700.00"))]


def test_only_the_deciding_bureau_records_payments(decided, login):
    case, penalty = decided
    form = {"kind": "fine", "amount": "100", "paid_on": timezone.localdate().isoformat(), "receipt_number": "X-1"}
    assert login("psb_officer").post(add_url(case, penalty), form).status_code == 404  # cannot see the case
    assert login("cz_msb_officer").post(add_url(case, penalty), form).status_code == 404
    assert not PenaltyPayment.objects.exists()


def test_a_receipt_is_unique_per_bureau_in_the_database_too(decided, cast):
    """Two clerks entering the same receipt at the same moment both pass the check; the database
    constraint keeps one, and the other is told the receipt is recorded."""
    from django.db import IntegrityError, transaction

    from casework.payments import payment_record

    case, penalty = decided
    today = timezone.localdate()
    first = payment_record(user=cast.user("msb_officer"), decision=penalty, kind="fine", amount=Decimal("100"), paid_on=today,
                           receipt_number="DUP-1")
    assert first.agency == case.agency
    with pytest.raises(IntegrityError), transaction.atomic():
        PenaltyPayment.objects.create(decision=penalty, kind="fine", amount=Decimal("1"), paid_on=today, receipt_number="DUP-1",
                                      recorded_by=cast.user("msb_officer2"), agency=case.agency)
    assert PenaltyPayment.objects.filter(receipt_number="DUP-1").count() == 1
