"""The leaders' and the new lists' pages cost the same number of queries however many supervised
cases, resolutions and overdue clocks they show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.clocks import clocks_fire_breaches
from casework.models import Deadline
from demo.driver import complete
from demo.stories import INVESTIGATING

pytestmark = pytest.mark.django_db

PAGES = [("msb_officer", "/supervision/"), ("js_msb_head", "/supervision/"), ("msb_officer", "/meetings/"),
         ("psb_officer", "/meetings/"), ("msb_leader", "/leadership/dashboard/"), ("fund_officer", "/agreements/")]


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def more_of_everything(cast, tell, batch: int) -> None:
    """Two more supervised cases (one of them late), and a meeting with three more police items, overdue."""
    from meetings import services as meetings
    from meetings.flows import minutes_issue_and_track
    from meetings.models import Mechanism
    from supervision import services as supervision
    from supervision.flows import supervision_open

    officer, head = cast.user("msb_officer"), cast.user("js_msb_head")
    for index in range(2):
        case = tell(INVESTIGATING, title=f"第{batch}批督办案件{index}")
        listed = supervision_open(case=case, user=officer, criteria=["amount"], reason="涉案金额巨大。")
        complete(listed.process, "designate", head, lambda listed=listed: supervision.supervision_designate(
            supervision=listed, user=head, approve=True, opinion="同意。", issue="依法查处。"))
    late = Deadline.objects.filter(code="supervision.report", met_at__isnull=True, status="running").first()
    Deadline.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=1))
    clocks_fire_breaches(now=timezone.now(), batch=100)

    a = cast.agencies
    mechanism = Mechanism.objects.get()
    held = timezone.now() - timedelta(days=30)
    meeting = meetings.meeting_convene(mechanism=mechanism, user=officer, kind="special", title=f"第{batch}次专题会议",
                                       held_at=held, venue="会议室", chair="局长", topics=["通报"])
    meetings.attendance_record(meeting=meeting, user=officer, rows=[{"agency": a["zj-msb"], "name": "周明", "post": "局长",
                                                                    "status": "present"}])
    minutes_issue_and_track(meeting=meeting, user=officer, heard="汇报。", views="", resolutions=[
        {"text": f"公安机关落实事项{index}", "kind": "task", "owner": a["zj-psb"], "co_agencies": [a["zj-msb"]],
         "due_on": timezone.localtime(held).date() + timedelta(days=5), "ongoing": False} for index in range(3)])


def test_the_leaders_pages_do_not_query_per_row(cast, login, tell):
    call_command("demo", "--quiet")
    clients = {user: login(user) for user, _ in PAGES}
    for user, url in PAGES:
        queries(clients[user], url)  # warm the per-process caches (content types, permissions)
    few = {(user, url): queries(clients[user], url) for user, url in PAGES}
    for batch in range(1, 3):
        more_of_everything(cast, tell, batch)
    many = {(user, url): queries(clients[user], url) for user, url in PAGES}
    assert many == few
    page = clients["msb_leader"].get("/leadership/dashboard/").content.decode()
    assert page.count("公安机关落实事项") == 6  # the rows really are on the page: 2 batches × 3 overdue items
    assert "督办中" in page and "报送督办案件进展报告" in page
