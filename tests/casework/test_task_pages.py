"""A task's pages act on the task their address names, read in one go with what the step needs.

casework.nodes reads the task with its process, the flow's process row, the case and the case's
agency in one query, and casework.workflow checks "a process the user may see, and a task of it"
in one query: these tests hold the answers those shortcuts must keep.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow import STATUS

from casework.models import CaseStatus
from demo.stories import LEAD

pytestmark = pytest.mark.django_db

VERIFY = {"propose_filing": "yes", "opinion": "属实。"}


def swap_task(url: str, task_pk: int, other_pk: int) -> str:
    return url.replace(f"/{task_pk}/", f"/{other_pk}/")


def test_a_task_addressed_under_another_process_is_not_found_and_stays_open(tell, login, flow_client):
    """Both cases are the officer's own: the first case's address with the second case's task in it
    is refused with 404, and neither task moves."""
    officer = flow_client(login("msb_officer"))
    first, second = tell(LEAD, title="任务地址甲"), tell(LEAD, title="任务地址乙")
    mine, other = officer.task(first.process, "verify"), officer.task(second.process, "verify")
    for action in ("index", "detail", "assign", "execute"):
        url = swap_task(officer.urls(first.process, "verify")[action], mine.pk, other.pk)
        response = officer.client.post(url, VERIFY) if action in ("assign", "execute") else officer.client.get(url)
        assert response.status_code == 404, (action, response.status_code)
    for case, task in ((first, mine), (second, other)):
        task.refresh_from_db()
        case.refresh_from_db()
        assert (task.status, task.finished, case.status) == (mine.status, None, CaseStatus.LEAD)


def test_a_task_of_a_process_the_user_may_not_see_is_not_found(tell, login, flow_client):
    """常州's officer, handed 镇江's task address, learns nothing: 404, the task untouched."""
    case = tell(LEAD, title="他市任务")
    task = flow_client(login("msb_officer")).task(case.process, "verify")
    outsider = flow_client(login("cz_msb_officer"))
    urls = outsider.urls(case.process, "verify")
    assert outsider.client.get(urls["index"]).status_code == 404
    response = outsider.client.post(urls["execute"], VERIFY)
    assert response.status_code == 404
    assert not task.__class__.objects.filter(pk=task.pk, finished__isnull=False).exists()


def test_completing_a_step_reads_the_task_its_case_and_agency_once(tell, login, flow_client):
    """The 办理 POST reads the task row once, with the case and its agency joined to it: no query of
    its own for the process, the case, the agency or the task's owner."""
    officer = flow_client(login("msb_officer"))
    case = tell(LEAD, title="一次读取")
    task = officer.task(case.process, "verify")
    assert task.status == STATUS.ASSIGNED  # the registering officer's own lead comes to them claimed
    execute = officer.urls(case.process, "verify")["execute"]
    with CaptureQueriesContext(connection) as captured:
        assert officer.client.post(execute, VERIFY).status_code == 302
    reads = [query["sql"] for query in captured if query["sql"].lstrip().upper().startswith("SELECT")]
    task_reads = [sql for sql in reads if 'FROM "viewflow_task"' in sql and '"viewflow_task"."flow_task"' in sql]
    assert len(task_reads) == 1 and '"casework_case"' in task_reads[0] and '"agencies_agency"' in task_reads[0], task_reads
    for table in ("viewflow_process", "casework_caseprocess", "casework_case", "agencies_agency"):
        # the flow lock's `SELECT 1 … FOR UPDATE` reads no row (plain on SQLite)
        alone = [sql for sql in reads if sql.split(" FROM ", 1)[1].lstrip().startswith(f'"{table}"') and not sql.startswith('SELECT 1 AS "a"')]
        assert not alone, (table, alone)
    assert not [sql for sql in reads if 'FROM "auth_user" WHERE' in sql], "the task's owner read on its own"
    case.refresh_from_db()
    assert case.status == CaseStatus.PENDING_FILING
