"""A statement compiled once and run again with other values (agencies.prepared) builds the rows the
queryset builds; the case and referral lists keep their page statement a shape, for every user."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from agencies import prepared as statements
from agencies.prepared import NotPreparable, Prepared
from casework.models import Case
from demo.stories import INVESTIGATING, LEAD, SENT
from tests.rows import described

pytestmark = pytest.mark.django_db

AGENCY, SINCE = -(10**15) - 1, -(10**15) - 2  # stand-ins: no agency or case has such a key


def cases_of(agency, since):
    return (Case.objects.filter(agency_id=agency, pk__gte=since).select_related("agency", "lead_officer")
            .only("number", "title", "violation_types", "registered_at", "agency__name", "lead_officer__username").order_by("-pk"))


@pytest.fixture
def stories(tell):
    cases = [tell(stage, title=f"预编译测试案{index}") for index, stage in enumerate([LEAD, SENT, INVESTIGATING, SENT])]
    Case.objects.filter(pk=cases[1].pk).update(violation_types=["虚假住院", "串换药品"])  # a column the database converts
    return cases


def test_the_rows_are_the_querysets_rows_for_any_values(cast, stories):
    prepared = Prepared.of(cases_of(AGENCY, SINCE), {AGENCY: "agency", SINCE: "since"})
    agencies = {case.agency_id for case in Case.objects.all()} | {cast.agencies["cz-msb"].pk}
    for agency in agencies:
        for since in (0, stories[1].pk, stories[2].pk + 1):
            with CaptureQueriesContext(connection) as queries:
                rows = prepared.rows({"agency": agency, "since": since})
                for case in rows:  # what a row shows: no query, the agency and lead officer came with it
                    assert case.title and case.agency.name and case.lead_officer.username
            assert len(queries) == 1
            assert [described(case) for case in rows] == [described(case) for case in cases_of(agency, since)]
    assert ["虚假住院", "串换药品"] in [case.violation_types for case in prepared.rows({"agency": stories[1].agency_id, "since": 0})]
    assert prepared.rows({"agency": cast.agencies["cz-msb"].pk, "since": 0}) == []


def test_a_value_not_stood_in_for_is_kept_as_compiled(cast, stories):
    prepared = Prepared.of(cases_of(stories[0].agency_id, SINCE), {SINCE: "since"})
    assert [case.pk for case in prepared.rows({"since": 0})] == [case.pk for case in cases_of(stories[0].agency_id, 0)]


def test_computed_columns_are_refused(cast, stories):
    with pytest.raises(NotPreparable):
        Prepared.of(Case.objects.annotate(n_subjects=Count("subjects")), {})
    with pytest.raises(NotPreparable):
        Prepared.of(Case.objects.prefetch_related("subjects"), {})


@pytest.fixture
def compiles(monkeypatch):
    """How many statements Django compiles (SQLCompiler.as_sql) in the block it is read after."""
    count = [0]
    compile_once = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        count[0] += 1
        return compile_once(self, *args, **kwargs)
    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    return count


def test_a_list_page_is_compiled_once_for_every_user(cast, stories, compiles):
    """On PostgreSQL the case and referral lists' page statement is compiled for the first page read in its
    shape (first page, past a cursor, before one) and then only run, for every user, each getting the rows
    the statement compiled afresh for them gets."""
    from agencies import visibility
    from casework.selectors import case_pages_for_user
    from referral.selectors import referral_pages_for_user

    if connection.vendor != "postgresql":
        pytest.skip(f"a page is one statement on PostgreSQL; this run uses {connection.vendor}")
    statements.forget()
    users = [cast.user(name) for name in ("msb_head", "msb_officer", "psb_officer", "cz_msb_officer")]
    for read in (case_pages_for_user, referral_pages_for_user):
        for turn in ("compiled", "kept"):
            for user in users:
                pages = read(user=user)
                every = pages.keys(stop=100)
                for cursor in ({}, {"after": every[0]}, {"before": every[-1]}) if len(every) > 1 else ({},):
                    compiles[0] = 0
                    with CaptureQueriesContext(connection) as queries:
                        keys, rows, more = pages.read(size=1, **cursor)
                    assert len(queries) == 1
                    assert compiles[0] == 0 or turn == "compiled", (read.__name__, user.username, cursor)
                    expected = list(pages.page_query(stop=2, **cursor))
                    assert [described(row) for row in rows] == [described(row) for row in expected[:1]], user.username
                    assert more == (len(expected) == 2)
                    assert [key[-1] for key in keys] == [row.pk for row in rows]
    kept = [key for key in statements._kept if key[0] == visibility.PAGE_STATEMENT]
    assert len(kept) == 6, "two lists, three shapes each"


def test_rows_with_conditions_of_their_own_are_compiled_each_time(cast, stories, compiles):
    """A list whose rows carry a condition (its value would be kept for every user) is not kept."""
    from agencies import visibility
    from casework.models import CaseGroupObjectPermission, CaseUserObjectPermission
    from casework.permissions import VIEW_CASE

    if connection.vendor != "postgresql":
        pytest.skip(f"a page is one statement on PostgreSQL; this run uses {connection.vendor}")
    statements.forget()
    user = cast.user("msb_head")
    for status in ("investigating", "lead"):
        pages = visibility.VisiblePages(
            user=user, perm=VIEW_CASE, model=Case, user_grants=CaseUserObjectPermission, group_grants=CaseGroupObjectPermission,
            rows=Case.objects.filter(status=status),
        )
        compiles[0] = 0
        _, rows, _ = pages.read(size=20)
        assert compiles[0] >= 1
        assert {case.status for case in rows} <= {status} and [case.pk for case in rows] == [case.pk for case in pages.page_query(stop=20)]
    assert not [key for key in statements._kept if key[0] == visibility.PAGE_STATEMENT]
