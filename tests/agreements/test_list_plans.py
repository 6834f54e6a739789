"""The agreement and inspection lists are served by indexes: with sequential scans priced out, PostgreSQL
reads each list's first page, and a page past a cursor either way, through an index — never a table from
end to end. Where an index leads with what scopes the list (the holding 经办机构, a bureau's region
range), the index also gives the order (no Sort) and the cursor is where the index scan starts."""

from __future__ import annotations

import pytest
from django.db import connection

from agreements import selectors
from inspections.selectors import inspection_pages_for_user
from tests.agreements.test_list_pages import jk_msb, officer, rows  # noqa: F401  (fixtures)
from tests.casework.test_list_plans import PAGE, nodes, plan, whole_table_reads

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TABLES = ("agreements_institution", "agreements_designationapplication", "agreements_practitioner", "inspections_inspection")


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip(f"query plans are checked on PostgreSQL; this run uses {connection.vendor}")


def queries(pages):
    """The first page's query, and the queries past the second row's key forwards and backwards."""
    cursor = pages.keys(stop=2)[-1]
    return {"first": pages.query()[:PAGE], "after": pages.query(after=cursor)[:PAGE],
            "before": pages.query(before=cursor)[:PAGE]}


def ordered_plan(queryset) -> dict:
    """The plan with sorting priced out too: on a few rows the planner may prefer to sort what an index
    found; a Sort left when sorting costs 10^10 means no index can give the list's order."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        try:
            return plan(queryset)
        finally:
            cursor.execute("SET LOCAL enable_sort = on")


def sorts(queryset) -> bool:
    return any(node["Node Type"] in ("Sort", "Incremental Sort") for node in nodes(ordered_plan(queryset)))


def seq_scans(queryset) -> list[str]:
    return [node["Relation Name"] for node in nodes(plan(queryset)) if node["Node Type"] == "Seq Scan"]


@pytest.mark.parametrize("username", ["fund_officer", "msb_officer", "jk_msb_officer", "js_msb_officer", "cz_msb_officer"])
def test_no_list_reads_a_table_from_end_to_end(postgres, rows, username):
    user = officer(username)
    lists = {
        "institutions": selectors.institution_pages_for_user(user=user),
        "institutions searched": selectors.institution_pages_for_user(user=user, search="医院", status="normal"),
        "applications": selectors.application_pages_for_user(user=user),
        "practitioners": selectors.practitioner_pages_for_user(user=user),
        "practitioners suspended": selectors.practitioner_pages_for_user(user=user, status="suspended"),
        "inspections": inspection_pages_for_user(user=user),
        "inspections daily": inspection_pages_for_user(user=user, kind="daily"),
    }
    for name, pages in lists.items():
        for side, query in queries(pages).items():
            assert seq_scans(query) == [], (name, side)
            scanned = {node.get("Index Name") for node in nodes(plan(query))} - {None}
            assert scanned, (name, side)


@pytest.mark.parametrize(("username", "index"), [
    ("fund_officer", "institution_held_order"), ("msb_officer", "institution_region_order"),
    ("jk_msb_officer", "institution_region_order"),
])
def test_the_institution_list_walks_its_index_from_the_cursor(postgres, rows, username, index):
    """The holding 经办机构's institutions from (agency, region_code, name, id), a bureau's from
    (region_code, name, id) within its region's range: the index narrows and orders, a deeper page
    starts at the cursor's row, 上一页 reads the same index backwards."""
    pages = selectors.institution_pages_for_user(user=officer(username))
    for side, query in queries(pages).items():
        assert whole_table_reads(query, "agreements_institution") == [], side
        scans = [node for node in nodes(ordered_plan(query)) if node.get("Index Name") == index]
        assert scans and not sorts(query), side
        if side != "first":
            assert all("ROW(region_code, name, id)" in node["Index Cond"] for node in scans), side
        if side == "before":
            assert [node["Scan Direction"] for node in scans] == ["Backward"]


HELD = {  # the holding 经办机构's lists: its own index each, leading with the agency
    "applications": (selectors.application_pages_for_user, "agreements_designationapplication", "application_held_order"),
    "practitioners": (selectors.practitioner_pages_for_user, "agreements_practitioner", "practitioner_held_order"),
    "inspections": (inspection_pages_for_user, "inspections_inspection", "inspection_held_order"),
}


@pytest.mark.parametrize("name", HELD)
def test_the_holding_agencys_lists_come_in_index_order(postgres, rows, name):
    """Applications it received, practitioners and inspections of its institutions (the institution's
    经办机构 copied on each row): the index narrows to the agency and gives the order; no Sort."""
    select, table, index = HELD[name]
    for side, query in queries(select(user=officer("fund_officer"))).items():
        assert whole_table_reads(query, table) == [], side
        scans = [node for node in nodes(ordered_plan(query)) if node.get("Index Name") == index]
        assert scans and not sorts(query), side
        if side != "first":
            assert all("ROW(" in node["Index Cond"] for node in scans), side


def test_the_checks_can_fail_an_unindexed_order_is_sorted(postgres, rows):
    """The same institutions in an order no index holds (by agreement end) are sorted, whatever it costs."""
    query = selectors.institution_list_for_user(user=officer("msb_officer")).order_by("agreement_end", "id")[:PAGE]
    assert sorts(query)
