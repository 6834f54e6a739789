"""我的待办, 待认领, 已办: the same tasks as viewflow's own lists, at a cost that does not grow with the data."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow import STATUS
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.models import Task

from casework import tasklists
from config.urls import workflow
from demo.stories import INVESTIGATING, LEAD, PENDING_APPROVAL, PENDING_FILING, SENT

pytestmark = pytest.mark.django_db

FLOWS = workflow.flow_classes


def listed_in_order(response) -> list[int]:
    """The tasks linked from the rows (`/workflow/flows/<flow>/<process>/<step>/<task>/`), top to bottom."""
    assert response.status_code == 200
    return [int(task) for task in re.findall(r'href="/workflow/flows/\w+/\d+/\w+/(\d+)/"', response.content.decode())]


def listed_task_ids(response) -> set[int]:
    return set(listed_in_order(response))


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


def test_grants_on_two_agencies_offer_each_agencys_own_permissions_and_no_cross_pair(cast, tell, login):
    """An officer of the 医保局 who may also approve the 公安局's transfers: 待认领 offers the 医保局's
    tasks of their own permissions and the 公安局's transfer approvals — not a 医保局 transfer approval
    nor a 公安局 task of the 医保局 officer's other permissions (the grants are asked an agency at a time,
    tasklists.queue_filter), as viewflow's own queue would; the badge counts the same tasks."""
    from guardian.models import UserObjectPermission

    tell(PENDING_APPROVAL, title="待审批移送的案件")
    officer = cast.user("msb_officer")
    msb, psb = (str(cast.agencies[slug].pk) for slug in ("zj-msb", "zj-psb"))
    UserObjectPermission.objects.assign_perm("approve_transfer", officer, cast.agencies["zj-psb"])
    template = Task.objects.filter(status=STATUS.NEW, owner_permission="agencies.approve_transfer").first()
    made = {}
    for permission in ("agencies.approve_transfer", "agencies.act_for_agency"):
        for agency in (msb, psb):
            made[permission, agency] = Task.objects.create(
                process_id=template.process_id, flow_task=template.flow_task, flow_task_type=template.flow_task_type,
                status=STATUS.NEW, owner_permission=permission, owner_permission_obj_pk=agency)
    offered = {made["agencies.approve_transfer", psb].pk, made["agencies.act_for_agency", msb].pk}
    officer = type(officer).objects.get(pk=officer.pk)  # loaded afresh, as the next request would: the new grant
    queue = {task.pk for task in tasklists.queue(FLOWS, officer)}
    assert queue & {task.pk for task in made.values()} == offered
    assert queue == {task.pk for task in Task.objects.queue(FLOWS, officer)}
    assert tasklists.counted(FLOWS, officer)[1] == len(queue)
    assert offered <= listed_task_ids(login("msb_officer").get("/workflow/queue/"))


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
    from casework.task_list_views import MenuCount

    tell(PENDING_APPROVAL, title="待审批移送的案件")
    tell(PENDING_APPROVAL, title="又一件待审批移送的案件")
    head = login("msb_head")
    waiting = tasklists.queue(FLOWS, cast.user("msb_head"))
    assert len(waiting) >= 2
    assert f'<span class="mdc-list-item__meta">{len(waiting)}</span>' in head.get("/workflow/queue/").content.decode()

    monkeypatch.setattr(MenuCount, "cap", len(waiting) - 1)
    assert f'<span class="mdc-list-item__meta">{len(waiting) - 1}+</span>' in head.get("/workflow/queue/").content.decode()


@pytest.mark.parametrize("url", ["/workflow/archive/", "/workflow/queue/", "/workflow/work/"])
def test_both_menu_badges_say_their_lists_counts_from_one_query(cast, tell, login, url):
    """我的待办 and 待认领 in the menu: each its list's number of tasks, both counted in one query — also
    on 待认领 and 我的工作, whose lists read the same count first (tasklists.counted) and ask no other."""
    tell(LEAD, title="新线索")
    tell(PENDING_APPROVAL, title="待审批移送的案件")
    for username in ("msb_officer", "msb_head"):
        user, client = cast.user(username), login(username)
        inbox, queue = len(tasklists.inbox(FLOWS, user)), len(tasklists.queue(FLOWS, user))
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url).content.decode()
        counts = [query["sql"] for query in captured if "COUNT(" in query["sql"].upper() and "viewflow_task" in query["sql"]]
        assert len(counts) == 1, counts
        assert inbox + queue > 0, username
        assert re.findall(r'<span class="mdc-list-item__meta">(\d+\+?)</span>', page)[:2] == [str(inbox), str(queue)], username


def test_badges_of_lists_empty_by_their_conditions_say_nothing_waits(cast, tell):
    """A user who may take nothing has a queue that is empty before any row is read (no grants: `pk IN ()`);
    its badge still counts, as 0, beside a list that has rows."""
    from casework.paging import counted_up_to

    tell(PENDING_APPROVAL, title="待审批移送的案件")
    waiting = tasklists.queue(FLOWS, cast.user("msb_head"))
    assert counted_up_to(100, Task.objects.none(), waiting, Task.objects.filter(pk__in=[])) == [0, len(waiting), 0]
    assert len(waiting) >= 1


def pagination_link(response, side: str) -> str | None:
    """The href of 下一页 (side "next") or 上一页 ("prev"), or None when there is none."""
    found = re.search(rf'vf-list__pagination-item--{side}">\s*<a href="([^"#]+)', response.content.decode())
    return html.unescape(found.group(1)) if found else None


@pytest.mark.parametrize("badge_cap", [tasklists.BADGE_CAP, 2], ids=["a short queue, read whole", "a long queue, read in order"])
def test_task_list_pages_follow_their_links_by_cursor_keeping_the_filter_and_the_order(cast, tell, login, monkeypatch, badge_cap):
    """下一页 and 上一页 on 待认领 carry a cursor, not a page number, and keep the step filter and the
    chosen order: one task a page, the links list every waiting approval once, newest first (oldest
    first when sorted by 创建时间), and walk back through the same pages — whether the queue is short
    enough to be read whole and sorted (under the badge's cap) or is read in order (tasklists.QueueKeys)."""
    from casework.task_list_views import QueueView

    monkeypatch.setattr(tasklists, "BADGE_CAP", badge_cap)

    for index in range(3):
        tell(PENDING_APPROVAL, title=f"待审批移送的案件{index}")
    tell(PENDING_FILING, title="待立案的案件")  # a 立案审批 in the same queue, which the filter leaves out
    head = login("msb_head")
    approvals = [task for task in tasklists.queue(FLOWS, cast.user("msb_head")).order_by("-created", "-id")
                 if task.flow_task.name == "approve_transfer"]
    assert len(approvals) == 3 and len(tasklists.queue(FLOWS, cast.user("msb_head"))) > 3
    ref = get_task_ref(approvals[0].flow_task)
    monkeypatch.setattr(QueueView, "paginate_by", 1)

    for order, expected in (("", [task.pk for task in approvals]), ("created", [task.pk for task in reversed(approvals)])):
        url = f"/workflow/queue/?flow_task={ref}" + (f"&_orderby={order}" if order else "")
        pages = [head.get(url)]
        while link := pagination_link(pages[-1], "next"):
            params = parse_qs(link.removeprefix("?"))
            assert "after" in params and "page" not in params and params["flow_task"] == [ref]
            assert params.get("_orderby") == ([order] if order else None)
            pages.append(head.get("/workflow/queue/" + link))
        assert [listed_in_order(page) for page in pages] == [[pk] for pk in expected], order
        back = [pages[-1]]
        while link := pagination_link(back[-1], "prev"):
            params = parse_qs(link.removeprefix("?"))
            assert "before" in params and params["flow_task"] == [ref]
            back.append(head.get("/workflow/queue/" + link))
        assert [listed_in_order(page) for page in back] == [[pk] for pk in reversed(expected)], order


def test_a_queue_the_badge_counted_empty_is_not_read(cast, tell, login):
    """An officer who may take none of the bureau's waiting tasks (they wait for the head): 待认领 says
    there is nothing to take, and no task key is read past the badge's count (at 1M it stepped over the
    bureau's 28,459 waiting tasks to learn it)."""
    tell(PENDING_APPROVAL, title="待审批移送的案件")
    assert len(tasklists.queue(FLOWS, cast.user("msb_head"))) >= 1
    assert len(tasklists.queue(FLOWS, cast.user("msb_officer"))) == 0
    officer = login("msb_officer")
    officer.get("/workflow/queue/")
    with CaptureQueriesContext(connection) as captured:
        page = officer.get("/workflow/queue/")
    task_reads = [query["sql"] for query in captured if 'FROM "viewflow_task"' in query["sql"]]
    assert len(task_reads) == 1 and "COUNT(" in task_reads[0].upper(), task_reads  # the menu's two badges
    assert listed_in_order(page) == []


def test_a_cursor_that_does_not_parse_shows_the_first_page(cast, tell, login):
    tell(PENDING_APPROVAL, title="待审批移送的案件")
    head = login("msb_head")
    first = listed_in_order(head.get("/workflow/queue/"))
    assert first
    for cursor in ("%%%", "bm90LWEtY3Vyc29y", "A" * 2000):
        assert listed_in_order(head.get("/workflow/queue/", {"after": cursor})) == first
        assert listed_in_order(head.get("/workflow/queue/", {"before": cursor})) == first


def test_each_row_shows_its_case_loaded_per_flow_not_in_one_wide_join(cast, tell, login):
    """The queue's rows of two flows (立案审批 of a case, 移送审批 of a transfer) each show their case's
    title and the process summary; the list query joins no summary table — each flow's summaries come
    in one query of their own for the page's rows."""
    tell(PENDING_FILING, title="甲医院涉嫌串换药品案")
    tell(PENDING_APPROVAL, title="乙诊所涉嫌虚构医药服务案")
    head = login("msb_head")
    with CaptureQueriesContext(connection) as captured:
        page = head.get("/workflow/queue/").content.decode()
    assert "甲医院涉嫌串换药品案" in page and "乙诊所涉嫌虚构医药服务案" in page
    assert "镇江市医保局 → 镇江市公安局" in page  # the transfer's summary: its agencies, loaded with the page
    task_reads = [query["sql"] for query in captured if 'FROM "viewflow_task"' in query["sql"]]
    assert task_reads and not any('"casework_case"' in sql or '"referral_referral"' in sql for sql in task_reads)


def test_a_pages_tasks_and_summaries_are_what_the_list_and_its_prefetches_load(cast, tell):
    """A page's tasks are read by their ids (on PostgreSQL by statements compiled once a process,
    agencies.prepared): the list's own tasks in its order with the same columns and processes, each flow's
    summary row cached on both sides of the one-to-one as Django's prefetch leaves it, so that the page's
    summaries then cost no query."""
    from django.db.models import prefetch_related_objects

    from casework import briefs
    from tests.rows import described

    for stage in (PENDING_FILING, PENDING_APPROVAL, SENT, INVESTIGATING):
        tell(stage, title=f"按编号读取测试案{stage}")
    flows_seen, rows_seen = set(), 0
    for username in ("msb_head", "msb_officer", "psb_officer", "psb_head"):
        user = cast.user(username)
        for select in (tasklists.inbox, tasklists.queue, tasklists.archive):
            tasks = select(FLOWS, user)
            pages = tasklists.TaskPages(rows=tasks, order=tasklists.DEFAULT_ORDER)
            keys = pages.keys(stop=50)
            with CaptureQueriesContext(connection) as reads:
                loaded = pages.load(keys)
            flows = {task.flow_task.flow_class for task in loaded}
            assert len(reads) <= 1 + len(flows), "the tasks with their processes, then one query a flow's summaries"
            expected = list(tasks.order_by(*tasklists.DEFAULT_ORDER)[:50])
            for flow_class in {task.flow_task.flow_class for task in expected}:
                processes = [task.process for task in expected if task.flow_task.flow_class is flow_class]
                prefetch_related_objects(processes, *tasklists.brief_prefetches(flow_class))
            assert [described(task) for task in loaded] == [described(task) for task in expected], (username, select.__name__)
            with CaptureQueriesContext(connection) as captured:
                shown = [(briefs.task_brief(task), briefs.process_brief(task.process)) for task in loaded]
            assert len(captured) == 0, (username, select.__name__, [query["sql"] for query in captured])
            assert all(brief and process_brief for brief, process_brief in shown)
            flows_seen |= flows
            rows_seen += len(loaded)
    assert rows_seen >= 6 and len(flows_seen) >= 2, (rows_seen, flows_seen)


def test_the_rows_summaries_are_viewflows_with_each_template_compiled_once(cast, tell, login, monkeypatch):
    """Each row's 摘要 and 流程摘要 read as viewflow's own `Task.brief` / `Process.brief` would, and a
    page compiles no summary template again (viewflow compiled two a row)."""
    from django import template as django_template

    from casework import briefs

    tell(PENDING_FILING, title="甲医院涉嫌串换药品案")
    tell(PENDING_APPROVAL, title="乙诊所涉嫌虚构医药服务案")
    head = login("msb_head")
    head.get("/workflow/queue/")  # the flows' summary templates met once
    compiled = []
    monkeypatch.setattr(briefs, "Template", lambda source: compiled.append(source) or django_template.Template(source))
    briefs.compiled.cache_clear()
    page = html.unescape(head.get("/workflow/queue/").content.decode())
    first = len(compiled)
    assert first > 0  # the page's summaries come from casework.briefs
    html.unescape(head.get("/workflow/queue/").content.decode())
    assert len(compiled) == first, "the second page compiled its summaries again"
    tasks = list(tasklists.queue(FLOWS, cast.user("msb_head")))
    assert len(tasks) >= 2
    for task in tasks:
        assert str(task.brief) in page and str(task.process.brief) in page
        assert briefs.task_brief(task) == task.brief and briefs.process_brief(task.process) == task.process.brief


def test_reading_a_task_list_again_does_not_write_the_session(cast, tell, login):
    """The list a finished task returns to is kept in the session; the same page read twice writes it once."""
    tell(PENDING_FILING, title="甲医院涉嫌串换药品案")
    head = login("msb_head")
    head.get("/workflow/queue/")
    for url in ("/workflow/queue/", "/workflow/queue/"):
        with CaptureQueriesContext(connection) as captured:
            assert head.get(url).status_code == 200
        assert not [query["sql"] for query in captured if query["sql"].startswith("UPDATE") and "django_session" in query["sql"]]
    with CaptureQueriesContext(connection) as captured:
        head.get("/workflow/inbox/")
    assert [query["sql"] for query in captured if query["sql"].startswith("UPDATE") and "django_session" in query["sql"]]
    assert head.session["vf-pin-location"] == "/workflow/inbox/"


def table_body(page: str) -> str:
    """The list's `<tbody>`, each run of whitespace one space and none between tags."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.sub(r"> <", "><", re.sub(r"\s+", " ", body)).strip()


@pytest.mark.parametrize("url, user, checkboxes", [
    ("/workflow/queue/", "msb_head", True),  # bulk 认领: a checkbox a row
    ("/workflow/inbox/", "msb_officer", True),  # bulk 退回
    ("/workflow/archive/", "msb_officer", False),
])
def test_the_rows_the_view_writes_are_the_rows_viewflows_template_writes(cast, tell, login, monkeypatch, url, user, checkboxes):
    """The task lists write their rows in Python (TaskListMixin.table_rows); the page's rows are
    those viewflow's list template writes cell by cell, escaping included (a case title with markup)."""
    from casework.task_list_views import TaskListMixin

    tell(PENDING_FILING, title="<b>甲医院</b>涉嫌串换药品案")
    tell(PENDING_APPROVAL, title="乙诊所涉嫌虚构医药服务案 & 丙药店")
    tell(INVESTIGATING, title="<i>丁</i>诊所涉嫌挂床住院案")
    client = login(user)
    ours = table_body(client.get(url).content.decode())
    monkeypatch.setattr(TaskListMixin, "template_name", "viewflow/workflow/workflow_tasks_list.html")
    stock = table_body(client.get(url).content.decode())
    assert ours.count("<tr") >= 1 and ours == stock
    assert ("mdc-checkbox__native-control" in ours) is checkboxes
    assert "<b>甲医院</b>" not in ours


def test_a_page_builds_the_queue_once_for_the_list_and_its_badge(cast, tell, login, monkeypatch):
    """待认领 and the menu's badge ask for the same queue; its permission pairs are OR'd once a request,
    and each caller gets a queryset of its own (one's filters never leak into the other's)."""
    tell(PENDING_FILING, title="甲医院涉嫌串换药品案")
    built = []
    real = tasklists.queue_filter
    monkeypatch.setattr(tasklists, "queue_filter", lambda user: built.append(user.pk) or real(user))
    page = login("msb_head").get("/workflow/queue/").content.decode()
    assert "甲医院涉嫌串换药品案" in page and len(built) == 1
    user = cast.user("msb_head")
    first = tasklists.queue(FLOWS, user)
    assert first.filter(pk=-1).count() == 0 and tasklists.queue(FLOWS, user).count() == first.count() >= 1


def test_the_task_list_filter_shows_what_was_chosen_and_nothing_when_nothing_was(cast, tell, login):
    """The filter is rendered once per worker and kept per choice (the "fragments" cache,
    agencies/templatetags/lianban.py): a page filtered by a step shows that step selected, the plain
    list shows none, whichever came first, and the order chosen rides along in the form."""
    tell(PENDING_APPROVAL)
    head = login("msb_head")
    approval = next(task for task in Task.objects.queue(FLOWS, cast.user("msb_head"))
                    if task.flow_task.name == "approve_transfer")
    ref = get_task_ref(approval.flow_task)

    def chosen(page: str) -> str:
        """The step the filter's select (viewflow's <vf-field-select>) shows as chosen."""
        form = page[page.index("<vf-list-filter"):page.index("</vf-list-filter>")]
        return re.search(r'<vf-field-select id="id_flow_task" name="flow_task" value="([^"]*)"', form).group(1)

    for _ in range(2):
        assert chosen(head.get("/workflow/queue/", {"flow_task": ref}).content.decode()) == ref
        assert chosen(head.get("/workflow/queue/").content.decode()) == ""
    ordered = head.get("/workflow/queue/", {"_orderby": "created"}).content.decode()
    assert re.search(r'<input type="hidden" name="_orderby" value="created">', ordered)
    assert re.search(r'<input type="hidden" name="_orderby" value="">', head.get("/workflow/queue/").content.decode())
