"""追回到账: what a penalty decision ordered (罚款, 责令退回) against what actually came in.

A decision records the amounts owed; each payment is recorded as it arrives, with its date and
receipt (非税收入缴款书号 or bank slip), by an officer of the bureau that decided — also after the
case closed, since money comes in after the decision. A payment may not exceed what is still owed,
nor come before the decision or after today; a receipt is recorded once per bureau.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from agencies.audit import audit_append
from agencies.permissions import ACT_FOR_AGENCY, can_act_for
from casework.models import Case, PaymentKind, PenaltyDecision, PenaltyPayment
from casework.permissions import can_view_case

ORDERED = {PaymentKind.FINE: "fine_amount", PaymentKind.REFUND: "refund_amount"}
CENT = Decimal("0.01")  # SQLite's SUM drops trailing zeros


def can_record_payments(user, case: Case) -> bool:
    return can_view_case(user, case) and can_act_for(user, case.agency, ACT_FOR_AGENCY)


@dataclass(frozen=True)
class Balance:
    """One kind of money of one decision: ordered, paid, still owed."""

    ordered: Decimal
    paid: Decimal

    @property
    def owed(self) -> Decimal:
        return max(self.ordered - self.paid, Decimal("0.00"))


def balances(decision: PenaltyDecision) -> dict[str, Balance]:
    """The decision's balance for each kind it ordered (from its prefetched or stored payments)."""
    paid = {kind: Decimal("0.00") for kind in ORDERED}
    for payment in decision.payments.all():
        paid[payment.kind] += payment.amount
    return {kind: Balance(ordered=getattr(decision, field), paid=paid[kind])
            for kind, field in ORDERED.items() if getattr(decision, field)}


def anything_owed(owed: dict[str, Balance]) -> bool:
    return any(balance.owed for balance in owed.values())


@transaction.atomic
def payment_record(*, user, decision: PenaltyDecision, kind: str, amount: Decimal | None, paid_on: date | None,
                   receipt_number: str) -> PenaltyPayment:
    """Record one payment against a decision; ValidationError names each wrong field, nothing changes then."""
    decision = PenaltyDecision.objects.select_for_update().select_related("case__agency", "subject").get(pk=decision.pk)
    case = decision.case
    if not can_record_payments(user, case):
        raise PermissionDenied("只有作出处罚决定的医疗保障局的工作人员可以登记到账。")
    errors: dict[str, str] = {}
    field = ORDERED.get(kind)
    if field is None:
        errors["kind"] = "请选择款项：罚款或退回医保基金。"
    elif not getattr(decision, field):
        errors["kind"] = f"该决定未作出{'罚款' if kind == PaymentKind.FINE else '责令退回'}，不能登记此项到账。"
    if amount is None or amount <= 0:
        errors["amount"] = "请填写到账金额（大于 0 元）。"
    elif "kind" not in errors:
        paid = (decision.payments.filter(kind=kind).aggregate(total=Sum("amount"))["total"] or Decimal("0")).quantize(CENT)
        ordered = getattr(decision, field)
        if paid + amount > ordered:
            errors["amount"] = f"超过应缴金额：决定{PaymentKind(kind).label} {ordered} 元，已到账 {paid} 元，本次最多 {ordered - paid} 元。"
    if paid_on is None:
        errors["paid_on"] = "请填写到账日期。"
    elif paid_on > timezone.localdate():
        errors["paid_on"] = "到账日期不能晚于今天。"
    elif paid_on < decision.decided_on:
        errors["paid_on"] = f"到账日期不能早于决定日期（{decision.decided_on:%Y-%m-%d}）。"
    receipt_number = receipt_number.strip()
    if not receipt_number:
        errors["receipt_number"] = "请填写缴款凭证号（非税收入缴款书号或银行回单号）。"
    elif PenaltyPayment.objects.filter(agency=case.agency, receipt_number=receipt_number).exists():
        errors["receipt_number"] = f"缴款凭证号“{receipt_number}”已经登记过。"
    if errors:
        raise ValidationError(errors)

    try:
        with transaction.atomic():  # two clerks entering the same receipt at once: the constraint decides
            payment = PenaltyPayment.objects.create(
                decision=decision, kind=kind, amount=amount.quantize(CENT), paid_on=paid_on, receipt_number=receipt_number,
                recorded_by=user, agency=case.agency,
            )
    except IntegrityError:
        raise ValidationError({"receipt_number": f"缴款凭证号“{receipt_number}”已经登记过。"}) from None
    amount = payment.amount
    audit_append(
        actor=user, verb="penalty.payment_recorded", target=decision, agency=case.agency, thread=f"case:{case.pk}",
        summary=f"{decision.document_number}：{decision.subject.name}{payment.get_kind_display()}到账 {amount} 元"
        f"（{paid_on:%Y-%m-%d}，凭证 {receipt_number}）",
        data={"payment": payment.pk, "kind": kind, "amount": amount, "paid_on": paid_on, "receipt_number": receipt_number},
    )
    return payment
