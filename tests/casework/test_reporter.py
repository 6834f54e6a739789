"""A real-name reporter (令第5号): told of the filing decision within 5 working days, and kept out of
everything that leaves the bureau."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import AuditEvent
from casework.flows import CaseFlow
from casework.models import Case, ClockUnit, Deadline, DeadlineStatus

pytestmark = pytest.mark.django_db

LEAD = {"title": "实名举报康乐诊所虚开处方案", "source": "tip", "summary": "举报人反映诊所虚开处方。", "amount_involved": "9000.00",
        "reporter_real_name": "on", "reporter_name": "周某某", "reporter_contact": "13900001111"}


def register(client, **changes):
    return client.post(CaseFlow.register.reverse("execute"), {**LEAD, **changes})


def test_a_real_name_reporter_needs_a_name_and_a_contact_and_only_for_a_tip(cast, login):
    officer = login("msb_officer")
    assert "举报人姓名和联系方式" in register(officer, reporter_contact="").content.decode()
    assert "举报人姓名和联系方式" in register(officer, source="daily").content.decode()
    assert not Case.objects.exists()


def test_the_reporter_is_told_of_the_filing_decision_within_five_working_days(cast, login, flow_client):
    officer = login("msb_officer")
    assert register(officer).status_code == 302
    case = Case.objects.get()
    flow_client(officer).complete(case.process, "verify", {"propose_filing": "yes", "opinion": "属实。"})
    flow_client(login("msb_chief")).complete(case.process, "file_case", {
        "approve": "yes", "opinion": "同意。", "investigators": [cast.user("msb_officer").pk, cast.user("msb_officer2").pk]})
    clock = Deadline.objects.get(code="reporter.notice")
    assert (clock.amount, clock.unit, clock.responsible) == (5, ClockUnit.WORKING_DAYS, cast.user("msb_officer"))
    page = officer.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "周某某" in page and "登记告知举报人" in page

    response = officer.post(reverse("cases:reporter_notice", args=[case.pk]), {
        "channel": "电话", "notified_at": timezone.localtime().strftime("%Y-%m-%d %H:%M")})
    assert response.status_code == 302
    clock.refresh_from_db()
    assert clock.status == DeadlineStatus.MET
    case.refresh_from_db()
    assert case.reporter_notice_channel == "电话"
    # The reporter's identity is on the bureau's case page only — never in the audit trail.
    assert not AuditEvent.objects.filter(summary__contains="周某某").exists()
    assert not AuditEvent.objects.filter(data__icontains="13900001111").exists()


def test_an_unfiled_lead_also_starts_the_reporter_notice(cast, login, flow_client):
    officer = login("msb_officer")
    register(officer)
    case = Case.objects.get()
    flow_client(officer).complete(case.process, "verify", {"propose_filing": "no", "opinion": "查无实据。"})
    assert Deadline.objects.get(code="reporter.notice").status == DeadlineStatus.RUNNING
    assert login("psb_officer").get(reverse("cases:reporter_notice", args=[case.pk])).status_code == 404
