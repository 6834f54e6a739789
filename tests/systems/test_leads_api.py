"""接入线索: a connected system pushes a lead with its own token and an idempotency key; the lead
waits in the bureau's list (no machine's inbox, no case yet) until an officer signs for it — the
case is then the bureau's, the officer its 承办人, its filing clock running from receipt — or returns
it with a reason the system can read. The token reaches nothing else; the API never fails on any input."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies.models import AuditEvent
from casework import calendar
from casework.models import Case, Deadline
from systems.models import ConnectedSystem, LeadStatus, SubmittedLead

pytestmark = pytest.mark.django_db

LEAD = {"title": "镇江某医院涉嫌虚构住院骗取医保基金案", "source": "tip", "source_detail": "12393-20261205-0031",
        "summary": "举报人反映该院以体检名义收住院，虚构住院天数。", "amount_involved": "12000.50",
        "reporter_real_name": True, "reporter_name": "钱某某", "reporter_contact": "13900001111"}

@pytest.fixture
def hotline(cast):
    system = ConnectedSystem(name="12393医保服务热线系统", agency=cast.agencies["zj-msb"])
    token = system.token_set()
    system.save()
    return system, token

def push(token: str, body: dict, key: str = "hotline-0031", **headers):
    client = Client()
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}", **headers}
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post("/api/leads/", body, content_type="application/json", **extra)

def test_a_pushed_lead_waits_for_the_bureau_and_becomes_the_signers_case(hotline, login, cast):
    system, token = hotline
    response = push(token, LEAD)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["status_display"], body["case_number"]) == ("pending", "待签收", None)
    assert not Case.objects.exists()  # nothing registered, nobody's inbox holds it
    assert "接入系统“12393医保服务热线系统”推送线索" in AuditEvent.objects.get(verb="lead.submitted").summary

    officer = login("msb_officer2")
    listing = officer.get(reverse("systems:index")).content.decode()
    assert "待签收 1 条" in listing and LEAD["title"] in listing and "12393-20261205-0031" in listing
    lead = SubmittedLead.objects.get()
    page = officer.post(reverse("systems:index"), {"lead": lead.pk, "action": "accept"})
    case = Case.objects.get()
    assert page.url == reverse("cases:detail", args=[case.pk])
    assert (case.lead_officer, case.registered_by, case.agency) == (cast.user("msb_officer2"),) * 2 + (cast.agencies["zj-msb"],)
    assert (case.source, case.reporter_real_name, case.registered_at) == ("tip", True, lead.received_at)
    clock = Deadline.objects.get(target_type="casework.case", code="case.filing")
    received_on = timezone.localtime(lead.received_at).date()
    assert timezone.localtime(clock.due_at).date() == calendar.add_working_days(received_on, 15)

    state = Client().get(f"/api/leads/{lead.pk}/", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert (state["status"], state["case_number"]) == ("accepted", case.number)
    assert "钱某某" not in str(state)  # the system reads back the state, never the reporter

def test_the_same_key_gives_the_same_lead_and_other_content_under_it_is_refused(hotline):
    _, token = hotline
    first = push(token, LEAD).json()
    again = push(token, LEAD)
    assert again.status_code == 200 and again.json() == first
    other = push(token, {**LEAD, "title": "另一条线索"})
    assert other.status_code == 409 and "已用于内容不同的线索" in other.json()["detail"]
    assert push(token, {**LEAD, "title": "另一条线索"}, key="hotline-0032").status_code == 201
    assert SubmittedLead.objects.count() == 2

@pytest.mark.parametrize("change, key, status, message", [
    ({}, None, 400, "请在请求头中提供幂等键"),
    ({"reporter_contact": ""}, "k1", 400, "实名举报的，请填写举报人姓名和联系方式"),
    ({"source": "police"}, "k2", 400, "“police” 不是合法选项"),  # the police hand over through 移送, not this API
    ({"amount_involved": "-1"}, "k3", 400, "amount_involved"),
    ({"title": "   "}, "k4", 400, "title"),
])
def test_bad_input_is_named_and_nothing_is_received(hotline, change, key, status, message):
    _, token = hotline
    response = push(token, {**LEAD, **change}, key=key)
    assert response.status_code == status and message in response.content.decode()
    assert not SubmittedLead.objects.exists() and not AuditEvent.objects.filter(verb="lead.submitted").exists()

def test_the_token_is_the_only_way_in_and_reaches_nothing_else(hotline, login, cast):
    system, token = hotline
    assert push("lb_not-a-token", LEAD).status_code == 401
    assert login("msb_officer").post("/api/leads/", LEAD, content_type="application/json",
                                     HTTP_IDEMPOTENCY_KEY="x").status_code == 401  # an officer's session is not a system
    assert Client().get("/api/cases/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 403
    system.active = False
    system.save()
    assert push(token, LEAD).status_code == 401
    assert not SubmittedLead.objects.exists()

def test_a_system_reads_only_its_own_leads_and_another_bureau_cannot_sign_for_them(hotline, cast, login):
    _, token = hotline
    lead_id = push(token, LEAD).json()["id"]
    other = ConnectedSystem(name="常州市智能监管平台", agency=cast.agencies["cz-msb"])
    other_token = other.token_set()
    other.save()
    assert Client().get(f"/api/leads/{lead_id}/", HTTP_AUTHORIZATION=f"Bearer {other_token}").status_code == 404
    changzhou = login("cz_msb_officer")
    assert LEAD["title"] not in changzhou.get(reverse("systems:index")).content.decode()
    assert changzhou.post(reverse("systems:index"), {"lead": lead_id, "action": "accept"}).status_code == 404
    assert SubmittedLead.objects.get().status == LeadStatus.PENDING

def test_a_returned_lead_says_why(hotline, login):
    _, token = hotline
    lead_id = push(token, LEAD).json()["id"]
    officer = login("msb_officer")
    officer.post(reverse("systems:index"), {"lead": lead_id, "action": "return", "reason": " "})
    assert SubmittedLead.objects.get().status == LeadStatus.PENDING  # a reason is required
    officer.post(reverse("systems:index"), {"lead": lead_id, "action": "return", "reason": "不属本局管辖，请推送至常州市医保局。"})
    state = Client().get(f"/api/leads/{lead_id}/", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert (state["status"], state["return_reason"]) == ("returned", "不属本局管辖，请推送至常州市医保局。")
    assert SubmittedLead.objects.get().handled_by.username == "msb_officer" and not Case.objects.exists()

def test_the_security_administrator_connects_a_system_and_replaces_its_token(cast):
    from demo.scenario import system_admin_ensure

    system_admin_ensure()
    admin = Client()
    admin.force_login(type(cast.user("msb_officer")).objects.get(username="secadmin"))
    response = admin.post("/admin/systems/connectedsystem/add/", {"name": "省医保智能监管平台", "agency": cast.agencies["zj-msb"].pk,
                                                                   "active": "on"}, follow=True)
    shown = response.content.decode()
    token = shown.split("请立即交给该系统的管理员保存）：", 1)[1].split("<", 1)[0].strip()
    assert push(token, LEAD).status_code == 201
    system = ConnectedSystem.objects.get(name="省医保智能监管平台")
    assert token not in str(ConnectedSystem.objects.values_list()) and system.token_hint == token[:10]
    replaced = admin.post("/admin/systems/connectedsystem/", {"action": "replace_tokens", "_selected_action": [system.pk]}, follow=True)
    new = replaced.content.decode().split("请立即交给该系统的管理员保存）：", 1)[1].split("<", 1)[0].strip()
    assert push(token, LEAD, key="k-old").status_code == 401 and push(new, LEAD, key="k-new").status_code == 201
    assert AuditEvent.objects.filter(verb="admin.connectedsystem.token_replaced", thread="security").exists()


def test_the_police_system_reads_where_the_transfers_sent_to_it_stand(cast, tell):
    from demo.stories import SENT
    from referral.models import Referral

    transfer = tell(SENT, title="接入系统查询的移送案").referrals.get()
    police = ConnectedSystem(name="镇江市公安局执法办案系统", agency=cast.agencies["zj-psb"])
    token = police.token_set()
    police.save()
    listing = Client().get("/api/referral-status/", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert [(r["id"], r["status"], r["from_agency"], r["case_title"]) for r in listing["results"]] == [
        (transfer.pk, transfer.status, "镇江市医疗保障局", "接入系统查询的移送案")]
    assert "facts" not in listing["results"][0]  # the package is read on Lianban's pages, by people

    elsewhere = ConnectedSystem(name="常州市公安局执法办案系统", agency=cast.agencies["cz-psb"])
    other_token = elsewhere.token_set()
    elsewhere.save()
    assert Client().get("/api/referral-status/", HTTP_AUTHORIZATION=f"Bearer {other_token}").json()["results"] == []
    assert Client().get(f"/api/referral-status/{transfer.pk}/", HTTP_AUTHORIZATION=f"Bearer {other_token}").status_code == 404
    assert Referral.objects.filter(to_agency=cast.agencies["zj-psb"]).count() == 1

    refused = push(token, LEAD)
    assert refused.status_code == 403 and "只有医疗保障局的接入系统可以推送线索" in refused.json()["detail"]
    assert not SubmittedLead.objects.exists()
