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


def plan(queryset) -> dict:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        return cursor.fetchone()[0][0]["Plan"]


def nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from nodes(child)


def whole_table_reads(queryset, table: str) -> list[str]:
    """The scans of `table` in the plan that no index condition narrows (a full read, however named)."""
    found = []
    for node in nodes(plan(queryset)):
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
    """The check above can fail: viewflow's stock queue (Concat of permission and object) reads them all."""
    from viewflow.workflow.models import Task

    stock = Task.objects.queue(FLOWS, cast.user("msb_head")).order_by("-created")[:PAGE]
    assert whole_table_reads(stock, "viewflow_task") != []


@pytest.mark.parametrize("username", ["msb_officer", "msb_head", "psb_officer", "cz_msb_officer"])
def test_case_and_referral_lists_read_grants_through_an_index(postgres, cast, stories, username):
    """The unfiltered case and referral lists read each of the user's grant sets in list order
    from its index (agencies.visibility), never the cases or referrals table as a whole."""
    from agencies.visibility import grant_branches
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
