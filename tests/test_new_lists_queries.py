"""The registers added for issue 11 (接入线索, 信用管理, 举报奖励台账, 典型案例曝光) read a page in a
fixed number of queries: more rows on the page, not more queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework import penalties
from demo.stories import agreements_demo
from systems.models import ConnectedSystem
from systems.services import lead_submit
from tests.penalty_case import decided_case, decision
from tests.systems.test_leads_api import LEAD

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(cast, tell):
    return decided_case(cast, tell)


def queries(client, url: str) -> int:
    client.get(url)  # caches warmed (session, permissions) as on any second page view
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_submitted_leads_page_reads_in_fixed_queries(cast, login):
    system = ConnectedSystem(name="12393医保服务热线系统", agency=cast.agencies["zj-msb"])
    system.token_set()
    system.save()
    officer, url = login("msb_officer"), reverse("systems:index")
    lead_submit(system=system, key="k0", payload=LEAD)
    one = queries(officer, url)
    for n in range(1, 6):
        lead_submit(system=system, key=f"k{n}", payload={**LEAD, "title": f"线索{n}"})
    assert queries(officer, url) == one


def test_credit_page_reads_in_fixed_queries(cast, login, case):  # noqa: F811 - the fixture imported above
    agreements_demo(cast)
    case.filed_at = timezone.now() - timedelta(days=20)
    case.save(update_fields=["filed_at"])
    officer, url = login("msb_officer"), reverse("credit:index")
    penalties.penalty_record(case=case, user=cast.user("msb_officer"), **decision(case, decided_on=timezone.localdate()))
    one = queries(officer, url)
    for n in range(2, 6):
        penalties.penalty_record(case=case, user=cast.user("msb_officer"), **decision(
            case, document_number=f"镇医保罚〔2026〕{n + 10}号", decided_on=timezone.localdate(), fine_amount=Decimal(n * 100)))
    assert queries(officer, url) == one
