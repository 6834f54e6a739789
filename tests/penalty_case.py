"""A case at 行政处理 (the head decided on administrative handling) and a penalty decision's fields: what
the tests of penalties, payments, rewards, credit records, publication and the new lists start from.

A module that needs the case names it as its own fixture, so that no test anywhere gets a penalty
case by asking for a fixture called `case`:

    @pytest.fixture
    def case(cast, tell):
        return decided_case(cast, tell)
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from casework import services
from casework.models import Handling, PenaltyKind
from demo import stories
from demo.driver import complete

INSTITUTION = stories.STORIES[4][4][0]  # 镇江康宁医院有限公司, the demo case's institution
PERSON = stories.STORIES[4][5][0]  # 李某某, its insured person
TODAY = timezone.localdate


def decided_case(cast, tell):
    """A case whose head decided on administrative handling: the 行政处理 task is open."""
    case = tell(stories.PENDING_DECISION, title="康宁医院重复收费案")
    head = cast.user("msb_head")
    complete(case.process, "decide", head, lambda: services.case_decide(
        case=case, user=head, handling=Handling.ADMINISTRATIVE, opinion="同意。"))
    case.refresh_from_db()
    return case


def decision(case, **changes) -> dict:
    """The fields of a penalty decision on the case's institution (a fine of 1,000 yuan today), with `changes`."""
    return {
        "subject": case.subjects.get(name=INSTITUTION), "document_number": "镇医保罚〔2026〕9号", "decided_on": TODAY(),
        "kinds": [PenaltyKind.FINE], "fine_amount": Decimal("1000.00"), **changes,
    }
