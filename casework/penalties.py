"""Administrative penalty decisions (行政处罚决定) recorded at the case's 行政处理 step.

One decision per party and 决定书: what it imposes (警告, 罚款, 责令退回 …), the amounts in 元, and
the decision date by which the statistics count it (domain §11.3).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.audit import audit_append
from casework.models import Case, CaseStatus, PenaltyDecision, PenaltyKind, Subject


def penalty_prepare(
    *,
    case: Case,
    user,
    subject: Subject,
    document_number: str,
    decided_on: date,
    kinds: Sequence[str],
    fine_amount: Decimal | None = None,
    refund_amount: Decimal | None = None,
) -> PenaltyDecision:
    """Check a penalty decision without saving it (the 行政处理 page checks each row before recording any)."""
    if case.status != CaseStatus.ADMIN_HANDLING:
        raise ValidationError(f"案件处于“{case.get_status_display()}”状态，只有行政处理阶段可以登记处罚决定。")
    decision = PenaltyDecision(
        case=case, subject=subject, document_number=document_number, decided_on=decided_on, kinds=list(kinds),
        fine_amount=fine_amount, refund_amount=refund_amount, recorded_by=user,
    )
    errors: dict[str, list[str]] = {}
    try:
        decision.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if subject.case_id != case.pk:
        add("subject", "被处罚的当事人应为本案当事人。")
    today = timezone.localdate()
    filed_on = timezone.localdate(case.filed_at) if case.filed_at else None
    if decided_on is not None and decided_on > today:
        add("decided_on", "决定日期不能晚于今天。")
    elif decided_on is not None and filed_on and decided_on < filed_on:
        add("decided_on", f"决定日期不能早于立案日期（{filed_on:%Y-%m-%d}）。")
    if PenaltyKind.FINE in decision.kinds and case.fine_is_paused:
        add("kinds", "本案罚款决定已中止，待刑事诉讼结果（罚款与罚金折抵），暂不能作出罚款。")
    number = decision.document_number
    if number and PenaltyDecision.objects.filter(case__agency=case.agency, document_number=number).exists():
        add("document_number", f"决定书文号“{number}”已经登记过。")
    if errors:
        raise ValidationError(errors)
    return decision


@transaction.atomic
def penalty_record(*, case: Case, user, **decision) -> PenaltyDecision:
    """Record one penalty decision (决定书) against a party of the case; audited on the case's timeline."""
    penalty = penalty_prepare(case=case, user=user, **decision)
    penalty.save()
    amounts = "".join(
        f"，{label} {amount} 元" for label, amount in (("罚款", penalty.fine_amount), ("责令退回", penalty.refund_amount)) if amount
    )
    audit_append(
        actor=user, verb="penalty.recorded", target=penalty, agency=case.agency, thread=f"case:{case.pk}",
        summary=f"行政处罚决定（{penalty.document_number}）：{penalty.subject.name}，{'、'.join(penalty.get_kinds_display())}{amounts}",
        data={
            "penalty": penalty.pk, "subject": penalty.subject_id, "decided_on": penalty.decided_on, "kinds": penalty.kinds,
            "fine_amount": penalty.fine_amount, "refund_amount": penalty.refund_amount,
        },
    )
    return penalty
