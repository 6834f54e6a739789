"""我的待办, 待认领, 已办: the same tasks as viewflow's own lists, at a cost that does not grow with the data."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.models import Task

from casework import tasklists
from config.urls import workflow
from demo.stories import LEAD, PENDING_APPROVAL, SENT

pytestmark = pytest.mark.django_db

FLOWS = workflow.flow_classes


def listed_task_ids(response) -> set[int]:
    assert response.status_code == 200
    """The tasks linked from the rows (`/workflow/flows/<flow>/<process>/<step>/<task>/`)."""
    return {int(task) for task in re.findall(r'href="/workflow/flows/\w+/\d+/\w+/(\d+)/"', response.content.decode())}


def test_every_users_queue_inbox_and_archive_hold_what_viewflow_would_list(cast, tell):
    """For every demo officer the lists hold exactly the tasks of viewflow's own queries (same scope, faster query)."""
    for stage in (LEAD, PENDING_APPROVAL, SENT):
        tell(stage, title=f"清单测试案{stage}")
    checked = 0
    for officer in cast.officers.values():
        user = officer.user
        assert set(tasklists.queue(FLOWS, user)) == set(Task.objects.queue(FLOWS, user)), user.username
        assert set(tasklists.inbox(FLOWS, user)) == set(Task.objects.inbox(FLOWS, user)), user.username
        assert set(tasklists.archive(FLOWS, user)) == set(Task.objects.archive(FLOWS, user)), user.username
        checked += bool(Task.objects.queue(FLOWS, user).exists())
    assert checked >= 3, "the stories should leave tasks in several officers' queues"


def test_every_human_step_names_the_permission_that_may_take_it():
    """The queue lists tasks by their permission (casework.tasklists.queue_filter): a step without
    one would be open to every user in viewflow and missing from every queue here."""
    from viewflow.workflow.nodes import View

    unguarded = [
        f"{flow_class.__name__}.{node.name}"
        for flow_class in FLOWS
        for node in flow_class.instance.nodes()
        if isinstance(node, View) and not node._owner_permission
    ]
    assert unguarded == []


def test_the_queue_filters_by_step_without_listing_processes(cast, tell, login):
    """The filter offers the flows' steps (no option per process), and choosing a step lists only its tasks."""
    tell(PENDING_APPROVAL, title="待审批移送的案件")
    tell(LEAD, title="新线索的案件")
    head = login("msb_head")

    page = head.get("/workflow/queue/").content.decode()
    assert 'name="process"' not in page
    approval = next(task for task in Task.objects.queue(FLOWS, cast.user("msb_head")) if task.flow_task.name == "approve_transfer")
    ref = get_task_ref(approval.flow_task)
    assert ref in page  # among the step filter's options

    only_approvals = head.get("/workflow/queue/", {"flow_task": ref})
    assert listed_task_ids(only_approvals) == {approval.pk}


def test_the_step_options_do_not_grow_with_the_cases(cast, tell, login):
    """The filter is the same size with one case or five: no option is made per process."""
    head = login("msb_head")
    tell(LEAD, title="第一个案件")
    before = filter_options(head.get("/workflow/queue/"))
    for index in range(4):
        tell(LEAD, title=f"又一个案件{index}")
    assert filter_options(head.get("/workflow/queue/")) == before


def filter_options(response) -> int:
    """How many options the list's filter offers (viewflow renders them as JSON in `optgroups`)."""
    page = response.content.decode()
    form = page[page.index("vf-list__filter-form"):page.index("</form>", page.index("vf-list__filter-form"))]
    return form.count("&quot;value&quot;")


@pytest.mark.parametrize("url", ["/workflow/inbox/", "/workflow/queue/", "/workflow/archive/", "/cases/", "/referrals/"])
def test_list_pages_never_count_everything(tell, login, url):
    """A page reads one row past its end to know whether there is more, and the menu's badges count
    at most 100 tasks: nothing counts a whole list."""
    tell(SENT, title="已移送的案件")
    officer = login("msb_officer")
    officer.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert officer.get(url).status_code == 200
    listed_tables = ("viewflow_task", "casework_case", "referral_referral")
    unbounded = [
        query["sql"] for query in captured
        if "COUNT(" in query["sql"].upper() and any(table in query["sql"] for table in listed_tables) and "LIMIT" not in query["sql"]
    ]
    assert unbounded == []


def test_the_menu_badge_stops_counting_at_its_cap(cast, tell, login, monkeypatch):
    """The queue badge says the number of waiting tasks, and "<cap>+" past the cap (it is on every page)."""
    from casework.workflow import MenuCount

    tell(PENDING_APPROVAL, title="待审批移送的案件")
    tell(PENDING_APPROVAL, title="又一件待审批移送的案件")
    head = login("msb_head")
    waiting = tasklists.queue(FLOWS, cast.user("msb_head"))
    assert len(waiting) >= 2
    assert f'<span class="mdc-list-item__meta">{len(waiting)}</span>' in head.get("/workflow/queue/").content.decode()

    monkeypatch.setattr(MenuCount, "cap", len(waiting) - 1)
    assert MenuCount(waiting).count == f"{len(waiting) - 1}+"
    assert f'<span class="mdc-list-item__meta">{len(waiting) - 1}+</span>' in head.get("/workflow/queue/").content.decode()
