"""Two deadline workers, side by side, over ten thousand due clocks: every warning and every breach
fires exactly once (rows are claimed with SELECT … FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from agencies.models import AuditEvent
from casework.models import ClockUnit, Deadline, DeadlineStatus, EscalationProcess
from demo.stories import LEAD
from notifications.models import Notification
from tests.support import shared_database_url

ROOT = Path(__file__).resolve().parents[2]
CLOCKS = 10_000


def make_due_clocks(case, count: int) -> None:
    """Half of them past their warning time, half past their due time (stored, no per-row work)."""
    now = timezone.now()
    rows = []
    for n in range(count):
        overdue = n % 2 == 0
        started = now - timedelta(days=5 if overdue else 2, hours=12)
        due = started + timedelta(days=3)
        rows.append(Deadline(
            case=case, code=f"bulk.{n}", title=f"批量期限{n}", legal_basis="《测试规定》", target_type="casework.case",
            target_id=str(case.pk), agency=case.agency, start_event="测试", url="/", started_at=started, amount=3,
            unit=ClockUnit.CALENDAR_DAYS, due_at=due, warn_at=due - timedelta(days=1),
        ))
    Deadline.objects.bulk_create(rows, batch_size=2000)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_fire_each_of_ten_thousand_clocks_exactly_once(tell, cast):
    if connection.vendor != "postgresql":
        pytest.skip(f"needs PostgreSQL's SKIP LOCKED; this run uses {connection.vendor}")
    case = tell(LEAD)
    make_due_clocks(case, CLOCKS)
    env = {**os.environ, "DATABASE_URL": shared_database_url(), "LIANBAN_DEBUG": "1", "LIANBAN_CLOCK_WORKER_BATCH": "100"}
    command = [sys.executable, "manage.py", "run_clocks", "--once"]
    workers = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [worker.communicate(timeout=900)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs

    statuses = Counter(Deadline.objects.filter(code__startswith="bulk.").values_list("status", flat=True))
    assert statuses == {DeadlineStatus.BREACHED: CLOCKS // 2, DeadlineStatus.RUNNING: CLOCKS // 2}
    assert not Deadline.objects.filter(code__startswith="bulk.", status=DeadlineStatus.RUNNING, warned_at__isnull=True).exists()
    head = cast.user("msb_head")
    events = Counter(Notification.objects.filter(recipient=head, event__startswith="clock.").values_list("event", flat=True))
    assert events == {"clock.breached": CLOCKS // 2, "clock.warning": CLOCKS // 2}
    assert EscalationProcess.objects.filter(deadline__code__startswith="bulk.").count() == CLOCKS // 2
    fired = Counter(AuditEvent.objects.filter(verb__in=["clock.warned", "clock.breached"]).values_list("target_id", flat=True))
    assert len(fired) == CLOCKS and set(fired.values()) == {1}
    assert all("预警" in output for output in outputs), outputs  # both workers ran (and reported)
