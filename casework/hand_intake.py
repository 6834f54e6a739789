"""登记线索 by hand: a lead typed in by a bureau officer, including a handoff from an agency not on
Lianban entered from its paper document (代录).

A handoff — a reverse transfer, a 检察意见, a 交办, a flying inspection's 移交, the handling
agency's 移交 — owes its sender a reply, report or plan by a legal date (casework.source_clocks). On
paper it arrives as a numbered, dated document; the bureau records that document's 文号, its date
and the day it was received, and the clocks count from that day as they do when the same handoff is
signed for in Lianban (referral.incoming): the 15-working-day filing clock and the source's own.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agencies import recording
from agencies.audit import audit_append
from casework import services
from casework.clocks import clock_start
from casework.models import Case, Deadline
from casework.source_clocks import DOCUMENT_NAME, HANDOFF_SOURCES, INCOMING_NUMBER_MAX_LENGTH, reply_clock


def incoming_errors(*, source: str, number: str, issued_on: date | None, received_on: date | None) -> dict[str, str]:
    """What is wrong with a handoff's 来文 (nothing for any other source): each field required, no
    day after today, received no earlier than issued."""
    if source not in HANDOFF_SOURCES:
        return {}
    document = DOCUMENT_NAME[source]
    today = timezone.localdate(recording.now())
    errors = {}
    if not number.strip():
        errors["incoming_number"] = f"请填写来文文号（{document}的文号）。"
    elif len(number.strip()) > INCOMING_NUMBER_MAX_LENGTH:
        errors["incoming_number"] = f"来文文号过长：最多 {INCOMING_NUMBER_MAX_LENGTH} 个字。"
    if issued_on is None:
        errors["incoming_issued_on"] = f"请填写来文日期（{document}的成文日期）。"
    elif issued_on > today:
        errors["incoming_issued_on"] = "来文日期不能晚于今天。"
    if received_on is None:
        errors["incoming_received_on"] = "请填写收文日期（本局收到来文的日期），办理期限自该日起算。"
    elif received_on > today:
        errors["incoming_received_on"] = "收文日期不能晚于今天。"
    elif issued_on is not None and received_on < issued_on:
        errors["incoming_received_on"] = "收文日期不能早于来文日期。"
    return errors


def _received_at(received_on: date) -> datetime:
    """Today's receipt is now; an earlier one is the start of that day (the start day is not counted,
    so its hour never moves a due date)."""
    now = timezone.localtime(recording.now())
    if received_on == now.date():
        return now
    return timezone.make_aware(datetime.combine(received_on, time.min))


@transaction.atomic
def lead_register(
    *,
    user,
    source: str,
    incoming_number: str = "",
    incoming_issued_on: date | None = None,
    incoming_received_on: date | None = None,
    **fields,
) -> Case:
    """Register a lead typed in by an officer (services.case_register's fields); for a handoff,
    with its 来文, starting the source's clock from the day it was received. Bad input changes nothing."""
    incoming_number = incoming_number.strip()
    if errors := incoming_errors(source=source, number=incoming_number, issued_on=incoming_issued_on,
                                 received_on=incoming_received_on):
        raise ValidationError(errors)
    if source not in HANDOFF_SOURCES:
        return services.case_register(user=user, source=source, **fields)
    received_at = _received_at(incoming_received_on)
    fields["source_detail"] = fields.get("source_detail", "").strip() or incoming_number
    case = services.case_register(user=user, source=source, received_at=received_at, **fields)
    clock = _start_source_clock(case, number=incoming_number, issued_on=incoming_issued_on, received_at=received_at, user=user)
    document = DOCUMENT_NAME[source]
    audit_append(
        actor=user, verb="case.incoming_recorded", target=case, agency=case.agency, thread=f"case:{case.pk}",
        summary=f"据纸质{document}登记：{incoming_number}（{incoming_issued_on:%Y-%m-%d}），"
        f"{timezone.localtime(received_at):%Y-%m-%d}收文；{clock.title}，{timezone.localtime(clock.due_at):%Y-%m-%d}届满",
        data={"incoming_number": incoming_number, "incoming_issued_on": incoming_issued_on.isoformat(),
              "incoming_received_on": incoming_received_on.isoformat()},
    )
    return case


def _start_source_clock(case: Case, *, number: str, issued_on: date, received_at: datetime, user) -> Deadline:
    """The clock referral.incoming starts on a signed-for handoff, here about the case: its reply goes
    out on paper, so there is no referral to hang it on."""
    spec = reply_clock(case.source)
    start_event = f"收到{DOCUMENT_NAME[case.source]}（{number}，{issued_on:%Y-%m-%d}）"
    return clock_start(
        case=case, target=case, code=spec.code, title=spec.title, legal_basis=spec.legal_basis, agency=case.agency,
        amount=spec.amount, unit=spec.resolved_unit, start_event=start_event, url=services.case_url(case),
        started_at=received_at, responsible=user,
    )
