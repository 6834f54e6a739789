"""搜索 (/search/): one box over the cases, referrals and 定点医药机构 the user may see, never beyond."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from casework.models import IdentifierType, SubjectKind
from demo.stories import LEAD, SENT
from tests.agreements.conftest import resident_id

pytestmark = pytest.mark.django_db

ID_NUMBER = resident_id(417)


@pytest.fixture
def world(cast, tell):
    from casework import services as case_services
    from demo.driver import register_case

    lead = tell(LEAD, title="润安医院虚记诊疗费用案")
    case_services.subject_add(case=lead, user=cast.user("msb_officer"), kind=SubjectKind.INSURED, name="顾某某",
                              identifier_type=IdentifierType.RESIDENT_ID, identifier=ID_NUMBER, address="镇江市")
    sent = tell(SENT, title="润安药房串换药品案")
    other = register_case(user=cast.user("cz_msb_officer"), title="润安诊所常州分所案", source="tip", summary="常州线索。",
                          source_detail="举报", amount_involved="1000.00")
    return lead, sent, other


def search(client: Client, q: str) -> str:
    response = client.get(reverse("search:index"), {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def test_an_officer_finds_cases_and_referrals_of_their_bureau_and_nothing_of_another_city(world, login):
    lead, sent, other = world
    page = search(login("msb_officer"), "润安")
    assert lead.title in page and sent.title in page and 'data-testid="search-referrals"' in page
    assert other.title not in page
    page = search(login("cz_msb_officer"), "润安")
    assert other.title in page and lead.title not in page and sent.title not in page


def test_a_full_id_number_finds_its_case_without_showing_the_number(world, login):
    lead, _, _ = world
    page = search(login("msb_officer"), ID_NUMBER)
    assert lead.number in page and lead.title in page
    assert page.count(ID_NUMBER) == 1  # in the search box only, not in the results
    assert 'data-testid="search-nothing"' in search(login("cz_msb_officer"), ID_NUMBER)


def test_the_police_find_the_transfer_they_received_by_its_letter_number(world, login):
    _, sent, _ = world
    number = sent.referrals.get().documents.exclude(number="").first().number
    page = search(login("psb_officer"), number)
    assert 'data-testid="search-referrals"' in page and sent.title in page


def test_a_long_list_links_to_the_full_results(cast, tell, login):
    for n in range(11):
        tell(LEAD, title=f"惠康门诊部第{n}号线索")
    page = search(login("msb_officer"), "惠康门诊部")
    assert page.count("惠康门诊部第") == 10 and f"{reverse('cases:index')}?q=" in page


def test_visitors_sign_in_and_administrators_are_refused(cast):
    from demo.scenario import system_admin_ensure

    response = Client().get(reverse("search:index"), {"q": "医院"})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    admin = Client()
    admin.force_login(system_admin_ensure())
    assert admin.get(reverse("search:index"), {"q": "医院"}).status_code == 403


def test_the_search_is_in_every_officers_menu(cast, login):
    assert f'href="{reverse("search:index")}"' in login("psb_officer").get(reverse("workflow:work")).content.decode()


def test_the_api_answers_the_same_scoped_search(world, login):
    lead, sent, other = world
    body = login("msb_officer").get("/api/search/", {"q": "润安"}).json()
    assert {row["title"] for row in body["cases"]["results"]} >= {lead.title, sent.title}
    assert other.title not in str(body) and body["cases"]["more"] is None
    assert body["referrals"]["results"][0]["url"] == reverse("referrals:detail", args=[sent.referrals.get().pk])
    found = login("msb_officer").get("/api/search/", {"q": ID_NUMBER}).json()
    assert [row["number"] for row in found["cases"]["results"]] == [lead.number] and ID_NUMBER not in str(found["cases"])
    assert login("cz_msb_officer").get("/api/search/", {"q": ID_NUMBER}).json()["cases"]["results"] == []
    refused = login("msb_officer").get("/api/search/", {"q": " "})
    assert refused.status_code == 400 and "请填写搜索关键词" in refused.content.decode()
    assert Client().get("/api/search/", {"q": "润安"}).status_code == 403


def test_a_code_is_searched_as_a_partys_code_and_still_only_within_what_the_officer_sees(world, login, cast):
    """A full code is looked up in the parties' index (casework.selectors.IDENTIFIER), in either case of letters."""
    lead, _, other = world
    page = search(login("msb_officer"), ID_NUMBER.lower())
    assert lead.number in page
    assert 'data-testid="search-nothing"' in search(login("cz_msb_officer"), ID_NUMBER.lower())
    assert lead.number in login("msb_officer").get(reverse("cases:index"), {"q": ID_NUMBER}).content.decode()


@pytest.fixture(params=["index", "per grant"])
def lookup(request, monkeypatch):
    """Each search twice: a word of three characters or more looked up first in the trigram indexes (on
    PostgreSQL: agencies.visibility.rare_matches), and checked on each grant's object instead."""
    from agencies import visibility

    if request.param == "per grant":
        monkeypatch.setattr(visibility, "TRIGRAM", 10**6)
    return request.param


def found_titles(user, q: str) -> dict[str, set[str]]:
    from search.selectors import search_sections

    return {section.kind: {getattr(row, "title", None) or getattr(row, "case_title", None) or row.name for row in section.rows}
            for section in search_sections(user=user, q=q)}


def test_a_longer_word_finds_the_same_cases_and_referrals_either_way_and_nothing_of_another_city(world, cast, lookup):
    lead, sent, other = world
    officer, other_officer = cast.user("msb_officer"), cast.user("cz_msb_officer")
    assert found_titles(officer, "润安医院")["cases"] == {lead.title}
    assert found_titles(officer, "润安药房串换") == {"cases": {sent.title}, "referrals": {sent.referrals.get().case_title}, "institutions": set()}
    assert found_titles(officer, "顾某某")["cases"] == {lead.title}  # a party's name
    assert found_titles(officer, lead.number[2:])["cases"] == {lead.title}  # part of a case number
    assert found_titles(officer, "润安诊所常州") == {"cases": set(), "referrals": set(), "institutions": set()}
    assert found_titles(other_officer, "润安诊所常州")["cases"] == {other.title}
    number = sent.referrals.get().documents.exclude(number="").first().number
    assert found_titles(cast.user("psb_officer"), number[1:])["referrals"] == {sent.referrals.get().case_title}


def test_a_word_found_in_more_objects_than_handed_over_is_checked_per_grant(cast, tell, monkeypatch):
    """Past RARE matches the word is common: the grants are read in order and each case checked, with the
    same results."""
    from agencies import visibility

    first, second = tell(LEAD, title="宏济堂诊所甲案"), tell(LEAD, title="宏济堂诊所乙案")
    monkeypatch.setattr(visibility, "RARE", 1)
    assert found_titles(cast.user("msb_officer"), "宏济堂")["cases"] == {first.title, second.title}
    assert found_titles(cast.user("cz_msb_officer"), "宏济堂")["cases"] == set()


def test_a_full_case_number_or_letter_number_is_searched_as_a_number(world, cast, lookup):
    """A full number (…〔2026〕12号) is looked up in the numbers' unique indexes: its case, the referrals of
    that case, the referral that issued a 文号 — and nothing whose number merely shares its register."""
    from casework.selectors import FULL_NUMBER

    lead, sent, _ = world
    officer = cast.user("msb_officer")
    assert FULL_NUMBER.match(lead.number) and FULL_NUMBER.match(sent.referrals.get().documents.exclude(number="").first().number)
    assert found_titles(officer, lead.number) == {"cases": {lead.title}, "referrals": set(), "institutions": set()}
    referral = sent.referrals.get()
    assert found_titles(officer, sent.number) == {"cases": {sent.title}, "referrals": {referral.case_title}, "institutions": set()}
    letter = referral.documents.exclude(number="").first().number
    assert found_titles(cast.user("psb_officer"), letter)["referrals"] == {referral.case_title}
    assert found_titles(cast.user("cz_msb_officer"), lead.number)["cases"] == set()
    assert found_titles(officer, lead.number[2:])["cases"] == {lead.title}  # a piece of it is searched as a word
