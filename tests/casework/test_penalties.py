"""行政处理 records the penalty decisions (行政处罚决定) as data: party, 文号, date, kinds and amounts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casework import penalties
from casework.models import CaseStatus, PenaltyDecision, PenaltyKind
from demo import scenario, stories
from tests.penalty_case import INSTITUTION, PERSON, TODAY, decided_case, decision

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(cast, tell):
    return decided_case(cast, tell)


def rows(case, *decisions: dict) -> dict:
    data = {"outcome": "依法作出行政处罚决定。", "penalties-TOTAL_FORMS": "3", "penalties-INITIAL_FORMS": "0",
            "penalties-MIN_NUM_FORMS": "0", "penalties-MAX_NUM_FORMS": "30"}
    for index, fields in enumerate(decisions):
        for key, value in fields.items():
            if key == "subject":
                value = str(case.subjects.get(name=value).pk)
            data[f"penalties-{index}-{key}"] = value
    return data


def test_the_handling_page_records_each_decision_and_the_case_page_lists_them(case, login, flow_client):
    officer = flow_client(login("msb_officer"))
    urls = officer.urls(case.process, "handle_administratively")
    officer.client.post(urls["assign"])
    page = officer.client.get(urls["execute"]).content.decode()
    assert "行政处罚决定" in page and "决定书文号" in page and INSTITUTION in page and "暂停医疗费用联网结算" in page
    officer.complete(case.process, "handle_administratively", rows(
        case,
        {"subject": INSTITUTION, "document_number": "镇医保罚〔2026〕7号", "decided_on": TODAY().isoformat(),
         "kinds": [PenaltyKind.WARNING, PenaltyKind.FINE, PenaltyKind.REFUND], "fine_amount": "46320.50",
         "refund_amount": "23160.25"},
        {"subject": PERSON, "document_number": "镇医保罚〔2026〕8号", "decided_on": TODAY().isoformat(),
         "kinds": [PenaltyKind.SUSPEND_SETTLEMENT]},
    ))
    decisions = list(case.penalties.order_by("document_number"))
    assert [(d.subject.name, d.kinds, d.fine_amount, d.refund_amount) for d in decisions] == [
        (INSTITUTION, ["warning", "fine", "refund"], Decimal("46320.50"), Decimal("23160.25")),
        (PERSON, ["suspend_settlement"], None, None),
    ]
    detail = login("msb_officer").get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "镇医保罚〔2026〕7号" in detail and "警告、罚款、责令退回" in detail and "46320.50" in detail
    assert "行政处罚决定（镇医保罚〔2026〕8号）：李某某，暂停医疗费用联网结算" in detail  # on the timeline
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.outcome == "依法作出行政处罚决定。"


def test_a_fine_without_its_amount_is_shown_on_its_row_and_nothing_is_recorded(case, login, flow_client):
    officer = flow_client(login("msb_officer"))
    urls = officer.urls(case.process, "handle_administratively")
    client = officer.client
    client.post(urls["assign"])
    response = client.post(urls["execute"], rows(
        case,
        {"subject": INSTITUTION, "document_number": "镇医保罚〔2026〕7号", "decided_on": TODAY().isoformat(),
         "kinds": [PenaltyKind.WARNING]},
        {"subject": PERSON, "document_number": "镇医保罚〔2026〕8号", "decided_on": TODAY().isoformat(),
         "kinds": [PenaltyKind.FINE]},
    ))
    page = response.content.decode()
    assert response.status_code == 200
    assert "罚款应填写金额（大于0元）。" in page and "处罚决定有误，请按标出的提示修改后再提交。" in page
    assert not PenaltyDecision.objects.exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.ADMIN_HANDLING and case.outcome == ""


def test_an_outcome_without_decisions_still_closes_the_case(case, login, flow_client):
    """Not every 行政处理 ends in a penalty (不予处罚, agreement handling only): the table may stay empty."""
    flow_client(login("msb_officer")).complete(case.process, "handle_administratively", rows(case))
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and not case.penalties.exists()


def test_a_post_without_the_table_records_the_outcome_alone(case, login, flow_client):
    """A client that sends only the outcome text (as before the table existed) still completes the step."""
    flow_client(login("msb_officer")).complete(case.process, "handle_administratively", {"outcome": "不予行政处罚。"})
    case.refresh_from_db()
    assert case.outcome == "不予行政处罚。" and not case.penalties.exists()


@pytest.mark.parametrize("changes, field, message", [
    ({"decided_on": TODAY() + timedelta(days=1)}, "decided_on", "决定日期不能晚于今天。"),
    ({"decided_on": TODAY() - timedelta(days=30)}, "decided_on", "决定日期不能早于立案日期"),
    ({"fine_amount": None}, "fine_amount", "罚款应填写金额（大于0元）。"),
    ({"fine_amount": Decimal("-1")}, "fine_amount", "大于或等于"),
    ({"refund_amount": Decimal("50")}, "refund_amount", "未选择“责令退回”，请不要填写责令退回金额。"),
    ({"kinds": []}, "kinds", "请选择处罚种类。"),
    ({"kinds": [PenaltyKind.SUSPEND_SETTLEMENT], "fine_amount": None}, "kinds", "只适用于个人"),
    ({"document_number": " "}, "document_number", "请填写决定书文号。"),
])
def test_each_rule_is_checked_with_a_chinese_message_on_its_field(case, cast, changes, field, message):
    with pytest.raises(ValidationError) as raised:
        penalties.penalty_record(case=case, user=cast.user("msb_officer"), **decision(case, **changes))
    assert any(message in text for text in raised.value.message_dict[field])
    assert not PenaltyDecision.objects.exists()


def test_the_party_must_be_of_this_case_and_a_number_is_used_once(case, cast, tell):
    officer = cast.user("msb_officer")
    other = tell(stories.LEAD, title="另一案件")
    with pytest.raises(ValidationError) as raised:
        penalties.penalty_record(case=case, user=officer, **decision(case, subject=other.subjects.first()))
    assert raised.value.message_dict["subject"] == ["被处罚的当事人应为本案当事人。"]
    penalties.penalty_record(case=case, user=officer, **decision(case))
    with pytest.raises(ValidationError) as raised:
        penalties.penalty_record(case=case, user=officer, **decision(case))
    assert raised.value.message_dict["document_number"] == ["决定书文号“镇医保罚〔2026〕9号”已经登记过。"]
    assert case.penalties.count() == 1


def test_decisions_are_recorded_only_at_the_handling_step(cast, tell):
    lead = tell(stories.INVESTIGATING, title="调查中的案件")
    with pytest.raises(ValidationError, match="只有行政处理阶段可以登记处罚决定"):
        penalties.penalty_record(case=lead, user=cast.user("msb_officer"), **decision(lead))


def test_the_demo_closed_case_carries_its_decision(cast, tell):
    case = tell(stories.CLOSED, title="同心药房超量开药案")
    penalty = case.penalties.get()
    assert penalty.kinds == [PenaltyKind.FINE, PenaltyKind.REFUND]
    assert penalty.fine_amount == penalty.refund_amount == scenario.DEMO_AMOUNT
    assert penalty.document_number == f"镇医保罚〔{TODAY().year}〕1号" and penalty.document_number in case.outcome
