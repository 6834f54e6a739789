"""The administrative case's own clocks (domain §6.1–6.2): deciding whether to file, and deciding the case.

* 立案: whether to file a lead is decided within 15 working days of its receipt (令第4号; SECONDARY,
  hence LIANBAN_CASE_FILING_WORKING_DAYS). Met by the filing decision either way.
* 处理决定: the case is decided within 90 days of 立案 (行政处罚法 Art. 60, CONFIRMED). The head may
  extend it by 30 days; a further extension of at most 60 days needs the heads' collective discussion
  (令第4号 Art. 45, SECONDARY: LIANBAN_CASE_DECISION_*_EXTENSION_DAYS). Met by the decision: a
  penalty decision recorded, a transfer to the judicial organs, or 不予处罚 / closing.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agencies.audit import audit_append
from agencies.permissions import APPROVE_EXTENSION
from casework.clocks import Period, TwoStepRule, clock_extend_two_step, clock_meet, clock_start, open_clock
from casework.models import OPEN_DEADLINE_STATUSES, Case, ClockUnit, Deadline, DecisionExtension

FILING = "case.filing"
DECISION = "case.decision"
DECISION_DAYS = 90  # 行政处罚法 Art. 60
DECISION_BASIS = "《中华人民共和国行政处罚法》第六十条"
EXTENSION_BASIS = "《医疗保障行政处罚程序暂行规定》（国家医疗保障局令第4号）第四十五条"


def _url(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


def start_filing_clock(case: Case, *, received_at: datetime | None = None) -> Deadline:
    """From registration, or from the earlier receipt of a handoff entered from paper (令第4号: the
    15 working days run from discovering the lead or receiving its materials)."""
    return clock_start(
        case=case, target=case, code=FILING, title="作出是否立案的决定",
        legal_basis="《医疗保障行政处罚程序暂行规定》（国家医疗保障局令第4号）", agency=case.agency,
        amount=settings.LIANBAN_CASE_FILING_WORKING_DAYS, unit=ClockUnit.WORKING_DAYS, start_event="发现或收到案件线索",
        url=_url(case), started_at=received_at or case.registered_at, responsible=case.lead_officer,
    )


def meet_filing_clock(case: Case) -> Deadline | None:
    return clock_meet(target=case, code=FILING)


def start_decision_clock(case: Case) -> Deadline:
    return clock_start(
        case=case, target=case, code=DECISION, title="作出行政处罚决定", legal_basis=DECISION_BASIS, agency=case.agency,
        amount=DECISION_DAYS, unit=ClockUnit.CALENDAR_DAYS, start_event="立案", url=_url(case), started_at=case.filed_at,
        responsible=case.lead_officer,
    )


def meet_decision_clock(case: Case) -> Deadline | None:
    return clock_meet(target=case, code=DECISION)


def decision_extension_rule() -> TwoStepRule:
    """30 more days with the head's approval, then at most 60 after the heads' collective discussion
    (令第4号 Art. 45, SECONDARY: settings), each counted from the due day then in force."""
    return TwoStepRule(
        first=Period(settings.LIANBAN_CASE_DECISION_HEAD_EXTENSION_DAYS, ClockUnit.CALENDAR_DAYS, from_due=True),
        second=Period(settings.LIANBAN_CASE_DECISION_COLLECTIVE_EXTENSION_DAYS, ClockUnit.CALENDAR_DAYS, from_due=True),
        first_only_once="已经负责人批准延长，如需继续延长须经负责人集体讨论决定。",
        second_needs_first="继续延长须先经负责人批准延长。",
        studied_on_missing="请填写负责人集体讨论的日期（不晚于今天）。",
        collectively="负责人集体讨论决定",
    )


def can_extend_decision(user, case: Case) -> bool:
    """The head of the case's agency, while the decision clock runs and a further extension is possible."""
    if not (user.is_authenticated and user.has_perm(APPROVE_EXTENSION, case.agency)):
        return False
    deadline = Deadline.objects.about(case).filter(code=DECISION, status__in=OPEN_DEADLINE_STATUSES).first()
    return deadline is not None and deadline.extensions.count() < len(DecisionExtension)


@transaction.atomic
def decision_extend(*, case: Case, user, extension: str, reason: str, studied_on: date | None = None) -> Deadline:
    """Extend the 90-day decision clock: 30 days with the head's approval, then at most 60 more
    after the heads' collective discussion (on `studied_on`), never the other way round."""
    if not can_extend_decision(user, case):
        raise PermissionDenied("只有承办机关负责人可以在办案期限内批准延长。")
    extension = DecisionExtension(extension)
    collective = extension == DecisionExtension.COLLECTIVE
    rule = decision_extension_rule()
    days = (rule.second if collective else rule.first).amount
    label = f"{extension.label}{days}日（{EXTENSION_BASIS}）"
    deadline, reason = clock_extend_two_step(
        deadline=open_clock(target=case, code=DECISION), rule=rule, user=user, collective=collective, label=label,
        reason=reason, studied_on=studied_on,
    )
    audit_append(
        actor=user, verb="case.decision_extended", target=case, agency=case.agency, thread=f"case:{case.pk}",
        summary=f"{label}，办案期限至 {timezone.localtime(deadline.due_at):%Y-%m-%d}", data={"reason": reason},
    )
    return deadline
