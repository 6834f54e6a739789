"""登记书面答复: the bureau's paper reply to a handoff that was itself entered by hand.

A handoff from an agency not on Lianban (casework.hand_intake) starts the source's own clock about the
case — the reverse transfer's written reply, the reply to the procuratorate, the 交办 report, the
flying inspection's progress plan, the notice to the handling agency (casework.source_clocks). That
reply goes out on paper too, so nothing in the app would ever meet the clock: it would run overdue and
open a false 超期督办. Here an officer of the bureau records the reply's date and 文号, and the clock is
met on that day — late if the day is past the due date, so the statistics still count it as late.

The 文号 is required: every one of these replies is an official document (复函, 书面答复, 报告), numbered
when issued (domain §10.2), and the number is what ties the record to the paper in the file.

A 上级交办 entered by hand may be extended as one signed for in Lianban is (referral.incoming): to 3
months from receipt with the head's approval, then to at most 6 after collective study. The rule lives
here, below both. The higher bureau is not on Lianban, so nobody is told in the app: the extension is
on the clock and in the case's audit trail.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.audit import audit_append
from agencies.dates import day_error
from agencies.permissions import ACT_FOR_AGENCY, APPROVE_EXTENSION, can_act_for
from casework.clocks import Period, TwoStepRule, clock_extend_two_step, clock_meet
from casework.models import AssignedClueExtension, Case, CaseSource, ClockUnit, Deadline, DeadlineStatus
from casework.permissions import can_view_case
from casework.source_clocks import DOCUMENT_NAME, REPLY_CLOCK, REPLY_NUMBER_MAX_LENGTH

NOTE_MAX_LENGTH = 200


def can_record_source_reply(user, case: Case) -> bool:
    """The officers who act for the case's bureau (as on the case's other steps), also after it closed:
    the reply to a 检察意见 often reports the closed case's result."""
    return can_view_case(user, case) and can_act_for(user, case.agency, ACT_FOR_AGENCY)


def hand_started_clock(case: Case) -> Deadline | None:
    """The source's clock started by 代录, met or not (a handoff signed for in Lianban has its clock
    about the referral, met by the referral's 复函)."""
    return Deadline.objects.about(case).filter(code=REPLY_CLOCK).order_by("-pk").first()


def awaits_reply(deadline: Deadline) -> bool:
    """Running, paused, or breached with nothing done yet."""
    return deadline.is_open or (deadline.status == DeadlineStatus.BREACHED and deadline.met_at is None)


def already_replied(deadline: Deadline) -> str:
    if deadline.met_at is None:  # cancelled
        return f"{deadline.title}{deadline.get_status_display()}，不需要登记书面答复。本次提交未保存。"
    return (f"{deadline.title}已于{timezone.localtime(deadline.met_at):%Y-%m-%d}办结（{deadline.get_status_display()}），"
            "不能重复登记书面答复。本次提交未保存。")


def _met_at(replied_on: date, deadline: Deadline) -> datetime:
    """Today's reply is now; an earlier one is the start of its day (a due date is the end of a day,
    so the hour never makes a reply late), never before the clock started."""
    if replied_on == timezone.localdate():
        return timezone.now()
    return max(timezone.make_aware(datetime.combine(replied_on, time.min)), deadline.started_at)


def _errors(deadline: Deadline, *, replied_on: date | None, reply_number: str, note: str) -> dict[str, str]:
    errors = {}
    if problem := day_error(replied_on, label="答复日期", earliest=timezone.localdate(deadline.started_at),
                            earliest_label="期限起算日"):
        errors["replied_on"] = problem
    if not reply_number:
        errors["reply_number"] = "请填写答复文号（书面答复、复函或报告的发文字号）。"
    elif len(reply_number) > REPLY_NUMBER_MAX_LENGTH:
        errors["reply_number"] = f"答复文号过长：最多 {REPLY_NUMBER_MAX_LENGTH} 个字。"
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = f"备注过长：最多 {NOTE_MAX_LENGTH} 个字。"
    return errors


@transaction.atomic
def source_reply_record(*, user, case: Case, replied_on: date | None, reply_number: str, note: str = "") -> Deadline:
    """Meet the hand-started source clock on the day the paper reply went out; audited on the case.
    Irreversible (a statutory clock closes); bad input, a second reply or an outsider change nothing."""
    if not can_record_source_reply(user, case):
        raise PermissionDenied("只有承办机关的工作人员可以登记书面答复。")
    deadline = Deadline.objects.select_for_update().about(case).filter(code=REPLY_CLOCK).order_by("-pk").first()
    if deadline is None:
        raise ValidationError("本案不是据纸质来文登记的移送线索，没有需要登记的书面答复。")
    if not awaits_reply(deadline):
        raise ValidationError(already_replied(deadline))
    reply_number, note = reply_number.strip(), note.strip()
    if errors := _errors(deadline, replied_on=replied_on, reply_number=reply_number, note=note):
        raise ValidationError(errors)
    deadline = clock_meet(target=case, code=REPLY_CLOCK, at=_met_at(replied_on, deadline))
    late = deadline.met_at > deadline.due_at
    document = DOCUMENT_NAME.get(case.source, "来文")
    audit_append(
        actor=user, verb="case.source_replied", target=case, agency=case.agency, thread=f"case:{case.pk}",
        summary=f"登记书面答复（就{document}）：{reply_number}，{replied_on:%Y-%m-%d}发出；{deadline.title}"
        f"{'超期' if late else '按期'}办结" + (f"。{note}" if note else ""),
        data={"deadline": deadline.pk, "replied_on": replied_on.isoformat(), "reply_number": reply_number, "note": note,
              "late": late},
    )
    return deadline


# --- 上级交办: extensions (2018 national practice; domain §3 SRC-ASSIGN) ---------------------------

def assignment_extension_rule() -> TwoStepRule:
    """To 3 months from receipt with the head's approval; to at most 6 after collective study, and
    only after the first (settings)."""
    return TwoStepRule(
        first=Period(settings.LIANBAN_ASSIGNED_CLUE_EXTENDED_MONTHS, ClockUnit.MONTHS),
        second=Period(settings.LIANBAN_ASSIGNED_CLUE_MAX_MONTHS, ClockUnit.MONTHS),
        first_only_once="已经负责人批准延长，如需再延长须经集体研究。",
        second_needs_first="延长至6个月须先经负责人批准延长至3个月。",
        studied_on_missing="请填写集体研究的日期（不晚于今天）。",
        collectively="集体研究",
    )


def can_extend_source_clock(user, case: Case, deadline: Deadline | None) -> bool:
    """The bureau's head, while a hand-entered 交办's clock runs and a further extension is possible."""
    return (
        deadline is not None
        and case.source == CaseSource.ASSIGNED
        and deadline.is_open
        and can_record_source_reply(user, case)
        and can_act_for(user, case.agency, APPROVE_EXTENSION)
        and deadline.extensions.count() < len(AssignedClueExtension)
    )


@transaction.atomic
def source_clock_extend(*, user, case: Case, extension: str, reason: str, studied_on: date | None = None) -> Deadline:
    """Extend the hand-entered 交办's clock by the step of the rule asked for; audited on the case.
    Nothing changes on a refusal."""
    deadline = Deadline.objects.select_for_update().about(case).filter(code=REPLY_CLOCK).order_by("-pk").first()
    if not can_extend_source_clock(user, case, deadline):
        raise PermissionDenied("只有承办机关负责人可以在办理期间批准延长交办期限。")
    extension = AssignedClueExtension(extension)
    deadline, reason = clock_extend_two_step(
        deadline=deadline, rule=assignment_extension_rule(), user=user,
        collective=extension == AssignedClueExtension.COLLECTIVE, label=extension.label, reason=reason.strip(),
        studied_on=studied_on,
    )
    audit_append(
        actor=user, verb="case.source_extended", target=case, agency=case.agency, thread=f"case:{case.pk}",
        summary=f"{extension.label}，{deadline.title}期限至 {timezone.localtime(deadline.due_at):%Y-%m-%d}",
        data={"deadline": deadline.pk, "extension": extension.value, "reason": reason},
    )
    return deadline
