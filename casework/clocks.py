"""Statutory clocks: when each legal limit falls due, and the worker that warns and escalates.

A clock is a `Deadline` row (domain §0): started by an event, `amount` of a `unit` (hours, calendar
days, working days, months), due at the end of its last day. Working days follow the system's own
holiday table (casework.calendar); calendar-day limits that end on a holiday roll to the next
working day when LIANBAN_CALENDAR_DAY_HOLIDAY_ROLLOVER is on (刑事诉讼法 Art. 105; UNCONFIRMED for
310's limits, hence a setting). The worker (`manage.py run_clocks`) fires each warning and each
breach exactly once, even with several workers: rows are claimed with SKIP LOCKED.
"""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from agencies import recording
from agencies.administrators import AdminRole, administrators
from agencies.audit import AuditEntry, audit_append, audit_append_many
from agencies.dates import format_date
from agencies.models import Agency, Role
from agencies.selectors import officer_users
from casework import calendar
from casework.escalation import escalation_open_many
from casework.models import (
    Case,
    ClockUnit,
    Deadline,
    DeadlineExtension,
    DeadlinePause,
    DeadlineStatus,
    OPEN_DEADLINE_STATUSES,
)
from notifications.services import Message, notify, notify_many


@dataclass(frozen=True)
class Due:
    at: datetime
    provisional: bool  # computed through a holiday year that is not confirmed yet


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def add_months(day: date, months: int) -> date:
    """Same day `months` later, or the month's last day when it has none (1月31日 + 1 → 2月28日)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


def first_day_after(day: date, months: int) -> date:
    """The first day after a period of `months` starting on `day` (民法典 Art. 201: the start day is
    not counted; Art. 202: the period ends on the corresponding day of its last month, or that
    month's last day when it has none). Terminated 2023-05-10 with a 3-year bar: the bar's last day
    is 2026-05-10 and 2026-05-11 the first allowed; from 2024-02-29 the first allowed is 2027-03-01."""
    return add_months(day, months) + timedelta(days=1)


def _spans_provisional(start: date, end: date) -> bool:
    return any(calendar.year_status(year) == "provisional" for year in range(start.year, end.year + 1))


def compute_due(*, started_at: datetime, amount: int, unit: str) -> Due:
    """The moment a clock of `amount` `unit` started at `started_at` falls due (the start day is not counted).

    Raises calendar.CalendarUnknownError when the count reaches a year with no holiday schedule.
    """
    if amount < 1:
        raise ValueError("期限应为正整数。")
    if unit == ClockUnit.HOURS:
        return Due(at=started_at + timedelta(hours=amount), provisional=False)
    start_day = timezone.localtime(started_at).date()
    if unit == ClockUnit.WORKING_DAYS:
        last_day = calendar.add_working_days(start_day, amount)
    else:
        last_day = start_day + timedelta(days=amount) if unit == ClockUnit.CALENDAR_DAYS else add_months(start_day, amount)
        if settings.LIANBAN_CALENDAR_DAY_HOLIDAY_ROLLOVER:
            last_day = calendar.next_working_day(last_day)
    return Due(at=_end_of(last_day), provisional=_spans_provisional(start_day, last_day))


def due_for(*, started_at: datetime, amount: int, unit: str) -> Due:
    """`compute_due` for a clock the law starts by itself: never blocked by a missing holiday year.

    When the count reaches a year nobody has entered yet, that year is opened as provisional
    (weekends only), the result is flagged provisional, and the system administrators are told to
    enter the State Council's schedule — loudly, not as a silent guess.
    """
    try:
        return compute_due(started_at=started_at, amount=amount, unit=unit)
    except calendar.CalendarUnknownError as missing:
        _, created = calendar.holiday_year_create_provisional(year=missing.year)
        if created:
            _alert_calendar_missing(missing)
        return due_for(started_at=started_at, amount=amount, unit=unit)


def _alert_calendar_missing(missing: calendar.CalendarUnknownError) -> None:
    admins = administrators(AdminRole.SYSTEM)
    notify(
        recipients=admins, event="calendar.missing", title=f"节假日安排缺失：{missing.year}年",
        body=f"{missing}（在此之前，涉及{missing.year}年的期限暂按仅周末休息计算并标注“暂定”。）",
        url=reverse("admin:casework_holidayyear_changelist"),
    )


def warning_time(*, started_at: datetime, due_at: datetime, unit: str) -> datetime:
    """When to warn: a share of an hours-clock before it ends, else a fixed lead (default one day)."""
    if unit == ClockUnit.HOURS:
        lead = (due_at - started_at) * settings.LIANBAN_CLOCK_WARN_FRACTION_OF_HOURS
    else:
        lead = timedelta(hours=settings.LIANBAN_CLOCK_WARN_HOURS_BEFORE_DUE)
    return max(started_at, due_at - lead)


def _audit(deadline: Deadline, *, actor, verb: str, summary: str, data: dict | None = None) -> None:
    audit_append(
        actor=actor, verb=verb, target=deadline, agency=deadline.agency, thread=f"case:{deadline.case_id}",
        summary=summary, data=data,
    )


def _entry(deadline: Deadline, *, verb: str, summary: str) -> AuditEntry:
    """What `_audit` records, for `audit_append_many` (the worker's: no actor)."""
    return AuditEntry(verb=verb, target=deadline, agency=deadline.agency, thread=f"case:{deadline.case_id}", summary=summary)


@transaction.atomic
def clock_start(
    *,
    case: Case,
    target: models.Model,
    code: str,
    title: str,
    legal_basis: str,
    agency: Agency,
    amount: int,
    unit: str,
    start_event: str,
    url: str,
    started_at: datetime | None = None,
    responsible=None,
) -> Deadline:
    """Start a legal clock about `target`; `url` is the page the responsible agency acts on."""
    started_at = started_at or recording.now()
    due = due_for(started_at=started_at, amount=amount, unit=unit)
    deadline = Deadline.objects.create(
        case=case, code=code, title=title, legal_basis=legal_basis, target_type=target._meta.label_lower,
        target_id=str(target.pk), agency=agency, responsible=responsible, start_event=start_event, url=url,
        started_at=started_at, amount=amount, unit=unit, due_at=due.at,
        warn_at=warning_time(started_at=started_at, due_at=due.at, unit=unit), provisional=due.provisional,
    )
    due_local = timezone.localtime(due.at)
    _audit(
        deadline, actor=None, verb="clock.started",
        summary=f"开始计时：{title}（{deadline.period_label}，{legal_basis}），{due_local:%Y-%m-%d %H:%M}届满"
        + ("（按暂定节假日计算）" if due.provisional else ""),
    )
    return deadline


def _clocks(target: models.Model, code: str):
    return Deadline.objects.select_for_update().about(target).filter(code=code)


def open_clock(*, target: models.Model, code: str) -> Deadline | None:
    return _clocks(target, code).filter(status__in=OPEN_DEADLINE_STATUSES).first()


@transaction.atomic
def clock_meet(*, target: models.Model, code: str, at: datetime | None = None) -> Deadline | None:
    """The duty was done: stop the clock. A late finish keeps the breach on record, with the time
    the duty was done at last (also after the worker has marked the clock breached)."""
    deadline = open_clock(target=target, code=code) or _clocks(target, code).overdue().first()
    if deadline is None:
        return None
    deadline.met_at = at or recording.now()
    late = deadline.met_at > deadline.due_at
    if not late:  # also a duty done in time on paper and entered after the worker marked it breached (代录)
        deadline.status, deadline.breached_at = DeadlineStatus.MET, None
    else:
        deadline.status = DeadlineStatus.BREACHED
        deadline.breached_at = deadline.breached_at or deadline.due_at
    deadline.save()
    _audit(deadline, actor=None, verb="clock.met", summary=f"{deadline.title}{'超期' if late else '按期'}办结")
    return deadline


@transaction.atomic
def clock_cancel(*, target: models.Model, code: str, reason: str) -> Deadline | None:
    deadline = open_clock(target=target, code=code)
    if deadline is None:
        return None
    deadline.status = DeadlineStatus.CANCELLED
    deadline.save()
    _audit(deadline, actor=None, verb="clock.cancelled", summary=f"{deadline.title}不再计时：{reason}")
    return deadline


@transaction.atomic
def clock_pause(*, deadline: Deadline, user, reason: str) -> Deadline:
    """Stop the clock for time the law excludes (e.g. 鉴定, 听证); the due time moves by the pause on resume."""
    deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
    if deadline.status != DeadlineStatus.RUNNING:
        raise ValueError("只有计时中的期限可以暂停。")
    now = timezone.now()
    DeadlinePause.objects.create(deadline=deadline, reason=reason, paused_by=user, paused_at=now)
    deadline.status, deadline.paused_at = DeadlineStatus.PAUSED, now
    deadline.save()
    _audit(deadline, actor=user, verb="clock.paused", summary=f"{deadline.title}暂停计时：{reason}")
    return deadline


@transaction.atomic
def clock_resume(*, deadline: Deadline, user) -> Deadline:
    deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
    if deadline.status != DeadlineStatus.PAUSED:
        raise ValueError("只有已暂停的期限可以恢复计时。")
    now = timezone.now()
    paused_for = now - deadline.paused_at
    deadline.pauses.filter(resumed_at__isnull=True).update(resumed_at=now)
    deadline.due_at += paused_for
    deadline.warn_at += paused_for
    deadline.status, deadline.paused_at = DeadlineStatus.RUNNING, None
    deadline.save()
    _audit(deadline, actor=user, verb="clock.resumed", summary=f"{deadline.title}恢复计时，届满时间顺延 {paused_for}")
    return deadline


@dataclass(frozen=True)
class Period:
    """How an extension is counted: `amount` `unit` from the clock's current due time (`from_due`,
    "30 more days") or from its start ("10 days in all"). Recorded with the extension, so that a
    change of the holiday table counts it again (casework.calendar_changes)."""

    amount: int
    unit: str
    from_due: bool = False

    def due(self, *, started_at: datetime, due_at: datetime) -> Due:
        return due_for(started_at=due_at if self.from_due else started_at, amount=self.amount, unit=self.unit)


@transaction.atomic
def clock_extend(
    *, deadline: Deadline, approved_by, reason: str, period: Period | None = None, new_due_at: datetime | None = None
) -> Deadline:
    """An approved extension: a new due time (and a new warning), with the approver and reason on record.

    The new due time is counted by `period` (the legal rule), or is the `new_due_at` approved as such."""
    deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
    if not deadline.is_open:
        raise ValueError("已办结或已撤销的期限不能延长。")
    if (period is None) == (new_due_at is None):
        raise TypeError("clock_extend takes either a period or a new due time")
    if period is not None:
        due = period.due(started_at=deadline.started_at, due_at=deadline.due_at)
        new_due_at = due.at
        deadline.provisional = deadline.provisional or due.provisional
    if new_due_at <= deadline.due_at:
        raise ValueError("延长后的届满时间应晚于原届满时间。")
    if not reason.strip():
        raise ValueError("请填写延长理由。")
    DeadlineExtension.objects.create(
        deadline=deadline, approved_by=approved_by, reason=reason, previous_due_at=deadline.due_at, new_due_at=new_due_at,
        **({"amount": period.amount, "unit": period.unit, "from_due": period.from_due} if period else {}),
    )
    deadline.due_at = new_due_at
    deadline.warn_at = warning_time(started_at=timezone.now(), due_at=new_due_at, unit=deadline.unit)
    deadline.warned_at = None
    deadline.save()
    _audit(
        deadline, actor=approved_by, verb="clock.extended",
        summary=f"{deadline.title}经批准延长至 {timezone.localtime(new_due_at):%Y-%m-%d %H:%M}：{reason}",
    )
    return deadline


@dataclass(frozen=True)
class TwoStepRule:
    """An extension granted in two steps, as several limits have it: first with the head's approval,
    then, only after that, a further one decided collectively on a stated day (令第4号 Art. 45 for
    the 90-day decision; the 交办 practice for assigned leads). The texts are each rule's own."""

    first: Period
    second: Period
    first_only_once: str  # asking for the first step again
    second_needs_first: str  # asking for the second before the first
    studied_on_missing: str  # the collective decision's day missing or in the future
    collectively: str  # how the reason records the decision: "负责人集体讨论决定", "集体研究"


def clock_extend_two_step(
    *, deadline: Deadline, rule: TwoStepRule, user, collective: bool, label: str, reason: str, studied_on: date | None
) -> tuple[Deadline, str]:
    """Extend `deadline` by the step of `rule` asked for; returns the clock and the reason as recorded
    (the collective step's reason names its day). Nothing changes on a refusal (ValidationError)."""
    if not reason.strip():
        raise ValidationError({"reason": "请写明延长理由。"})
    if collective:
        if not deadline.extensions.exists():
            raise ValidationError({"extension": rule.second_needs_first})
        if studied_on is None or studied_on > timezone.localdate():
            raise ValidationError({"studied_on": rule.studied_on_missing})
        period, reason = rule.second, f"{format_date(studied_on)}{rule.collectively}。{reason}"
    else:
        if deadline.extensions.exists():
            raise ValidationError({"extension": rule.first_only_once})
        period = rule.first
    try:
        deadline = clock_extend(deadline=deadline, approved_by=user, reason=f"{label}。{reason}", period=period)
    except ValueError as exc:
        raise ValidationError({"extension": str(exc)}) from None
    return deadline, reason


# --- the worker --------------------------------------------------------------------------------------


class Heads:
    """The heads of each agency, read once per batch (a batch's deadlines mostly share a few agencies)."""

    def __init__(self):
        self._by_agency: dict[int, list] = {}

    def recipients(self, deadline: Deadline) -> list:
        if deadline.agency_id not in self._by_agency:
            self._by_agency[deadline.agency_id] = officer_users(agency=deadline.agency, roles=[Role.HEAD])
        heads = self._by_agency[deadline.agency_id]
        return [deadline.responsible, *heads] if deadline.responsible else heads


def _claim(queryset, batch: int) -> list[Deadline]:
    """Lock a batch of rows no other worker holds (SKIP LOCKED; on SQLite the write lock serialises workers)."""
    return list(queryset.select_for_update(skip_locked=True, of=("self",)).select_related("case", "agency", "responsible")[:batch])


def clocks_fire_warnings(*, now: datetime, batch: int) -> int:
    """Warn about one batch of clocks about to run out; one transaction, one insert of notifications and
    one of audit events."""
    with transaction.atomic():
        due_soon = Deadline.objects.filter(
            status=DeadlineStatus.RUNNING, warned_at__isnull=True, warn_at__lte=now, due_at__gt=now
        ).order_by("warn_at", "id")
        rows, heads, messages, events = _claim(due_soon, batch), Heads(), [], []
        for deadline in rows:
            deadline.warned_at = now
            left = deadline.due_at - now
            messages.append(Message(
                recipients=heads.recipients(deadline), event="clock.warning",
                title=f"期限预警：{deadline.title}", url=deadline.url,
                body=f"{deadline.case.title}：{deadline.legal_basis}规定的{deadline.period_label}期限将于"
                f"{timezone.localtime(deadline.due_at):%Y-%m-%d %H:%M}届满（剩余约{_humanize(left)}）。",
            ))
            events.append(_entry(deadline, verb="clock.warned", summary=f"期限预警：{deadline.title}"))
        audit_append_many(events)
        notify_many(messages)
        if rows:
            Deadline.objects.filter(pk__in=[row.pk for row in rows]).update(warned_at=now)  # one value for the batch
    return len(rows)


def clocks_fire_breaches(*, now: datetime, batch: int) -> int:
    """Mark one batch of overdue clocks breached, tell the people responsible and open each one's 超期督办.

    One transaction; the audit events, the notifications, the 超期督办 processes and tasks and the
    status change are written in bulk (a handful of statements a batch)."""
    with transaction.atomic():
        overdue = Deadline.objects.filter(status=DeadlineStatus.RUNNING, due_at__lte=now).order_by("due_at", "id")
        rows, heads, messages, events = _claim(overdue, batch), Heads(), [], []
        for deadline in rows:
            deadline.status, deadline.breached_at = DeadlineStatus.BREACHED, now
            messages.append(Message(
                recipients=heads.recipients(deadline), event="clock.breached",
                title=f"已超期：{deadline.title}", url=deadline.url,
                body=f"{deadline.case.title}：{deadline.legal_basis}规定的{deadline.period_label}期限已于"
                f"{timezone.localtime(deadline.due_at):%Y-%m-%d %H:%M}届满，请督促办理。",
            ))
            events.append(_entry(deadline, verb="clock.breached", summary=f"已超期：{deadline.title}"))
        audit_append_many(events)
        escalation_open_many(deadlines=rows)
        notify_many(messages)
        if rows:
            Deadline.objects.filter(pk__in=[row.pk for row in rows]).update(status=DeadlineStatus.BREACHED, breached_at=now)
    return len(rows)


def _humanize(left: timedelta) -> str:
    hours = int(left.total_seconds() // 3600)
    return f"{hours // 24}天{hours % 24}小时" if hours >= 24 else f"{max(hours, 1)}小时"
