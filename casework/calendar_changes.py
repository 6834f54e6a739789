"""When the holiday table changes, the open clocks that counted through it are counted again.

A clock's due time is computed once, when it starts, from the holiday table of that moment
(casework.clocks). A year that was only provisional (weekends only) is later confirmed with its
holidays, and an administrator may correct a confirmed year: every running or paused clock whose
count reached a changed year is then replayed — its own period from its start, then its pauses and
its counted extensions in the order they happened — and moved if the result differs. Each move is
audited on the case's thread with the old and new times, and the clock's responsible officer and
their agency's heads are told (one message each, naming the clocks that moved).

A clock already marked breached is counted again too, since a provisional year may have made it
fall due too early: if its new due time is still ahead it runs again (if its duty was done late by the
old count but in time by the new one, it is met in time); the breach stays in the audit trail, and
its 超期督办 stays open for the head to close with that explanation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agencies.audit import AuditEntry, audit_append_many
from casework import calendar
from casework.clocks import Due, Heads, Period, due_for, warning_time
from casework.models import ClockUnit, Deadline, DeadlinePause, DeadlineStatus, OPEN_DEADLINE_STATUSES
from notifications.services import Message, notify_many

BATCH = 500
MESSAGE_CLOCKS_LISTED = 5  # a message names this many moved clocks, then says how many more


@dataclass(frozen=True)
class Moved:
    deadline: Deadline
    previous_due_at: datetime
    previous_provisional: bool
    previous_status: str = DeadlineStatus.RUNNING

    @property
    def breach_lifted(self) -> bool:
        return self.previous_status == DeadlineStatus.BREACHED and self.deadline.status != DeadlineStatus.BREACHED


class _Counts:
    """`due_for` remembered for one recompute: many clocks share a start day, amount and unit."""

    def __init__(self) -> None:
        self._memo: dict[tuple[date, int, str], Due] = {}
        self._years: dict[int, str | None] = {}

    def provisional(self, year: int) -> bool:
        if year not in self._years:
            self._years[year] = calendar.year_status(year)
        return self._years[year] == "provisional"

    def due(self, started_at: datetime, amount: int, unit: str) -> Due:
        if unit == ClockUnit.HOURS:
            return due_for(started_at=started_at, amount=amount, unit=unit)
        key = (timezone.localtime(started_at).date(), amount, unit)
        if key not in self._memo:
            self._memo[key] = due_for(started_at=started_at, amount=amount, unit=unit)
        return self._memo[key]


def replayed_due(deadline: Deadline, counts: _Counts | None = None) -> Due:
    """The due time `deadline` has under today's holiday table: its period from its start, then its
    finished pauses and its extensions in the order they happened (as clock_resume and clock_extend
    applied them). An extension approved as a date, not counted by a period, keeps its date."""
    counts = counts or _Counts()
    due_at = counts.due(deadline.started_at, deadline.amount, deadline.unit).at
    steps = [(pause.resumed_at, pause) for pause in deadline.pauses.all() if pause.resumed_at is not None]
    steps += [(extension.created_at, extension) for extension in deadline.extensions.all()]
    for _, step in sorted(steps, key=lambda pair: pair[0]):
        if isinstance(step, DeadlinePause):
            due_at += step.resumed_at - step.paused_at
        elif step.amount:
            period = Period(step.amount, step.unit, from_due=step.from_due)
            due_at = counts.due(due_at if period.from_due else deadline.started_at, period.amount, period.unit).at
        else:
            due_at = step.new_due_at
    start_day, last_day = timezone.localtime(deadline.started_at).date(), timezone.localtime(due_at).date()
    provisional = any(counts.provisional(year) for year in range(start_day.year, last_day.year + 1))
    return Due(at=due_at, provisional=provisional)


def _counting_through(years: list[int]):
    """Open or breached clocks counted in days or months whose span (start … due) reaches one of `years`."""
    first, last = min(years), max(years)
    return (
        Deadline.objects.filter(status__in=(*OPEN_DEADLINE_STATUSES, DeadlineStatus.BREACHED))
        .exclude(unit=ClockUnit.HOURS)
        .filter(
            started_at__lt=timezone.make_aware(datetime.combine(date(last + 1, 1, 1), time.min)),
            due_at__gte=timezone.make_aware(datetime.combine(date(first, 1, 1), time.min)),
        )
        .order_by("pk")
    )


@transaction.atomic
def clocks_recount(*, years: Iterable[int], actor, reason: str) -> list[Moved]:
    """Count again the open clocks that reach `years` (whose holiday schedule `reason` changed);
    move, audit and announce those whose due time or provisional flag changed. Call it in the
    transaction that changes the table; returns what moved."""
    years = sorted(set(years))
    if not years:
        return []
    counts, moved, last_pk, now = _Counts(), [], 0, timezone.now()
    while True:
        batch = list(
            _counting_through(years).filter(pk__gt=last_pk).select_for_update(of=("self",))
            .select_related("case", "agency", "responsible").prefetch_related("pauses", "extensions")[:BATCH]
        )
        if not batch:
            break
        last_pk = batch[-1].pk
        changed = []
        for deadline in batch:
            due = replayed_due(deadline, counts)
            if (due.at, due.provisional) == (deadline.due_at, deadline.provisional):
                continue
            moved.append(Moved(deadline, deadline.due_at, deadline.provisional, deadline.status))
            if due.at != deadline.due_at:
                deadline.warn_at = warning_time(started_at=deadline.started_at, due_at=due.at, unit=deadline.unit)
                if deadline.warned_at and deadline.warn_at > now:
                    deadline.warned_at = None  # warned for the old time: warn again for the new one
            deadline.due_at, deadline.provisional = due.at, due.provisional
            if deadline.status == DeadlineStatus.BREACHED:
                _breach_recounted(deadline, now=now)
            changed.append(deadline)
        Deadline.objects.bulk_update(changed, ["due_at", "warn_at", "warned_at", "provisional", "status", "breached_at"])
    audit_append_many([_entry(move, actor=actor, reason=reason) for move in moved])
    notify_many(_messages(moved, reason=reason))
    return moved


def _breach_recounted(deadline: Deadline, *, now: datetime) -> None:
    """A breached clock under its new due time: met in time if its duty was done by then, running
    again if that time is still ahead, else still breached."""
    if deadline.met_at is not None:
        if deadline.met_at <= deadline.due_at:
            deadline.status, deadline.breached_at = DeadlineStatus.MET, None
    elif deadline.due_at > now:
        deadline.status, deadline.breached_at = DeadlineStatus.RUNNING, None


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _entry(move: Moved, *, actor, reason: str) -> AuditEntry:
    deadline = move.deadline
    if deadline.due_at == move.previous_due_at:
        what = f"届满时间仍为 {_when(deadline.due_at)}，不再标注“暂定”" if not deadline.provisional else "标注为按暂定节假日计算"
    else:
        what = f"届满时间由 {_when(move.previous_due_at)} 调整为 {_when(deadline.due_at)}"
    if move.breach_lifted:
        what += "，撤销超期标记（" + ("已按期办结" if deadline.status == DeadlineStatus.MET else "恢复计时") + "）"
    return AuditEntry(
        verb="clock.recounted", target=deadline, agency=deadline.agency, thread=f"case:{deadline.case_id}", actor=actor,
        summary=f"{reason}，重新计算{deadline.title}：{what}",
        data={"previous_due_at": move.previous_due_at.isoformat(), "due_at": deadline.due_at.isoformat(),
              "provisional": deadline.provisional},
    )


def _messages(moved: list[Moved], *, reason: str) -> list[Message]:
    """One message per person whose clocks' due times moved (a changed flag alone is not news)."""
    heads, per_user, users = Heads(), defaultdict(list), {}
    for move in moved:
        if move.deadline.due_at == move.previous_due_at:
            continue
        for user in heads.recipients(move.deadline):
            users[user.pk] = user
            per_user[user.pk].append(move)
    messages = []
    for pk, moves in per_user.items():
        lines = [
            f"{move.deadline.case.title}：{move.deadline.title}，由 {_when(move.previous_due_at)} 调整为 {_when(move.deadline.due_at)}"
            + ("，不再超期（超期督办可说明情况后办结）" if move.breach_lifted else "")
            for move in moves[:MESSAGE_CLOCKS_LISTED]
        ]
        if len(moves) > MESSAGE_CLOCKS_LISTED:
            lines.append(f"另有{len(moves) - MESSAGE_CLOCKS_LISTED}项，见“我的工作”按期限排序。")
        url = moves[0].deadline.url if len(moves) == 1 else f"{reverse('workflow:work')}?order=due"
        messages.append(Message(
            recipients=[users[pk]], event="clock.recounted", title=f"期限届满时间已调整（{len(moves)}项）",
            body=f"{reason}，以下期限已按新的节假日安排重新计算：" + "；".join(lines), url=url,
        ))
    return messages
