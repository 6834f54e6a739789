"""The pages an officer opens all day cost the same number of queries however many rows they show."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from demo.stories import INVESTIGATING, LEAD, SENT

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/workflow/inbox/", "/workflow/queue/", "/workflow/archive/", "/cases/", "/referrals/"])
def test_list_pages_do_not_query_per_row(tell, login, url):
    officer = login("msb_officer")

    def add_cases(batch: int) -> None:
        tell(SENT, title=f"已移送的案件{batch}")
        tell(INVESTIGATING, title=f"调查中的案件{batch}")
        tell(LEAD, title=f"新线索{batch}")

    add_cases(0)
    queries(officer, url)  # warm the per-process caches (content types, permissions)
    few = queries(officer, url)
    for batch in range(1, 5):
        add_cases(batch)
    assert queries(officer, url) == few


def test_case_page_does_not_query_per_party_or_evidence(tell, login):
    officer = login("msb_officer")
    small, large = tell(LEAD, title="只有线索的案件"), tell(SENT, title="已移送的案件")
    assert small.evidence.count() < large.evidence.count()
    budget = 47  # +2 since issue 11: the 举报奖励 line reads a tip-off's reward, the 典型案例曝光 line a closed case's publication
    assert queries(officer, reverse("cases:detail", args=[large.pk])) <= budget
