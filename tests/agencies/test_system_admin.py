"""三员分立: the system administrator keeps the holiday calendar and the agencies, sees no case, and is
not a superuser; its calendar changes are audited."""

from __future__ import annotations

import pytest
from django.test import Client

from agencies.administrators import AdminRole, role_of
from agencies.models import AuditEvent
from casework.models import CalendarDay
from demo.scenario import system_admin_ensure
from demo.stories import SENT

pytestmark = pytest.mark.django_db


def test_system_admin_maintains_the_holiday_calendar_but_cannot_open_cases(cast, tell):
    case = tell(SENT)
    user = system_admin_ensure()
    assert not user.is_superuser and role_of(user) == AdminRole.SYSTEM
    admin = Client()
    admin.force_login(user)
    assert admin.get("/admin/casework/holidayyear/").status_code == 200
    page = admin.get("/admin/casework/calendarday/?date__year=2026").content.decode()
    assert "国庆节" in page
    for url in (f"/cases/{case.pk}/", f"/referrals/{case.referrals.get().pk}/", "/cases/", "/api/cases/"):
        response = admin.get(url)
        assert response.status_code in (403, 404) or case.number not in response.content.decode(), url
    response = admin.get("/api/cases/")
    assert response.status_code == 403 or response.json()["results"] == []


def test_a_calendar_day_entered_by_the_system_admin_is_in_the_audit_trail(cast):
    admin = Client()
    admin.force_login(system_admin_ensure())
    response = admin.post("/admin/casework/calendarday/add/", {"date": "2026-11-28", "is_working_day": "on", "name": "调休上班"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CalendarDay.objects.filter(name="调休上班").exists()
    event = AuditEvent.objects.get(thread="security", verb="admin.calendarday.added")
    assert event.actor.username == "sysadmin" and "2026-11-28" in event.summary
