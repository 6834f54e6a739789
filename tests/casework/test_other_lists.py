"""The supervision and meeting lists page by cursor too: each way an agency sees a row (as supervisor,
co-supervisor, handling agency; per mechanism it sits on) is read newest first from an index of its
own and merged, so every row comes once and in order, and on PostgreSQL no table is read whole."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from casework import services
from casework.models import CaseSource
from meetings.models import Meeting, MeetingKind, Mechanism, Membership
from meetings.selectors import meeting_list_for_user, meeting_pages_for_user
from supervision.models import ProposalSource, Supervision, SupervisionStatus
from supervision.selectors import supervision_list_for_user, supervision_pages_for_user
from tests.casework.test_list_plans import PAGE, nodes, plan, whole_table_reads
from tests.paging import walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisions(cast):
    """Six supervisions of 镇江 cases: by the province, by the city police jointly, two at one instant."""
    officer, province, police = cast.user("msb_officer"), cast.agencies["js-msb"], cast.agencies["zj-psb"]
    rows = []
    for index in range(6):
        case = services.case_register(user=officer, title=f"督办列表案{index}", source=CaseSource.TIP, summary="测试线索")
        rows.append(Supervision.objects.create(
            case=case, supervisor=province, co_supervisor=police if index % 2 else None, source=ProposalSource.LOWER,
            reason="测试", proposed_by=officer, status=SupervisionStatus.ACTIVE if index % 3 else SupervisionStatus.PROPOSED,
        ))
    Supervision.objects.filter(pk__in=[rows[2].pk, rows[3].pk]).update(proposed_at=rows[2].proposed_at)
    return rows


@pytest.fixture
def meetings(cast):
    msb, psb = cast.agencies["zj-msb"], cast.agencies["zj-psb"]
    user, now, rows = cast.user("msb_officer"), timezone.now(), []
    for index, members in enumerate([(msb, psb), (msb,), (psb,)]):
        mechanism = Mechanism.objects.create(name=f"机制{index}", convenor="副市长", lead_agency=msb, office=msb, created_by=user)
        for agency in members:
            Membership.objects.create(mechanism=mechanism, agency=agency)
        for number in range(3):
            rows.append(Meeting.objects.create(
                mechanism=mechanism, kind=MeetingKind.PLENARY, title=f"会议{index}-{number}", venue="会议室", chair="主持人",
                held_at=now - timedelta(days=(number * 3 + index) % 5), created_by=user,
            ))
    return rows


def test_supervision_pages_list_every_visible_supervision_once_in_order(cast, supervisions):
    for username in ("msb_officer", "js_msb_officer", "psb_officer", "cz_msb_officer"):
        user = cast.user(username)
        for filters in ({}, {"status": SupervisionStatus.ACTIVE}, {"search": "督办列表案1"}):
            expected = list(supervision_list_for_user(user=user, **filters).order_by("-proposed_at", "-id").values_list("pk", flat=True))
            for size in (1, 2, 4):
                assert walk(supervision_pages_for_user(user=user, **filters), size) == expected, (username, filters, size)
    assert len(supervision_list_for_user(user=cast.user("psb_officer"))) == 3
    assert not supervision_list_for_user(user=cast.user("cz_msb_officer"))


def test_meeting_pages_list_the_meetings_of_every_mechanism_once_in_order(cast, meetings):
    for username in ("msb_officer", "psb_officer", "cz_msb_officer"):
        user = cast.user(username)
        for filters in ({}, {"search": "会议1"}, {"status": "issued"}):
            expected = list(meeting_list_for_user(user=user, **filters).order_by("-held_at", "-id").values_list("pk", flat=True))
            for size in (1, 2, 5):
                assert walk(meeting_pages_for_user(user=user, **filters), size) == expected, (username, filters, size)
    assert len(meeting_list_for_user(user=cast.user("psb_officer"))) == 6


def test_the_supervision_and_meeting_pages_link_by_cursor(cast, supervisions, meetings, login, monkeypatch):
    from meetings.views import IndexView
    from supervision.views import SupervisionListView

    monkeypatch.setattr(SupervisionListView, "paginate_by", 2)
    monkeypatch.setattr(IndexView, "paginate_by", 2)
    province = login("js_msb_officer")
    for client, url in ((province, "/supervision/"), (login("msb_officer"), "/meetings/")):
        page = client.get(url)
        assert page.status_code == 200 and "第 1 页（第 1–2 条，后面还有）" in page.content.decode(), url
        assert "?after=" in page.content.decode() and client.get(url + "?after=bad").status_code == 200


@pytest.mark.postgres
def test_supervision_and_meeting_lists_read_no_table_whole(cast, supervisions, meetings):
    if connection.vendor != "postgresql":
        pytest.skip(f"query plans are checked on PostgreSQL; this run uses {connection.vendor}")
    for username in ("msb_officer", "js_msb_officer", "psb_officer"):
        user = cast.user(username)
        for pages, table in ((supervision_pages_for_user(user=user, status="active"), "supervision_supervision"),
                             (supervision_pages_for_user(user=user), "supervision_supervision"),
                             (meeting_pages_for_user(user=user), "meetings_meeting")):
            cursor = (pages.keys(stop=2) or [(timezone.now(), 1)])[-1]
            for query in pages.branches() + pages.branches(after=cursor) + pages.branches(before=cursor):
                assert whole_table_reads(query[:PAGE], table) == [], (username, table)
                assert whole_table_reads(query[:PAGE], "casework_case") == [], (username, table)
            ordered = pages.branches()[:2] if table == "supervision_supervision" else pages.branches()
            for query in ordered:  # held, co-held, each mechanism's: the list's order is the index's
                assert {node.get("Index Name", "") for node in nodes(plan(query[:PAGE]))} & {
                    "supervision_held_order", "supervision_coheld_order", "meeting_mechanism_order"}, (username, table)
