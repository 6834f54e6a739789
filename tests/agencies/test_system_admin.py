"""三员分立: the system administrator keeps the holiday calendar and the agencies, and sees no case."""

from __future__ import annotations

import pytest
from django.test import Client

from demo.scenario import system_admin_ensure
from demo.stories import SENT

pytestmark = pytest.mark.django_db


def test_system_admin_maintains_the_holiday_calendar_but_cannot_open_cases(cast, tell):
    case = tell(SENT)
    admin = Client()
    admin.force_login(system_admin_ensure())
    assert admin.get("/admin/casework/holidayyear/").status_code == 200
    page = admin.get("/admin/casework/calendarday/?date__year=2026").content.decode()
    assert "国庆节" in page
    for url in (f"/cases/{case.pk}/", f"/referrals/{case.referrals.get().pk}/", "/cases/", "/api/cases/"):
        response = admin.get(url)
        assert response.status_code in (403, 404) or case.number not in response.content.decode(), url
    assert admin.get("/api/cases/").json()["results"] == []
