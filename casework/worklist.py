"""我的工作: everything a user can act on — their own tasks and those they may take — in one list.

Each row is named by its case (number, title, parties), with the step and the legal clock the
user's agency is running on that case, and its time left (overdue in red). The list reads newest
first, or by due date (the soonest clock first; rows without a clock last). Newest first is the union
of two lists, 我的待办 and 待认领 (casework.tasklists; 待认领 read whole when the menu's badge counted it
short, tasklists.QueueKeys), merged page by page (casework.paging.MergedPages): no OR across the two,
no count, pages by cursor; by due date the same two are read from the agency's
clocks (casework.worklist_due).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Prefetch
from django.db.models.functions import Coalesce
from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from agencies import links
from agencies.permissions import officer_of
from casework import tasklists
from casework.models import Case, Deadline, Subject
from casework.paging import KeysetPages, MergedPages
from casework.worklist_due import DueKeys, cases_of_processes, open_clocks

ORDERS = {
    "new": ("按创建时间", ("-created", "-id")),
    "due": ("按期限", ("due", "id")),  # the soonest clock first
}
# Newest first reads a page from the task indexes; by due date from the agency's open clocks
# (casework.worklist_due). Newest first is the page every login opens.
DEFAULT_ORDER = "new"


def case_of(flow_classes):
    """The case each task is about, as one expression over every flow's path from its process row."""
    paths = list(dict.fromkeys(f"process__{flow.case_lookup}" for flow in flow_classes if flow.case_lookup))
    return Coalesce(*(F(path) for path in paths)) if len(paths) > 1 else F(paths[0])


# What a row shows of its case and clock (templates/casework/work_list.html, `time_left`): a page loads these columns only.
ROW_CASE_FIELDS = ("number", "title")
ROW_CLOCK_FIELDS = ("case_id", "title", "due_at", "warn_at", "paused_at")


class WorkPages(MergedPages):
    """The user's tasks and the tasks they may take, in one order; each page's rows as `WorkRow`s."""

    def __init__(self, flow_classes, user: AbstractBaseUser, order: str = DEFAULT_ORDER):
        officer = officer_of(user)
        self._flow_classes, self._user = flow_classes, user
        self._agency_id = officer.agency_id if officer else None
        fields = ORDERS.get(order, ORDERS[DEFAULT_ORDER])[1]
        work = [select(flow_classes, user).order_by() for select in (tasklists.inbox, tasklists.queue)]
        if fields[0] == "due":
            parts = [DueKeys(parts=work, flow_classes=flow_classes, case_ref=case_of(flow_classes), agency_id=self._agency_id)]
        else:
            inbox, queue = work
            _, waiting = tasklists.counted(flow_classes, user)
            parts = [KeysetPages(rows=inbox, order=fields), tasklists.QueueKeys(rows=queue, order=fields, waiting=waiting)]
        super().__init__(parts=parts, rows=Task.objects.select_related("process"))

    def load(self, keys) -> list[WorkRow]:
        tasks = super().load(keys)
        case_ids = cases_of_processes((task.process_id, task.process.flow_class) for task in tasks)
        cases = Case.objects.only(*ROW_CASE_FIELDS).prefetch_related(
            Prefetch("subjects", queryset=Subject.objects.only("case_id", "name"))).in_bulk(set(case_ids.values()))
        clocks: dict[int, Deadline] = {}
        for clock in open_clocks(self._agency_id).filter(case_id__in=cases).only(*ROW_CLOCK_FIELDS):
            clocks.setdefault(clock.case_id, clock)
        tasklists.prefetch_briefs([task for task in tasks if case_ids.get(task.process_id) not in cases])
        now = timezone.now()
        rows = []
        for task in tasks:
            case = cases.get(case_ids.get(task.process_id))
            rows.append(WorkRow.of(task, user=self._user, case=case, clock=clocks.get(case.pk) if case else None, now=now))
        return rows


@dataclass(frozen=True)
class TimeLeft:
    text: str
    tone: str  # "overdue", "soon" (warned or within a day) or "ok": the row's colour


def time_left(clock: Deadline, now: datetime) -> TimeLeft:
    """剩余3天 / 剩余5小时 / 已超期2天, as an officer reads a clock."""
    if clock.paused_at is not None:
        return TimeLeft("已暂停计时", "ok")
    remaining = clock.due_at - now
    if remaining < timedelta(0):
        days = math.ceil(-remaining / timedelta(days=1))
        return TimeLeft(f"已超期{days}天", "overdue")
    soon = now >= clock.warn_at
    if remaining < timedelta(days=1):
        hours = max(1, math.ceil(remaining / timedelta(hours=1)))
        return TimeLeft(f"剩余{hours}小时", "soon")
    days = (timezone.localtime(clock.due_at).date() - timezone.localtime(now).date()).days
    return TimeLeft(f"剩余{days}天", "soon" if soon else "ok")


@dataclass(frozen=True)
class WorkRow:
    task: Task
    mine: bool  # in the user's hands; else the user may take it (认领并办理)
    step: str
    case: Case | None
    parties: str
    summary: str  # what the row is about when there is no case yet (a letter from another agency)
    clock: Deadline | None
    left: TimeLeft | None
    url: str  # 办理 (the user's own task) or 认领 (POSTed: claimed on open)

    @property
    def pk(self) -> int:
        return self.task.pk

    @classmethod
    def of(cls, task: Task, *, user, case: Case | None, clock: Deadline | None, now: datetime) -> WorkRow:
        node = task.flow_task
        mine = task.owner_id == user.pk and task.status == STATUS.ASSIGNED
        return cls(
            task=task,
            mine=mine,
            step=node.task_title or node.name,
            case=case,
            parties="、".join(subject.name for subject in case.subjects.all()) if case else "",
            summary="" if case else str(task.process.coerced.brief),
            clock=clock,
            left=time_left(clock, now) if clock else None,
            url=links.row_url(node.reverse, "index" if mine else "assign", task.process_id, task.pk),
        )
