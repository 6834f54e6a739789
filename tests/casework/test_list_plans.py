"""Every officer list is served by indexes: with sequential scans priced out, PostgreSQL's plan for
each list's first page still reads no table from end to end (if it did, no index could serve it,
and the page would slow down with every case added)."""

from __future__ import annotations

import pytest
from django.db import connection

from casework import tasklists
from casework.selectors import case_list_for_user
from config.urls import workflow
from demo.stories import LEAD, PENDING_APPROVAL, SENT

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

FLOWS = workflow.flow_classes
PAGE = 21  # a page of 20 and the row that says whether there is more


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip(f"query plans are checked on PostgreSQL; this run uses {connection.vendor}")


def plan(queryset, *, joins_by_index: bool = False) -> dict:
    """The plan with sequential scans priced out; with `joins_by_index`, hash and merge joins too (see
    `test_a_page_in_one_statement_reads_the_grant_indexes`)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if joins_by_index:
            cursor.execute("SET LOCAL enable_hashjoin = off")
            cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        return cursor.fetchone()[0][0]["Plan"]


def nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from nodes(child)


def whole_table_reads(queryset, table: str, *, joins_by_index: bool = False) -> list[str]:
    """The scans of `table` in the plan that no index condition narrows (a full read, however named)."""
    found = []
    for node in nodes(plan(queryset, joins_by_index=joins_by_index)):
        kind = node["Node Type"]
        if node.get("Relation Name") == table and kind in ("Seq Scan", "Index Scan", "Index Only Scan"):
            if kind == "Seq Scan" or "Index Cond" not in node:
                found.append(f"{kind} on {table} {node.get('Index Name', '')}".strip())
        if kind == "Bitmap Heap Scan" and node.get("Relation Name") == table:
            for index_scan in nodes(node):
                if index_scan["Node Type"] == "Bitmap Index Scan" and "Index Cond" not in index_scan:
                    found.append(f"Bitmap Index Scan on {table} {index_scan['Index Name']} without a condition")
    return found


@pytest.fixture
def stories(tell):
    for stage in (LEAD, PENDING_APPROVAL, SENT):
        tell(stage, title=f"计划测试案{stage}")


def first_pages(user):
    ordered = ("-created", "-id")
    return {
        "inbox": tasklists.inbox(FLOWS, user).order_by(*ordered)[:PAGE],
        "queue": tasklists.queue(FLOWS, user).order_by(*ordered)[:PAGE],
        "archive": tasklists.archive(FLOWS, user).order_by(*ordered)[:PAGE],
    }


@pytest.mark.parametrize("username", ["msb_officer", "msb_head", "psb_officer"])
def test_task_lists_read_tasks_through_an_index(postgres, cast, stories, username):
    for name, queryset in first_pages(cast.user(username)).items():
        assert whole_table_reads(queryset, "viewflow_task") == [], name


def test_viewflows_own_queue_would_read_every_new_task(postgres, cast, stories):
    """viewflow's stock queue (Concat of permission and object) cannot start its scan at the user's
    grants: whichever index the planner picks for it, nothing about the permission narrows the scan of
    the task table (it reads the whole table, or every task of a status) — while ours starts at them."""
    from viewflow.workflow.models import Task

    def scans_narrowed_by_grants(queryset) -> list[str]:
        return [
            node["Index Cond"] for node in nodes(plan(queryset))
            if node.get("Relation Name") == "viewflow_task" and "owner_permission" in node.get("Index Cond", "")
        ]

    user = cast.user("msb_head")
    assert scans_narrowed_by_grants(Task.objects.queue(FLOWS, user).order_by("-created")[:PAGE]) == []
    assert scans_narrowed_by_grants(tasklists.queue(FLOWS, user).order_by("-created", "-id")[:PAGE]) != []


@pytest.mark.parametrize("username", ["msb_officer", "msb_head", "psb_officer", "cz_msb_officer"])
def test_case_and_referral_lists_read_grants_through_an_index(postgres, cast, stories, username):
    """The unfiltered case and referral lists read each of the user's grant sets in list order
    from its index (agencies.visibility), never the cases or referrals table as a whole."""
    from agencies.visibility import grant_branches, one_query
    from casework.models import CaseGroupObjectPermission, CaseUserObjectPermission
    from casework.permissions import VIEW_CASE
    from referral.models import ReferralGroupObjectPermission, ReferralUserObjectPermission
    from referral.permissions import VIEW_REFERRAL

    user = cast.user(username)
    lists = {
        "casework_casegroupobjectpermission": grant_branches(
            user=user, perm=VIEW_CASE, user_grants=CaseUserObjectPermission, group_grants=CaseGroupObjectPermission),
        "referral_referralgroupobjectpermission": grant_branches(
            user=user, perm=VIEW_REFERRAL, user_grants=ReferralUserObjectPermission, group_grants=ReferralGroupObjectPermission),
    }
    for group_table, branches in lists.items():
        user_table = group_table.replace("group", "user")
        for branch in branches:
            assert whole_table_reads(branch[:PAGE], group_table) == []
            assert whole_table_reads(branch[:PAGE], user_table) == []
            assert "Sort" not in {node["Node Type"] for node in nodes(plan(branch[:PAGE]))}, "the index gives the order"
        together = one_query(branches, stop=PAGE)  # what a page sends: the branches as one query
        assert together is not None and len(branches) >= 2
        assert whole_table_reads(together, group_table) == [] and whole_table_reads(together, user_table) == []
        limits = [node for node in nodes(plan(together)) if node["Node Type"] == "Limit"]
        assert len(limits) == len(branches), "each branch stops at a page of its own index"


def shape(queryset) -> list[tuple[str, str, str]]:
    """The plan's nodes, scans and indexes, without their conditions."""
    return [(node["Node Type"], node.get("Relation Name", ""), node.get("Index Name", "")) for node in nodes(plan(queryset))]


def visibility_lists(user, **filters):
    """{(grant table, object table): the branches of the case list, then the referral list}."""
    from agencies.visibility import grant_branches
    from casework.models import CaseGroupObjectPermission, CaseUserObjectPermission
    from casework.permissions import VIEW_CASE
    from casework.selectors import case_matching
    from referral.models import ReferralGroupObjectPermission, ReferralUserObjectPermission
    from referral.permissions import VIEW_REFERRAL
    from referral.selectors import referral_matching

    return {
        ("casework_casegroupobjectpermission", "casework_case"): grant_branches(
            user=user, perm=VIEW_CASE, user_grants=CaseUserObjectPermission, group_grants=CaseGroupObjectPermission,
            matching=case_matching(**filters) if filters else None),
        ("referral_referralgroupobjectpermission", "referral_referral"): grant_branches(
            user=user, perm=VIEW_REFERRAL, user_grants=ReferralUserObjectPermission, group_grants=ReferralGroupObjectPermission,
            matching=referral_matching(**filters) if filters else None),
    }


@pytest.mark.parametrize("username", ["msb_officer", "msb_head"])
def test_a_deep_page_is_read_with_the_plan_of_the_first_page(postgres, cast, stories, username):
    """A page past a cursor (`?after=`) starts in the grant index at the cursor's key: the same scans
    of the same indexes as page 1, in the index's order, the cursor one more index condition — so
    page 1,000 reads no more rows than page 1."""
    from agencies.visibility import grant_branches
    from casework.models import CaseGroupObjectPermission, CaseUserObjectPermission
    from casework.permissions import VIEW_CASE

    user = cast.user(username)
    grants = dict(user=user, perm=VIEW_CASE, user_grants=CaseUserObjectPermission, group_grants=CaseGroupObjectPermission)
    first = grant_branches(**grants)
    cursor = next(rows[1] for rows in (list(branch[:PAGE]) for branch in first) if len(rows) > 1)
    for page_one, deep in zip(first, grant_branches(**grants, after=cursor), strict=True):
        assert shape(deep[:PAGE]) == shape(page_one[:PAGE])
        assert "Sort" not in {kind for kind, _, _ in shape(deep[:PAGE])}
        scans = [node for node in nodes(plan(deep[:PAGE])) if node.get("Index Name", "").startswith("case_")]
        assert scans and all("sort_key <=" in node["Index Cond"] for node in scans), "the cursor is where the index scan starts"
    for back in grant_branches(**grants, before=cursor):
        assert [node.get("Scan Direction") for node in nodes(plan(back[:PAGE])) if "Index Name" in node] == ["Backward"]


@pytest.mark.parametrize("username", ["msb_officer", "psb_officer"])
def test_searched_and_filtered_lists_read_no_table_whole(postgres, cast, stories, username):
    """A search or status filter is checked on each grant's case or referral, found by primary key as
    the grant index yields the grants in order (a UNION ALL of the grant sets, not guardian's OR):
    cases, referrals, parties and documents are never read from end to end."""
    for filters in ({"status": "investigating"}, {"search": "康宁"}, {"search": "测试", "status": "lead"}):
        for (grant_table, object_table), branches in visibility_lists(cast.user(username), **filters).items():
            for branch in branches:
                for table in (grant_table, grant_table.replace("group", "user"), object_table, "casework_subject",
                              "referral_issueddocument"):
                    assert whole_table_reads(branch[:PAGE], table) == [], (table, filters)


@pytest.mark.parametrize("username", ["msb_officer", "msb_head", "psb_officer"])
def test_a_page_in_one_statement_reads_the_grant_indexes(postgres, cast, stories, username):
    """The case and referral pages as one statement (VisiblePages.page_query): the user's own grants and
    each group's (the LATERAL join over the user's memberships) are read from their indexes, each
    stopping at a page — first page, past a cursor, searched or filtered: no grant, party or document
    table is read whole.

    A test database holds a few dozen cases, and its planner may read such a small case or referral
    table whole (through any index, with sequential scans priced out) to find the page's rows, where at
    scale the page's LIMIT makes it look each row up by id (the plan at 1M: bench/README.md, "A grant
    list's page in one statement"). So hash and merge joins are priced out like sequential scans, and
    the case and referral tables themselves are not checked here: their look-up by id is the bench's."""
    from casework.selectors import case_pages_for_user
    from referral.selectors import referral_pages_for_user

    user = cast.user(username)
    for pages_for_user, grant_table in (
        (case_pages_for_user, "casework_casegroupobjectpermission"),
        (referral_pages_for_user, "referral_referralgroupobjectpermission"),
    ):
        for filters in ({}, {"status": "investigating"}, {"search": "康宁"}, {"search": "计划测试案"}):
            pages = pages_for_user(user=user, **filters)
            cursor = (pages.keys(stop=1) or [None])[-1]
            for query in (pages.page_query(stop=PAGE), pages.page_query(stop=PAGE, after=cursor),
                          pages.page_query(stop=PAGE, before=cursor)):
                for table in (grant_table, grant_table.replace("group", "user"), "casework_subject", "referral_issueddocument"):
                    assert whole_table_reads(query, table, joins_by_index=True) == [], (grant_table, table, filters)
            grant_scans = [node for node in nodes(plan(pages.page_query(stop=PAGE), joins_by_index=True))
                           if node.get("Relation Name") in (grant_table, grant_table.replace("group", "user"))]
            assert len(grant_scans) == 2, "the direct grants' scan and the groups' scan, once per group by the LATERAL join"


def test_guardians_searched_list_would_read_cases_whole(postgres, cast, stories):
    """The check above can fail: guardian's scoped query with a search reads the cases table."""
    stock = case_list_for_user(user=cast.user("msb_officer"), search="测试")[:PAGE]
    assert whole_table_reads(stock, "casework_case") != []


@pytest.mark.parametrize("username", ["msb_officer", "msb_head"])
def test_a_deep_task_page_starts_in_the_index_at_its_cursor(postgres, cast, stories, username):
    """我的待办, 待认领 and 已办 past a cursor: the same index scan as page 1, started at the cursor's
    `(created, id)` (an index condition), in the index's order — page 1,000 reads what page 1 reads."""
    from casework.paging import KeysetPages

    user, checked = cast.user(username), 0
    for name, select in (("inbox", tasklists.inbox), ("queue", tasklists.queue), ("archive", tasklists.archive)):
        pages = KeysetPages(rows=select(FLOWS, user), order=tasklists.DEFAULT_ORDER)
        keys = pages.keys(stop=2)
        if len(keys) < 2:
            continue
        for deep in (pages.query(after=keys[0])[:PAGE], pages.query(before=keys[1])[:PAGE]):
            assert whole_table_reads(deep, "viewflow_task") == [], name
            assert "Sort" not in {kind for kind, _, _ in shape(deep)}, f"{name}: the index gives the order"
            scans = [node for node in nodes(plan(deep)) if node.get("Index Name", "").startswith("lianban_task_")]
            assert scans and all("created" in node["Index Cond"] for node in scans), f"{name}: the cursor is where the scan starts"
        checked += 1
    assert checked >= 1, f"{username} should hold at least one list of two tasks"


@pytest.mark.parametrize("username", ["msb_officer", "msb_head"])
def test_the_queue_checks_each_tasks_permission_inside_its_index(postgres, cast, stories, username):
    """待认领 (and the menu's badge) walk the bureau's new tasks newest first in the queue index; whether
    the user may take each is read from the index too (its INCLUDE columns): an officer who may take
    none of a bureau's 28,459 waiting tasks read every task row to learn it (67 ms at 1M, 3 ms now)."""
    queue = tasklists.queue(FLOWS, cast.user(username)).order_by(*tasklists.DEFAULT_ORDER).values("created", "id")[:PAGE]
    scans = [node for node in nodes(plan(queue)) if node.get("Relation Name") == "viewflow_task"]
    assert [(node["Node Type"], node["Index Name"]) for node in scans] == [("Index Only Scan", "lianban_task_queue_cov")]
    assert "owner_permission" in scans[0].get("Filter", "") and "owner_permission_obj_pk" in scans[0]["Index Cond"]


def test_a_word_of_three_characters_is_looked_up_in_the_trigram_indexes(postgres, cast, stories):
    """Django's icontains (`UPPER(col::text) LIKE UPPER(…)`) is the very expression search/migrations/0001
    indexes: the look-ups that find a rare word's cases and referrals read the trigram indexes, not the
    tables — so an officer who sees 129,553 cases finds a name in none of them without reading them all."""
    from django.db.models import Q

    from casework.models import Case, Subject
    from referral.models import IssuedDocument, Referral

    word = "计划测试案"
    lookups = {
        "casework_case": Case.objects.filter(Q(number__icontains=word) | Q(title__icontains=word)).values_list("pk", flat=True),
        "casework_subject": Subject.objects.filter(name__icontains=word).values_list("case_id", flat=True),
        "referral_referral": Referral.objects.filter(case_title__icontains=word).values_list("pk", flat=True),
        "referral_issueddocument": IssuedDocument.objects.filter(number__icontains=word).values_list("referral_id", flat=True),
    }
    for table, lookup in lookups.items():
        indexes = {node.get("Index Name") for node in nodes(plan(lookup)) if node["Node Type"] == "Bitmap Index Scan"}
        assert indexes and all(name.startswith("search_") and name.endswith("_trgm") for name in indexes), (table, indexes)
        assert whole_table_reads(lookup, table) == [], table


def test_a_rare_word_reaches_the_grants_by_their_objects(postgres, cast, stories):
    """The rare word's cases are handed to the grant scans as a list of ids: each grant found by its case
    (an index condition), not by reading the officer's grants in list order to the end."""
    from casework.selectors import case_matching

    matching = case_matching(search="计划测试案")
    assert matching is not None and "content_object_id__in" in str(matching)
    for (grant_table, _), branches in visibility_lists(cast.user("msb_officer"), search="计划测试案").items():
        for branch in branches:
            assert whole_table_reads(branch[:PAGE], grant_table) == []


WAITING = 2000  # new tasks of the bureau that wait for a permission the officer does not hold


def test_the_badge_and_a_short_queue_read_no_task_the_officer_may_not_take(postgres, cast, stories):
    """The menu's 待认领 badge on every workflow page, and 待认领 itself when the badge counted it short,
    for an officer while the bureau's new tasks wait for the head: read from the index by agency and
    permission (0022), they read none of those tasks. From the queue's index by agency and time, each
    walked every one to check its permission (28,459 at 1M: 3.1 ms each)."""
    from viewflow.workflow import STATUS
    from viewflow.workflow.models import Task

    from casework.paging import counted_up_to

    officer = cast.user("msb_officer")
    offered = {(task.owner_permission, task.owner_permission_obj_pk) for task in tasklists.queue(FLOWS, officer)}
    waiting = Task.objects.filter(status=STATUS.NEW, owner_permission_obj_pk=str(cast.agencies["zj-msb"].pk)).exclude(
        owner_permission__in=[permission for permission, _ in offered]).first()
    assert waiting is not None, "the stories leave a task in the head's queue"
    before = counted_up_to(100, tasklists.queue(FLOWS, officer))
    Task.objects.bulk_create([
        Task(process_id=waiting.process_id, flow_task=waiting.flow_task, flow_task_type=waiting.flow_task_type,
             status=STATUS.NEW, owner_permission=waiting.owner_permission,
             owner_permission_obj_pk=waiting.owner_permission_obj_pk)
        for _ in range(WAITING)
    ])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE viewflow_task")
    assert counted_up_to(100, tasklists.queue(FLOWS, officer)) == before, "the badge counts what the officer may take, as before"
    reads = {
        "badge": tasklists.queue(FLOWS, officer).order_by().values("pk")[:100],
        "a short queue read whole": tasklists.QueueKeys(rows=tasklists.queue(FLOWS, officer), order=tasklists.DEFAULT_ORDER,
                                                        waiting=1).query().order_by(),
    }
    for name, read in reads.items():
        sql, params = read.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
            scans = [node for node in nodes(cursor.fetchone()[0][0]["Plan"]) if node.get("Relation Name") == "viewflow_task"]
        assert [node.get("Index Name") for node in scans] == ["lianban_task_queue_pair"], (name, scans)
        read_rows = sum(node["Actual Rows"] + node.get("Rows Removed by Filter", 0) for node in scans)
        assert read_rows < WAITING, f"{name}: read {read_rows} index entries to find what the officer may take"


def test_my_work_by_due_date_finds_a_chunks_open_tasks_by_their_process(postgres, cast, stories):
    """我的工作's walk from the clocks turns a chunk's processes into their open tasks by process: a probe a
    process, not a read of every open task (with WAITING new tasks elsewhere in the bureau, as a queue
    holds at scale). Which index by process serves it is left to the planner here: on a test database's
    few dozen tasks it may take the plain one; at 1M it takes the open tasks' (casework/migrations/0023,
    bench/README.md)."""
    from viewflow.workflow import STATUS
    from viewflow.workflow.models import Task

    from casework.worklist_due import open_tasks

    busy, *processes = dict.fromkeys(Task.objects.filter(status__in=(STATUS.NEW, STATUS.ASSIGNED)).values_list("process_id", flat=True))
    assert processes, "the stories leave open tasks in several processes"
    model = Task.objects.filter(process_id=busy).first()
    Task.objects.bulk_create([
        Task(process_id=busy, flow_task=model.flow_task, flow_task_type=model.flow_task_type, status=STATUS.NEW,
             owner_permission=model.owner_permission, owner_permission_obj_pk=model.owner_permission_obj_pk)
        for _ in range(WAITING)
    ])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE viewflow_task")
    sql, params = open_tasks(processes).values_list("pk").query.sql_with_params()  # as the walk reads them
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        read = list(nodes(cursor.fetchone()[0][0]["Plan"]))
    scans = [node for node in read if "Index Name" in node]
    assert scans and all("process_id" in node.get("Index Cond", "") for node in scans), scans
    read_rows = sum(node["Actual Rows"] + node.get("Rows Removed by Filter", 0) for node in scans)
    assert read_rows < WAITING, f"read {read_rows} index entries for the open tasks of {len(processes)} processes"


GRANT_TABLES = {  # each grant table: who holds its grants, and the permission they grant
    "casework_caseuserobjectpermission": ("user_id", "view_case"),
    "casework_casegroupobjectpermission": ("group_id", "view_case"),
    "referral_referraluserobjectpermission": ("user_id", "view_referral"),
    "referral_referralgroupobjectpermission": ("group_id", "view_referral"),
}


def grant_reads(queryset) -> list[tuple[str, str]]:
    """Each scan of a grant table in the plan, with its index condition ("" when none narrows it)."""
    return [(node["Relation Name"], node.get("Index Cond", "")) for node in nodes(plan(queryset))
            if node.get("Relation Name") in GRANT_TABLES]


MANY = 20_000  # grants a table for the user and each of the user's groups (a big bureau's officer holds 130,000 at 1M)


@pytest.fixture
def many_grants():
    """Grants as an officer of a big bureau holds them: MANY more rows on each grant table for the user
    and for each of the user's groups, for objects that do not exist (their foreign keys are deferred,
    and the rows are deleted before the test's end checks them), the tables analysed — so that the
    planner prices a question about one object as it does at scale, not for a few demo rows."""
    added = []

    def grant(user):
        from agencies.permissions import group_ids

        holders = {"user_id": [user.pk], "group_id": group_ids(user)}
        with connection.cursor() as cursor:
            for table, (column, codename) in GRANT_TABLES.items():
                cursor.execute("SELECT id FROM auth_permission WHERE codename = %s", [codename])
                permission = cursor.fetchone()[0]
                for holder in holders[column]:
                    cursor.execute(
                        f"INSERT INTO {table} ({column}, permission_id, content_object_id, sort_key)"
                        " SELECT %s, %s, 1000000000000 + g, now() FROM generate_series(1, %s) g", [holder, permission, MANY])
                cursor.execute(f"ANALYZE {table}")
                added.append(table)

    yield grant
    with connection.cursor() as cursor:
        for table in added:
            cursor.execute(f"DELETE FROM {table} WHERE content_object_id > 1000000000000")


@pytest.mark.parametrize("username", ["msb_officer", "msb_head", "psb_officer"])
def test_may_the_user_see_this_one_reads_the_grants_of_that_one(postgres, cast, stories, many_grants, username):
    """The task pages (their guard), 办理 and the case and referral pages ask "may this user see this
    case / referral / process?": each grant index is entered at that object (its id in the index
    condition). Asked as guardian asks, `pk IN (every grant)`, PostgreSQL first read every grant the
    user holds into a hash: 35–40 ms for an officer who sees 130,000 cases at 1M, on every such page."""
    from viewflow.workflow.models import Task

    from casework.workflow import visible_task
    from referral.selectors import referral_list_for_user

    user = cast.user(username)
    many_grants(user)
    questions = {}
    if case := case_list_for_user(user=user).order_by("pk").first():
        task = Task.objects.filter(process__caseprocess__case=case).order_by("pk").first()
        questions["case"] = case_list_for_user(user=user).filter(pk=case.pk)
        questions["a case task's guard"] = visible_task(user, task.flow_task.flow_class.instance, task.process_id, task.pk)
    if referral := referral_list_for_user(user=user).order_by("pk").first():
        task = Task.objects.filter(process__referralprocess__referral=referral).order_by("pk").first()
        questions["referral"] = referral_list_for_user(user=user).filter(pk=referral.pk)
        questions["a referral task's guard"] = visible_task(user, task.flow_task.flow_class.instance, task.process_id, task.pk)
    assert questions
    for name, queryset in questions.items():
        assert queryset.exists(), name
        reads = grant_reads(queryset)
        assert reads, name
        assert all("content_object_id" in condition for _, condition in reads), (name, reads)
