"""我的工作: the start page lists what the user can act on, named by the case, with its clock; taking a task is one click."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from casework import tasklists, worklist, worklist_due
from casework.models import Deadline
from config.urls import workflow
from demo.scenario import DEMO_PASSWORD
from demo.stories import LEAD, PENDING_APPROVAL, PENDING_FILING, SENT
from tests.paging import walk

pytestmark = pytest.mark.django_db

FLOWS = workflow.flow_classes
WORK = "/workflow/work/"


def rows_of(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'<tr data-task="\d+">(.*?)</tr>', response.content.decode(), re.S)


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def test_a_visitor_gets_the_login_form_at_the_root_and_lands_on_my_work(cast):
    visitor = Client()
    page = visitor.get("/")
    assert page.status_code == 200
    assert 'name="username"' in page.content.decode() and 'name="password"' in page.content.decode()
    assert "您无权访问" not in page.content.decode()

    signed_in = visitor.post("/", {"username": "msb_head", "password": DEMO_PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/"
    assert visitor.get("/")["Location"] == WORK
    assert visitor.get(WORK).status_code == 200

    wrong = Client().post("/", {"username": "msb_head", "password": "not-the-password"})
    assert wrong.status_code == 200 and "_auth_user_id" not in wrong.wsgi_request.session


def test_a_visitor_asking_for_my_work_is_sent_to_the_login_form(db):
    response = Client().get(WORK)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_head_sees_the_waiting_approval_named_by_its_case_with_its_clock(cast, tell, login):
    """The head's approval waits unclaimed: it is on the start page, with the case, the parties and the 3-day clock."""
    case = tell(PENDING_APPROVAL, title="待审批移送的测试医院案")
    head = login("msb_head")

    rows = [text_of(row) for row in rows_of(head.get(WORK))]
    row = next(row for row in rows if case.title in row)
    assert case.number in row
    for party in case.subjects.values_list("name", flat=True):
        assert party in row
    assert "负责人审批" in row or "审批" in row
    assert "待认领" in row and "认领并办理" in row
    clock = Deadline.objects.get(case=case, code="transfer.approval")
    assert clock.title in row
    assert re.search(r"剩余\d+(天|小时)", row)
    assert f"{timezone.localtime(clock.due_at):%Y-%m-%d %H:%M}届满" in row


def test_claiming_from_the_list_opens_the_task_form_and_makes_it_mine(cast, tell, login):
    tell(PENDING_APPROVAL, title="待审批移送的测试医院案")
    head = login("msb_head")
    page = head.get(WORK).content.decode()
    action = re.search(r'<form method="post" action="([^"]+/assign/)">', page).group(1)
    task = Task.objects.get(pk=int(re.search(r"/(\d+)/assign/$", action).group(1)))
    assert task.status == STATUS.NEW

    claimed = head.post(action, {"_continue": "1"})
    assert claimed.status_code == 302
    opened = head.get(claimed["Location"], follow=True)
    assert opened.status_code == 200
    assert opened.request["PATH_INFO"].endswith(f"/{task.pk}/execute/")
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED and task.owner == cast.user("msb_head")

    row = next(row for row in rows_of(head.get(WORK)) if task.flow_task.reverse("index", args=[task.process_id, task.pk]) in row)
    assert "办理" in row and "认领并办理" not in row


@pytest.fixture(params=["sorted whole", "walked from the clocks"])
def due_reading(request, monkeypatch):
    """By due date, a small work set is sorted whole and a large one read from the agency's clocks
    (casework.worklist_due); the suites run both, the walk one clock a step to cross its chunks."""
    if request.param == "walked from the clocks":
        monkeypatch.setattr(worklist_due, "SMALL_WORK_SET", 0)
        monkeypatch.setattr(worklist_due, "FIRST_CHUNK", 1)
    return request.param


def test_the_list_holds_exactly_the_users_inbox_and_queue_in_both_orders(cast, tell, due_reading):
    for n, stage in enumerate((LEAD, LEAD, PENDING_FILING, PENDING_FILING, PENDING_APPROVAL, SENT, SENT)):
        tell(stage, title=f"工作清单测试案{n}")
    checked = 0
    for officer in cast.officers.values():
        user = officer.user
        expected = {task.pk for task in tasklists.inbox(FLOWS, user)} | {task.pk for task in tasklists.queue(FLOWS, user)}
        for order in worklist.ORDERS:
            listed = walk(worklist.WorkPages(FLOWS, user, order), 1)
            assert sorted(listed) == sorted(expected), (user.username, order)
            assert len(listed) == len(set(listed))
        checked += len(expected) > 1
    assert checked >= 3, "several officers should have more than one task"


def test_by_due_date_the_soonest_clock_comes_first_and_rows_without_a_clock_last(cast, tell, due_reading):
    first, second = tell(PENDING_APPROVAL, title="先到期的移送案"), tell(PENDING_APPROVAL, title="后到期的移送案")
    tell(LEAD, title="没有期限的线索")
    head = cast.user("msb_head")
    # the second case's approval clock falls due sooner
    Deadline.objects.filter(case=second, code="transfer.approval").update(due_at=timezone.now() + timedelta(hours=5))

    rows = walk_rows(worklist.WorkPages(FLOWS, head, "due"))
    dues = [row.clock.due_at if row.clock else None for row in rows]
    clocked = [due for due in dues if due is not None]
    assert clocked == sorted(clocked)
    assert dues == clocked + [None] * (len(dues) - len(clocked))  # the rows without a clock come last
    titles = [row.case.title for row in rows if row.case]
    assert titles.index("后到期的移送案") < titles.index("先到期的移送案")
    soon = next(row for row in rows if row.case and row.case.pk == second.pk)
    assert soon.left.text == "剩余5小时" and soon.left.tone == "soon"

    newest = [row.task.pk for row in walk_rows(worklist.WorkPages(FLOWS, head, "new"))]
    created = {task.pk: (task.created, task.pk) for task in Task.objects.filter(pk__in=newest)}
    assert newest == sorted(newest, key=lambda pk: created[pk], reverse=True)


def test_by_due_date_rows_due_at_the_same_time_follow_by_task_however_the_list_is_read(cast, tell, due_reading):
    """Deadlines fall due at a day's end, many at the same moment. The rows they order keep the order of
    the whole work set sorted by (soonest clock, task), on every page both ways, whichever way the list
    is read: here the clock that makes the first case due at that moment was started last, so a walk
    that stopped inside the clocks due then would miss it and show the other cases first."""
    from casework.clocks import clock_start

    cases = [tell(PENDING_APPROVAL, title=f"同日到期案{n}") for n in range(4)]
    tell(LEAD, title="没有期限的线索")
    head = cast.user("msb_head")
    moment = timezone.now().replace(microsecond=0) + timedelta(hours=3)  # before every statutory clock of the stories
    for case in cases[1:]:
        Deadline.objects.filter(case=case, code="transfer.approval").update(due_at=moment)
    Deadline.objects.filter(case=cases[0], code="transfer.approval").update(due_at=moment + timedelta(days=5))
    started_last = clock_start(case=cases[0], target=cases[0], code="test.same_moment", title="同时到期", legal_basis="测试",
                               agency=head.officer.agency, amount=1, unit="calendar_days", start_event="测试", url="/",
                               started_at=timezone.now())
    Deadline.objects.filter(pk=started_last.pk).update(due_at=moment)

    expected = sorted(
        (due, pk)
        for select in (tasklists.inbox, tasklists.queue)
        for due, pk in worklist_due.with_due(select(FLOWS, head).order_by(), worklist.case_of(FLOWS), head.officer.agency_id)
        .values_list("due", "pk")
    )
    assert sum(due == moment for due, _ in expected) >= 4
    for size in (1, 2):
        assert walk(worklist.WorkPages(FLOWS, head, "due"), size) == [pk for _, pk in expected], size


def walk_rows(pages, size: int = 2) -> list[worklist.WorkRow]:
    from casework.paging import KeysetPaginator

    paginator = KeysetPaginator(pages, size)
    page = paginator.seek()
    rows = list(page.object_list)
    while page.has_next():
        page = paginator.seek(after=page.next_param().removeprefix("after="))
        rows += page.object_list
    return rows


def test_the_clock_shown_is_the_users_agencys_soonest_open_one(cast, tell, due_reading):
    """A row shows the soonest clock the user's own agency runs on the case: not an earlier one of
    another agency, not a later one of its own."""
    from casework.clocks import clock_start

    case = tell(SENT, title="已移送公安的案件")
    police_agency, bureau = cast.agencies["zj-psb"], cast.agencies["zj-msb"]
    now = timezone.now()

    def start(agency, days, code):
        return clock_start(case=case, target=case, code=code, title=code, legal_basis="测试", agency=agency, amount=days,
                           unit="calendar_days", start_event="测试", url="/", started_at=now)

    start(bureau, 1, "test.bureau_sooner")
    soonest = start(police_agency, 2, "test.police_sooner")
    start(police_agency, 20, "test.police_later")

    rows = walk_rows(worklist.WorkPages(FLOWS, cast.user("psb_officer"), "due"))
    row = next(row for row in rows if row.case and row.case.pk == case.pk)
    assert row.clock == soonest


@pytest.mark.parametrize(
    "due_in, warned, text, tone",
    [
        (timedelta(days=-2, hours=-3), True, "已超期3天", "overdue"),
        (timedelta(minutes=-5), True, "已超期1天", "overdue"),
        (timedelta(hours=5, minutes=10), True, "剩余6小时", "soon"),
        (timedelta(days=3), False, None, "ok"),
        (timedelta(days=3), True, None, "soon"),
    ],
)
def test_time_left_reads_as_an_officer_reads_a_clock(due_in, warned, text, tone):
    now = timezone.now()
    due = now + due_in
    clock = Deadline(due_at=due, warn_at=now - timedelta(minutes=1) if warned else due - timedelta(days=1))
    left = worklist.time_left(clock, now)
    days = (timezone.localtime(due).date() - timezone.localtime(now).date()).days
    assert left.text == (text or f"剩余{days}天")
    assert left.tone == tone


def test_a_paused_clock_says_so():
    now = timezone.now()
    clock = Deadline(due_at=now + timedelta(days=1), warn_at=now, paused_at=now)
    assert worklist.time_left(clock, now).text == "已暂停计时"


@pytest.mark.parametrize("address", [WORK, WORK + "?order=due"])
def test_the_page_costs_the_same_queries_with_more_work(cast, tell, login, address):
    """Newest first, and by due date for a work set sorted whole: the rows' cases, parties and clocks are
    read a query each for the page, whatever the number of rows (none read per row, e.g. a column left
    out of ROW_CASE_FIELDS or ROW_CLOCK_FIELDS)."""
    tell(PENDING_APPROVAL, title="一件待审批")
    head = login("msb_head")
    counts = []
    for more in range(2):
        if more:
            for n in range(4):
                tell(PENDING_APPROVAL if n % 2 else LEAD, title=f"又一件{n}")
        head.get(address)
        with CaptureQueriesContext(connection) as queries:
            assert head.get(address).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_an_empty_list_says_where_new_work_will_appear(cast, login):
    page = login("psb_officer").get(WORK).content.decode()
    assert "暂无待办工作" in page


def test_the_menu_offers_my_work_first(cast, login):
    page = login("msb_officer").get(WORK).content.decode()
    assert page.index("我的工作") < page.index('href="/workflow/inbox/"')


def test_claiming_and_handing_back_are_audited(cast, tell, login):
    from agencies.audit import audit_verify
    from agencies.models import AuditEvent

    tell(PENDING_APPROVAL, title="认领留痕的案件")
    head = login("msb_head")
    action = re.search(r'<form method="post" action="([^"]+/assign/)">', head.get(WORK).content.decode()).group(1)
    task = Task.objects.get(pk=int(re.search(r"/(\d+)/assign/$", action).group(1)))
    assert head.post(action, {"_continue": "1"}).status_code == 302
    assert head.post(task.flow_task.reverse("unassign", args=[task.process_id, task.pk])).status_code == 302

    events = list(AuditEvent.objects.filter(target_type="viewflow.task", target_id=str(task.pk)).order_by("id"))
    assert [(event.verb, event.actor) for event in events] == [("task.claimed", cast.user("msb_head")), ("task.returned", cast.user("msb_head"))]
    assert events[0].summary == "认领任务「负责人审批移送」" and events[0].agency == cast.agencies["zj-msb"]
    assert list(audit_verify()) == []
