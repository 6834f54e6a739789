"""The leadership dashboard (领导看板): what is late and where each case stands, for the user's bureau
and the bureaus below it — supervised cases by level and status, overdue clocks and resolutions,
办结率 by bureau, and the time cases spend in each step of their flow."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone
from viewflow.workflow import STATUS, chart
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.models import Task

from agencies.models import Agency, AgencyKind, AgencyLevel
from agencies.regions import region_prefix
from casework.flows import CaseFlow
from casework.models import Case, CaseProcess, CaseStatus, Deadline
from meetings.models import Resolution, ResolutionStatus
from referral.selectors import without_confidential_clocks
from supervision.models import Supervision, SupervisionStatus


def agencies_in_scope(agency: Agency) -> QuerySet[Agency]:
    """A bureau sees its region and the regions below it."""
    return Agency.objects.filter(region_code__startswith=region_prefix(agency.region_code))


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    note: str = ""


def supervised_by_level_and_status(agency: Agency) -> dict[str, list[Bar]]:
    """Supervised cases handled in scope, by the supervisor's level, each level a bar per status."""
    rows = (
        Supervision.objects.filter(case__agency__in=agencies_in_scope(agency))
        .values("supervisor__level", "status").annotate(n=Count("id"))
    )
    levels = dict(AgencyLevel.choices)
    statuses = dict(SupervisionStatus.choices)
    grouped: dict[str, list[Bar]] = defaultdict(list)
    for row in rows.order_by("supervisor__level", "status"):
        grouped[f"{levels[row['supervisor__level']]}督办"].append(Bar(statuses[row["status"]], row["n"]))
    return dict(grouped)


def overdue_clocks(agency: Agency) -> QuerySet[Deadline]:
    """Clocks past due and still not done, oldest first (confidential referrals' clocks excluded)."""
    overdue = Deadline.objects.overdue().filter(agency__in=agencies_in_scope(agency))
    return without_confidential_clocks(overdue).select_related("case", "agency", "responsible").order_by("due_at")


def overdue_resolutions(agency: Agency) -> QuerySet[Resolution]:
    return (
        Resolution.objects.filter(owner__in=agencies_in_scope(agency), due_on__lt=timezone.localdate(), ongoing=False)
        .exclude(status__in=[ResolutionStatus.DONE, ResolutionStatus.BLOCKED])
        .select_related("owner", "meeting").order_by("due_on")
    )


@dataclass(frozen=True)
class Completion:
    agency: Agency
    registered: int
    closed: int

    @property
    def rate(self) -> int:
        """办结率 in whole percent: cases ended (结案 or 不予立案) over cases registered in the year."""
        return round(100 * self.closed / self.registered) if self.registered else 0


def completion_rates(agency: Agency, *, year: int | None = None) -> list[Completion]:
    year = year or timezone.localdate().year
    ended = [CaseStatus.CLOSED, CaseStatus.NOT_FILED, CaseStatus.TRANSFERRED]
    rows = (
        Case.objects.filter(agency__in=agencies_in_scope(agency).filter(kind=AgencyKind.MSB), registered_at__year=year)
        .values("agency").annotate(registered=Count("id"), closed=Count("id", filter=Q(status__in=ended)))
    )
    bureaus = {a.pk: a for a in Agency.objects.filter(pk__in=[row["agency"] for row in rows])}
    return sorted((Completion(bureaus[row["agency"]], row["registered"], row["closed"]) for row in rows),
                  key=lambda c: c.agency.region_code)


def days_per_step(agency: Agency, *, since: date | None = None) -> list[Bar]:
    """Average days a case spends in each human step of the case flow (finished steps of cases
    registered in the last year), in flow order."""
    since = since or timezone.localdate() - timedelta(days=365)
    processes = CaseProcess.objects.filter(case__agency__in=agencies_in_scope(agency), case__registered_at__date__gte=since)
    tasks = (
        Task.objects.filter(process__in=processes, flow_task_type="HUMAN", status=STATUS.DONE, finished__isnull=False)
        .values("flow_task")
        .annotate(n=Count("id"), spent=Avg(ExpressionWrapper(F("finished") - F("created"), output_field=DurationField())))
    )  # one row per step, averaged in the database
    steps = {(row["flow_task"] if isinstance(row["flow_task"], str) else get_task_ref(row["flow_task"])): row for row in tasks}
    nodes, _ = chart.topsort(CaseFlow)
    return [
        Bar(node.task_title, round(row["spent"].total_seconds() / 86400, 1), f"{row['n']} 件")
        for node in nodes if (row := steps.get(get_task_ref(node)))
    ]

def scaled(bars: list[Bar], *, top: float | None = None) -> list[tuple[Bar, int]]:
    """Each bar with its length in percent of `top` (default: the longest bar), for the bar charts."""
    top = top or max((bar.value for bar in bars), default=0) or 1
    return [(bar, max(1, round(100 * bar.value / top)) if bar.value else 0) for bar in bars]
