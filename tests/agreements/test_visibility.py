"""Who sees what: the holding 经办机构 handles; the MSBs over the region read; another city sees nothing."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from agreements.practitioners import practitioner_register
from agreements.models import ActionKind, AgreementAction

from .conftest import days_ago, register_institution, resident_id

pytestmark = pytest.mark.django_db


def listed_institutions(response) -> set[int]:
    assert response.status_code == 200
    return {int(pk) for pk in re.findall(r'href="/agreements/(\d+)/"', response.content.decode())}


def listed_practitioners(response) -> set[int]:
    assert response.status_code == 200
    return {int(pk) for pk in re.findall(r'href="/agreements/practitioners/(\d+)/"', response.content.decode())}


@pytest.fixture
def doctor(fund, kangning):
    return practitioner_register(user=fund, name="王医生", id_number=resident_id(901), institution=kangning)


@pytest.mark.parametrize("username", ["fund_officer", "msb_officer", "msb_leader", "js_msb_officer"])
def test_the_holding_agency_and_the_bureaus_over_the_region_see_the_institution(login, kangning, username):
    client = login(username)
    assert listed_institutions(client.get(reverse("agreements:index"))) == {kangning.pk}
    assert client.get(reverse("agreements:detail", args=[kangning.pk])).status_code == 200


def test_a_bureau_reads_but_cannot_handle(login, kangning):
    client = login("msb_officer")
    page = client.get(reverse("agreements:detail", args=[kangning.pk])).content.decode()
    assert "登记协议处理" not in page and "您可查阅" in page
    response = client.post(reverse("agreements:action_record", args=[kangning.pk]), {
        "kind": ActionKind.INTERVIEW, "decided_on": days_ago(1).isoformat(), "facts": "约谈。"})
    assert response.status_code == 403
    assert not AgreementAction.objects.exists()


def test_an_officer_of_another_city_sees_none_of_it(login, kangning, doctor):
    client = login("cz_msb_officer")
    assert listed_institutions(client.get(reverse("agreements:index"))) == set()
    assert listed_institutions(client.get(reverse("agreements:index"), {"q": "康宁"})) == set()
    assert client.get(reverse("agreements:detail", args=[kangning.pk])).status_code == 404
    response = client.post(reverse("agreements:action_record", args=[kangning.pk]), {
        "kind": ActionKind.INTERVIEW, "decided_on": days_ago(1).isoformat(), "facts": "约谈。"})
    assert response.status_code == 404
    assert listed_practitioners(client.get(reverse("agreements:practitioners"))) == set()
    assert listed_practitioners(client.get(reverse("agreements:practitioners"), {"q": "王医生"})) == set()
    assert not AgreementAction.objects.exists()


def test_another_citys_handling_agency_sees_none_of_the_institutions(cz_fund, kangning):
    from django.test import Client

    client = Client()
    client.force_login(cz_fund)
    assert listed_institutions(client.get(reverse("agreements:index"))) == set()
    assert client.get(reverse("agreements:detail", args=[kangning.pk])).status_code == 404
    own = register_institution(cz_fund, 310, name="常州仁爱医院有限公司", region="320400")
    assert listed_institutions(client.get(reverse("agreements:index"))) == {own.pk}


@pytest.mark.parametrize("username", ["psb_officer", "health_officer", "disc_officer"])
def test_other_agencies_have_no_access_at_all(login, kangning, doctor, username):
    client = login(username)
    assert client.get(reverse("agreements:index")).status_code == 403
    assert client.get(reverse("agreements:practitioner", args=[doctor.pk])).status_code == 403


def test_a_complete_id_number_finds_the_person_anywhere_and_a_partial_one_finds_nothing(login, doctor):
    """一医一档: another region's 经办机构 or bureau can look the person up by the full number only; the
    record itself (points, reasons) stays with the agencies over the person's institution."""
    client = login("cz_msb_officer")
    number = doctor.id_number
    assert listed_practitioners(client.get(reverse("agreements:practitioners"), {"q": number})) == {doctor.pk}
    assert listed_practitioners(client.get(reverse("agreements:practitioners"), {"q": number[:14]})) == set()
    assert client.get(reverse("agreements:practitioner", args=[doctor.pk])).status_code == 404
