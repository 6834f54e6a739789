"""The clock worker opens 超期督办 in bulk: the rows are the ones viewflow writes for one breach at a time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.models import Process, Task

from casework.escalation import EscalationFlow, escalation_open, escalation_open_many
from casework.models import ClockUnit, Deadline, EscalationProcess
from demo.stories import LEAD

pytestmark = pytest.mark.django_db

VARYING = {"id", "process_id", "process_ptr_id", "deadline_id"}
TIMES = {"created", "assigned", "started", "finished", "scheduled"}


def overdue(case, count: int) -> list[Deadline]:
    started = timezone.now() - timedelta(days=10)
    return [
        Deadline.objects.create(
            case=case, code=f"batch.{n}", title=f"批量{n}", legal_basis="《测试规定》", target_type="casework.case",
            target_id=str(case.pk), agency=case.agency, start_event="测试", url="/", started_at=started, amount=3,
            unit=ClockUnit.CALENDAR_DAYS, due_at=started + timedelta(days=3), warn_at=started + timedelta(days=2),
        )
        for n in range(count)
    ]


def rows(process_id: int) -> dict:
    """Everything the flow wrote for one process, without ids and clock times (kept: which times are set)."""
    def plain(values: dict) -> dict:
        return {k: (v is not None) if k in TIMES else v for k, v in values.items() if k not in VARYING}

    tasks = list(Task.objects.filter(process_id=process_id).order_by("flow_task_type").values())
    links = Task.previous.through.objects.filter(to_task__process_id=process_id)
    by_id = {task["id"]: task["flow_task_type"] for task in tasks}
    return {
        "process": plain(Process.objects.filter(pk=process_id).values()[0]),
        "escalation": plain(EscalationProcess.objects.filter(pk=process_id).values("measures", "deadline__agency_id")[0]),
        "tasks": {task["flow_task_type"]: plain(task) for task in tasks},
        "links": sorted((by_id[link.from_task_id], by_id[link.to_task_id]) for link in links),
    }


def test_a_batch_of_breaches_opens_the_same_escalation_rows_as_one_breach_at_a_time(tell):
    case = tell(LEAD)
    single, *batch = overdue(case, 4)
    with transaction.atomic():
        one = escalation_open(deadline=single)
    with transaction.atomic():
        many = escalation_open_many(deadlines=Deadline.objects.filter(pk__in=[d.pk for d in batch]).select_related("agency"))
    assert len(many) == 3
    expected = rows(one.pk)
    assert len(expected["tasks"]) == 2 and expected["links"] == [("HUMAN", "START")]
    head_task = expected["tasks"]["HUMAN"]  # the head's task, waiting for the responsible agency
    assert (head_task["status"], head_task["owner_permission"], head_task["owner_permission_obj_pk"]) == (
        "NEW", "agencies.handle_escalation", str(case.agency_id))
    for process_id in many:
        assert rows(process_id) == expected
    assert sorted(EscalationProcess.objects.filter(pk__in=many).values_list("deadline_id", flat=True)) == sorted(
        d.pk for d in batch)


def test_opening_a_hundred_escalations_costs_a_dozen_inserts_not_six_a_clock(tell):
    case = tell(LEAD)
    deadlines = list(Deadline.objects.filter(pk__in=[d.pk for d in overdue(case, 100)]).select_related("agency"))
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        escalation_open_many(deadlines=deadlines)
    writes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    # processes, escalation rows, start tasks, head's tasks, task links: one INSERT each on PostgreSQL;
    # SQLite splits the task INSERTs by its limit on query parameters
    assert len(writes) <= (5 if connection.vendor == "postgresql" else 12), len(writes)
    assert Task.objects.filter(process__in=EscalationProcess.objects.filter(deadline__in=deadlines),
                               flow_task=EscalationFlow.handle, status="NEW").count() == 100
