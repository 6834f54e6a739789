"""/api/: the same scoping as the pages, and an OpenAPI schema."""

from __future__ import annotations

import pytest
from django.test import Client

from demo.stories import SENT
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_schema_describes_every_endpoint(cast, login):
    response = login("msb_officer").get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ("/api/cases/", "/api/referrals/", "/api/notifications/", "/api/supervisions/", "/api/resolutions/"):
        assert path in text


def test_anonymous_callers_are_refused():
    for url in ("/api/cases/", "/api/referrals/", "/api/notifications/", "/api/supervisions/", "/api/resolutions/"):
        assert Client().get(url).status_code == 403


def test_cases_are_listed_only_to_their_agency(cast, login, tell):
    case = tell(SENT)
    assert [row["number"] for row in login("msb_officer").get("/api/cases/").json()["results"]] == [case.number]
    for outsider in ("psb_officer", "cz_msb_officer", "health_officer"):
        assert login(outsider).get("/api/cases/").json()["results"] == []
        assert login(outsider).get(f"/api/cases/{case.pk}/").status_code == 404


def test_police_get_the_package_but_not_the_bureau_internal_notes(cast, login, tell):
    case = tell(SENT)
    referral = case.referrals.get()
    body = login("psb_officer").get(f"/api/referrals/{referral.pk}/").json()
    numbers = {document["title"]: document["number"] for document in body["documents"]}
    assert body["status"] == "sent" and numbers["涉嫌犯罪案件移送书"].startswith("镇医保移〔")
    assert len(body["manifest"]) == case.evidence.count()
    assert case.verification_opinion not in str(body) and "verification_opinion" not in body
    assert login("cz_psb_officer").get(f"/api/referrals/{referral.pk}/").status_code == 404


def test_notifications_after_an_id_and_mark_read(cast, login, tell):
    tell(SENT)
    police = cast.user("psb_officer")
    client = login("psb_officer")
    mine = list(Notification.objects.filter(recipient=police).order_by("id"))
    assert mine, "the transfer notified the police"
    newer = client.get(f"/api/notifications/?after={mine[0].id - 1}").json()["results"]
    assert [row["id"] for row in newer] == [n.id for n in mine]
    response = client.post(f"/api/notifications/{mine[0].id}/read/")
    assert response.status_code == 200 and response.json()["unread"] == len(mine) - 1
    other = Notification.objects.exclude(recipient=police).first()
    assert client.post(f"/api/notifications/{other.id}/read/").status_code == 404


def test_schema_generates_without_warnings():
    """A client generator can trust the schema: drf-spectacular validates it and reports no warnings."""
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_supervisions_and_resolutions_are_listed_to_the_agencies_concerned(cast, login):
    from django.core.management import call_command

    call_command("demo", "--quiet")
    for user in ("js_msb_head", "msb_officer"):
        rows = login(user).get("/api/supervisions/").json()["results"]
        assert [(row["case_title"], row["status"]) for row in rows] == [("博爱医院挂床住院骗保案", "active")], user
    police = login("psb_officer").get("/api/resolutions/").json()["results"]
    assert {row["owner"] for row in police} == {"镇江市公安局", "镇江市卫生健康委员会"}
    assert [row["overdue"] for row in police if row["owner"] == "镇江市公安局"] == [True]
    for outsider in ("cz_msb_officer", "cz_psb_officer"):
        assert login(outsider).get("/api/supervisions/").json()["results"] == []
        assert login(outsider).get("/api/resolutions/").json()["results"] == []
