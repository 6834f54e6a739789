"""The case and referral lists read from the grants (agencies.visibility) list exactly what guardian
says each user may see, in the list's order, and nothing of another city or agency."""

from __future__ import annotations

import html
import re
from base64 import urlsafe_b64encode

import pytest
from guardian.shortcuts import get_objects_for_user

from casework.models import Case, CaseGroupObjectPermission, CaseUserObjectPermission, Subject
from casework.permissions import VIEW_CASE
from casework.selectors import case_list_for_user, case_pages_for_user
from demo.stories import INVESTIGATING, LEAD, PENDING_APPROVAL, SENT
from referral.models import IssuedDocument, Referral, ReferralStatus
from referral.permissions import VIEW_REFERRAL
from referral.selectors import referral_list_for_user, referral_pages_for_user
from tests.paging import walk_both_ways

pytestmark = pytest.mark.django_db


@pytest.fixture
def stories(tell):
    return [tell(stage, title=f"可见性测试案{index}") for index, stage in enumerate([LEAD, SENT, INVESTIGATING, SENT, PENDING_APPROVAL])]


def guardian_list(user, perm: str, model, *order: str) -> list[int]:
    visible = get_objects_for_user(user, perm, klass=model, accept_global_perms=False, with_superuser=False)
    return list(visible.order_by(*order).values_list("pk", flat=True))


def test_every_users_lists_match_what_guardian_allows_in_order(cast, stories):
    """For every demo officer, page by page, the same cases and referrals as guardian's scoped query."""
    some_see_referrals = False
    for username in cast.officers:
        user = cast.user(username)
        cases = case_pages_for_user(user=user)
        assert [case.pk for case in cases[0:100]] == guardian_list(user, VIEW_CASE, Case, "-registered_at", "-id"), username
        assert [case.pk for case in cases[2:4]] == guardian_list(user, VIEW_CASE, Case, "-registered_at", "-id")[2:4], username
        referrals = [referral.pk for referral in referral_pages_for_user(user=user)[0:100]]
        assert referrals == guardian_list(user, VIEW_REFERRAL, Referral, "-created_at", "-id"), username
        some_see_referrals |= bool(referrals)
    assert some_see_referrals


def test_a_users_grants_are_read_in_one_query_where_the_database_can(cast, stories):
    """The officer's own grants and each group's are one UNION ALL query where the database can limit
    the parts of a compound query (PostgreSQL; a query a branch on SQLite), and give the keys that
    reading and merging each branch gives, both ways."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from agencies.visibility import grant_branches, visible_keys

    user = cast.user("msb_officer")
    grants = dict(user=user, perm=VIEW_CASE, user_grants=CaseUserObjectPermission, group_grants=CaseGroupObjectPermission)
    branches = grant_branches(**grants)
    assert len(branches) >= 2, "the officer's own grants and at least one group's"
    every = sorted({key for branch in branches for key in branch}, reverse=True)
    assert len(every) >= 5
    with CaptureQueriesContext(connection) as captured:
        assert visible_keys(**grants, stop=3) == every[:3]
    reads = [query for query in captured if "sort_key" in query["sql"]]
    assert len(reads) == (1 if connection.features.supports_slicing_ordering_in_compound else len(branches))
    assert visible_keys(**grants, stop=2, before=every[4]) == [every[3], every[2]]
    assert visible_keys(**grants, stop=10, after=every[1]) == every[2:12]


def test_a_page_and_its_rows_are_one_statement_where_the_database_can(cast, stories):
    """On PostgreSQL a page of the case or referral list is one statement (the user's groups, the grants'
    keys and their rows together), and holds what reading the keys and then their rows holds — first page, past a
    cursor and before one; elsewhere the two reads."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from agencies.visibility import Pages

    user = cast.user("msb_head")
    for pages in (case_pages_for_user(user=user), referral_pages_for_user(user=user)):
        every = pages.keys(stop=100)
        assert len(every) >= 3, pages.model
        for cursor in ({}, {"after": every[0]}, {"before": every[2]}):
            with CaptureQueriesContext(connection) as captured:
                keys, rows, more = pages.read(size=2, **cursor)
            expected_keys, expected_rows, expected_more = Pages.read(pages, size=2, **cursor)
            assert keys == expected_keys == pages.keys(stop=2, **cursor) and len(keys) == 2, cursor
            assert [row.pk for row in rows] == [row.pk for row in expected_rows] == [pk for _, pk in keys], cursor
            assert more == expected_more == (len(pages.keys(stop=3, **cursor)) == 3), cursor
            if connection.vendor == "postgresql":
                assert len(captured) == 1, cursor
            else:
                assert len(captured) >= 2, cursor


def test_the_police_see_referred_cases_only_and_another_city_sees_nothing(cast, stories, login):
    """On /referrals/ the police see the two transfers sent to them; 常州's officers see no referral and no case."""
    police = login("psb_officer").get("/referrals/").content.decode()
    assert police.count("可见性测试案1") == 1 and police.count("可见性测试案3") == 1
    assert "可见性测试案0" not in police
    for outsider in ("cz_msb_officer", "cz_psb_officer"):
        for url in ("/cases/", "/referrals/"):
            assert "可见性测试案" not in login(outsider).get(url).content.decode()


def test_a_grant_carries_its_objects_sort_key(cast, stories):
    """Each grant row holds the time the list sorts by, copied from its case or referral."""
    for case in Case.objects.filter(title__startswith="可见性测试案"):
        keys = set(case.casegroupobjectpermission_set.values_list("sort_key", flat=True))
        assert keys == {case.registered_at}


# --- pages read past a cursor (casework.paging.KeysetPaginator) ----------------------------------------


@pytest.fixture
def grants_of_every_kind(cast, stories):
    """psb_officer, whom no case is referred to here, holds cases through the police's members group,
    through its officers' role group, directly, and one case both directly and through a group."""
    from agencies.models import Role
    from agencies.permissions import grant_to_agency, grant_to_user

    police, psb = cast.user("psb_officer"), cast.agencies["zj-psb"]
    first, second, third, fourth = stories[:4]
    grant_to_agency(agency=psb, perm=VIEW_CASE, obj=first)
    grant_to_agency(agency=psb, perm=VIEW_CASE, obj=second, roles=[Role.OFFICER])
    grant_to_agency(agency=psb, perm=VIEW_CASE, obj=third, roles=[Role.OFFICER])
    for case in (third, fourth):
        grant_to_user(user=police, perm=VIEW_CASE, obj=case)
    grant_to_user(user=cast.user("msb_officer"), perm=VIEW_CASE, obj=second)
    return police


def test_the_pages_walk_every_visible_case_once_in_order_and_back(cast, grants_of_every_kind):
    """Page by page through 下一页 every case the user may see comes once, in the list's order, whether
    held through a group, directly or both; cases registered at the same instant are split by id;
    上一页 walks back through the same pages."""
    assert CaseUserObjectPermission.objects.count() == 3 and CaseGroupObjectPermission.objects.exclude(
        group__name__endswith=":members").exists()
    for same_time in (False, True):
        if same_time:
            instant = Case.objects.order_by("registered_at").first().registered_at
            Case.objects.update(registered_at=instant)
            CaseUserObjectPermission.objects.update(sort_key=instant)
            CaseGroupObjectPermission.objects.update(sort_key=instant)
        for username in ("psb_officer", "msb_officer", "msb_head"):
            user = cast.user(username)
            expected = guardian_list(user, VIEW_CASE, Case, "-registered_at", "-id")
            for size in (1, 2, 3):
                assert len(expected) > size, username
                forwards, backwards = walk_both_ways(case_pages_for_user(user=user), size)
                assert [pk for page in forwards for pk in page] == expected, (username, size, same_time)
                assert all(len(page) == size for page in forwards[:-1]), (username, size, same_time)
                assert backwards == forwards[-2::-1], (username, size, same_time)


def test_whether_a_user_may_see_a_case_is_what_guardian_says_for_grants_of_every_kind(cast, grants_of_every_kind):
    """`case_list_for_user` and `referral_list_for_user` (agencies.visibility.granted), which answer
    "may this user see it?" on a task page, a case page and the search: the cases held through a
    group, directly or both, each once, exactly as guardian's own query; nothing for a visitor."""
    from django.contrib.auth.models import AnonymousUser

    for username in ("psb_officer", "msb_officer", "msb_head", "cz_msb_officer"):
        user = cast.user(username)
        cases = list(case_list_for_user(user=user).values_list("pk", flat=True))
        assert cases == guardian_list(user, VIEW_CASE, Case, "-registered_at", "-id"), username
        assert username == "cz_msb_officer" or cases, username
        referrals = list(referral_list_for_user(user=user).values_list("pk", flat=True))
        assert referrals == guardian_list(user, VIEW_REFERRAL, Referral, "-created_at", "-id"), username
    assert not case_list_for_user(user=AnonymousUser()).exists()
    assert not referral_list_for_user(user=AnonymousUser()).exists()


def test_referral_pages_walk_every_visible_referral_once_in_order(cast, stories):
    for username in ("psb_officer", "msb_officer", "msb_head"):
        user = cast.user(username)
        expected = guardian_list(user, VIEW_REFERRAL, Referral, "-created_at", "-id")
        forwards, backwards = walk_both_ways(referral_pages_for_user(user=user), 1)
        assert [pk for page in forwards for pk in page] == expected, username
        assert backwards == forwards[-2::-1], username


def test_searched_and_filtered_lists_match_what_guardian_allows(cast, stories):
    """A search (title, number, party) or a status filter lists what guardian's scoped query lists."""
    searches = [("可见性测试案3", ""), (Case.objects.first().number, ""), ("", "investigating"), ("测试", "lead"),
                (Subject.objects.first().name[:4], ""), (Subject.objects.first().identifier, "")]
    seen_some = False
    for username in ("psb_officer", "msb_officer", "msb_head", "cz_msb_officer"):
        user = cast.user(username)
        for search, status in searches:
            pages = case_pages_for_user(user=user, search=search, status=status)
            expected = list(case_list_for_user(user=user, search=search, status=status).values_list("pk", flat=True))
            assert [case.pk for case in pages[0:100]] == expected, (username, search, status)
            seen_some |= bool(expected)
        for status, _ in ReferralStatus.choices:
            expected = list(referral_list_for_user(user=user, status=status).values_list("pk", flat=True))
            assert [referral.pk for referral in referral_pages_for_user(user=user, status=status)[0:100]] == expected
        document = IssuedDocument.objects.exclude(referral=None).first()
        for search in ("可见性测试案1", document.number):
            expected = list(referral_list_for_user(user=user, search=search).values_list("pk", flat=True))
            assert [referral.pk for referral in referral_pages_for_user(user=user, search=search)[0:100]] == expected
    assert seen_some


def listed(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r"可见性测试案\d", response.content.decode())


def link(response, label: str) -> str | None:
    found = re.search(rf'href="(\?[^"]*)">{label}</a>', response.content.decode())
    return found and html.unescape(found.group(1))


def test_the_case_page_links_carry_cursors_and_a_bad_cursor_shows_page_one(cast, stories, login, monkeypatch):
    from casework.views import CaseListView

    monkeypatch.setattr(CaseListView, "paginate_by", 2)
    officer = login("msb_officer")
    first = officer.get("/cases/")
    titles, page = listed(first), first
    while (after := link(page, "下一页")) is not None:
        assert "after=" in after
        page = officer.get("/cases/" + after)
        titles += listed(page)
    assert titles == [f"可见性测试案{index}" for index in range(4, -1, -1)]
    assert "第 3 页（第 5–5 条）" in page.content.decode() and link(page, "首页") == "?"
    back = officer.get("/cases/" + link(page, "上一页"))
    assert listed(back) == ["可见性测试案2", "可见性测试案1"] and "第 2 页（第 3–4 条，后面还有）" in back.content.decode()
    out_of_range = [urlsafe_b64encode(text.encode()).decode() for text in (
        "9999-12-31T23:59:59-14:00|1|0", "2026-01-01T00:00+08:00|99999999999999999999|0", "2026-01-01|1|0")]
    bad_cursors = ["after=garbage", "before=%%%", "after=MjAyNi0wMS0wMXww", "after=eHx5fHo", "page=999"]
    for bad in bad_cursors + [f"{side}={cursor}" for cursor in out_of_range for side in ("after", "before")]:
        response = officer.get(f"/cases/?{bad}")
        assert listed(response) == listed(first) and "第 1 页（第 1–2 条，后面还有）" in response.content.decode(), bad


def test_a_searched_page_keeps_its_search_in_the_links(cast, stories, login, monkeypatch):
    """On a searched referral list, 下一页 keeps the search and walks the matching referrals one by one."""
    from referral.views import ReferralListView

    monkeypatch.setattr(ReferralListView, "paginate_by", 1)
    user = cast.user("msb_officer")
    expected = [referral.case_title for referral in referral_list_for_user(user=user, search="可见性测试案")]
    officer, page = login("msb_officer"), login("msb_officer").get("/referrals/", {"q": "可见性测试案"})
    titles = listed(page)
    while (after := link(page, "下一页")) is not None:
        assert after.startswith("?q=%E5%8F%AF")
        page = officer.get("/referrals/" + after)
        titles += listed(page)
    assert len(expected) >= 2 and titles == expected
