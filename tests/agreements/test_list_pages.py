"""The institution, designation-application, practitioner and inspection lists page by cursor: each is one
query scoped to what the officer may see (agreements.permissions), read in the order of an index of
its own past the last row's key. Every visible row comes once and in order, forwards and back through
上一页, whatever the page size; another city's officers see none of 镇江's rows."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from django.contrib.auth import get_user_model

from agencies.models import AgencyKind, AgencyLevel, Role
from agencies.permissions import officer_of
from agencies.regions import region_covers
from agencies.services import agency_create, officer_create
from agreements import selectors
from agreements.models import DesignationApplication, Institution, InstitutionKind, PaymentStatus, Practitioner
from agreements.permissions import can_view_institution
from casework.paging import KeysetPaginator, cursor_decode, cursor_encode
from inspections.models import Inspection, InspectionKind
from inspections.selectors import inspection_list_for_user, inspection_pages_for_user
from tests.paging import walk

from .conftest import resident_id, today, uscc

pytestmark = pytest.mark.django_db

ZHENJIANG = ("fund_officer", "msb_officer", "jk_msb_officer", "js_msb_officer")
CHANGZHOU = ("cz_fund_officer", "cz_msb_officer")


@pytest.fixture
def jk_msb(cast):
    """京口区医保局: a district bureau, which reads only the institutions of 京口区 (321102)."""
    agency = agency_create(
        code="zj-jk-msb", name="镇江市京口区医疗保障局", short_name="京口区医保局", kind=AgencyKind.MSB,
        level=AgencyLevel.COUNTY, region_code="321102", region_name="镇江市京口区", doc_prefix="京医保",
        parent=cast.agencies["zj-msb"],
    )
    return officer_create(username="jk_msb_officer", full_name="许明", agency=agency, role=Role.OFFICER).user


@pytest.fixture
def rows(cast, fund, cz_fund, jk_msb):
    """镇江's institutions in three districts (two with the same name in one district), two 常州 ones; each
    with two practitioners (names repeated), applications and inspections, several on the same day."""
    zj_fund, cz_agency = cast.agencies["zj-fund"], officer_of(cz_fund).agency
    regions = ["321102", "321100", "321111", "321102", "321102", "321111", "321100"]
    names = ["镇江甲医院", "镇江乙药店", "镇江丙医院", "镇江同名诊所", "镇江同名诊所", "镇江丁医院", "镇江戊药店"]
    places = [(zj_fund, region, name, fund) for region, name in zip(regions, names)]
    places += [(cz_agency, "320400", "常州甲医院", cz_fund), (cz_agency, "320402", "常州乙药店", cz_fund)]
    start = today() - timedelta(days=100)
    institutions = []
    for serial, (agency, region, name, user) in enumerate(places, start=100):
        organisation = dict(
            name=name, kind=InstitutionKind.HOSPITAL, legal_representative=f"法人{serial}",
            legal_representative_id=resident_id(serial), region_code=region,
        )
        institution = Institution.objects.create(
            **organisation, uscc=uscc(serial, region), agency=agency, agreement_start=start,
            agreement_end=start + timedelta(days=1000),
        )
        institutions.append(institution)
        DesignationApplication.objects.create(
            **organisation, uscc=uscc(serial + 300, region), agency=agency, received_by=user,
            received_on=today() - timedelta(days=serial % 3),
        )
        for number in range(2):
            Practitioner.objects.create(
                name=f"医生{serial % 4}", id_number=resident_id(serial * 2 + number + 200, region), institution=institution,
                status=PaymentStatus.SUSPENDED if number else PaymentStatus.NORMAL,
            )
        for kind in (InspectionKind.DAILY, InspectionKind.SPECIAL)[: 1 + serial % 2]:
            Inspection.objects.create(
                institution=institution, kind=kind, inspected_on=today() - timedelta(days=serial % 2), agency=agency,
                findings="未发现违法违规问题", recorded_by=user,
            )
    return institutions


def officer(username: str):
    return get_user_model().objects.get(username=username)


def lists(user):
    """{name: (the pages the view reads, the same list as a plain ordered queryset)} for each list and filter."""
    return {
        "institutions": (selectors.institution_pages_for_user(user=user), selectors.institution_list_for_user(user=user)),
        "institutions 同名": (selectors.institution_pages_for_user(user=user, search="同名"),
                            selectors.institution_list_for_user(user=user, search="同名")),
        "institutions normal": (selectors.institution_pages_for_user(user=user, status="normal"),
                               selectors.institution_list_for_user(user=user, status="normal")),
        "applications": (selectors.application_pages_for_user(user=user), selectors.application_list_for_user(user=user)),
        "applications 医院": (selectors.application_pages_for_user(user=user, search="医院"),
                            selectors.application_list_for_user(user=user, search="医院")),
        "practitioners": (selectors.practitioner_pages_for_user(user=user), selectors.practitioner_list_for_user(user=user)),
        "practitioners suspended": (selectors.practitioner_pages_for_user(user=user, status="suspended"),
                                    selectors.practitioner_list_for_user(user=user, status="suspended")),
        "inspections": (inspection_pages_for_user(user=user), inspection_list_for_user(user=user)),
        "inspections daily": (inspection_pages_for_user(user=user, kind="daily"), inspection_list_for_user(user=user, kind="daily")),
    }


def seen_by(user) -> dict[str, set[int]]:
    """What each unfiltered list should hold, straight from the permission predicate on every row."""
    institutions = {i.pk for i in Institution.objects.all() if can_view_institution(user, i)}
    agency = officer_of(user).agency
    applications = {
        a.pk for a in DesignationApplication.objects.all()
        if (a.agency_id == agency.pk if agency.kind == AgencyKind.HANDLING else region_covers(agency.region_code, a.region_code))
    }
    return {
        "institutions": institutions,
        "practitioners": set(Practitioner.objects.filter(institution__in=institutions).values_list("pk", flat=True)),
        "inspections": set(Inspection.objects.filter(institution__in=institutions).values_list("pk", flat=True)),
        "applications": applications,
    }


def test_every_list_pages_each_visible_row_once_in_order_forwards_and_back(rows):
    for username in ZHENJIANG + CHANGZHOU:
        user = officer(username)
        for name, (pages, listed) in lists(user).items():
            expected = list(listed.values_list("pk", flat=True))
            for size in (1, 2, 3, 20):
                assert walk(pages, size) == expected, (username, name, size)
        for name, pks in seen_by(user).items():
            assert set(walk(lists(user)[name][0], 2)) == pks, (username, name)


def test_the_lists_hold_what_each_agency_should_see(rows):
    """The holding 经办机构 and the bureaus over 镇江 see its seven institutions; the district bureau the
    three of 京口区; 常州's see only their own two (of 镇江's, nothing)."""
    counts = {"fund_officer": 7, "msb_officer": 7, "js_msb_officer": 9, "jk_msb_officer": 3, "cz_fund_officer": 2,
              "cz_msb_officer": 2}
    zhenjiang = {i.pk for i in rows[:7]}
    for username, count in counts.items():
        user = officer(username)
        institutions = set(walk(selectors.institution_pages_for_user(user=user), 2))
        assert len(institutions) == count, username
        assert len(set(walk(selectors.practitioner_pages_for_user(user=user), 2))) == 2 * count, username
        if username.startswith("cz_"):
            assert not institutions & zhenjiang
            assert not Practitioner.objects.filter(
                pk__in=walk(selectors.practitioner_pages_for_user(user=user), 3), institution__in=zhenjiang)
            assert not Inspection.objects.filter(pk__in=walk(inspection_pages_for_user(user=user), 3), institution__in=zhenjiang)
            assert not DesignationApplication.objects.filter(
                pk__in=walk(selectors.application_pages_for_user(user=user), 3), region_code__startswith="3211")


def test_a_complete_id_number_finds_the_person_anywhere_in_one_row(rows):
    doctor = Practitioner.objects.filter(institution=rows[0]).first()
    pages = selectors.practitioner_pages_for_user(user=officer("cz_msb_officer"), search=doctor.id_number)
    assert walk(pages, 1) == [doctor.pk]


LIST_URLS = {
    "agreements:index": ("agreements.views.InstitutionListView", r'<td><a href="/agreements/(\d+)/"'),
    "agreements:applications": ("agreements.views.ApplicationListView", r"<td><code>(\w+)</code>"),
    "agreements:practitioners": ("agreements.views.PractitionerListView", r'href="/agreements/practitioners/(\d+)/"'),
    "inspections:index": ("inspections.views.InspectionListView", r"<td>([^<]*问题)</td>"),
}


def follow(client, url: str, link: str, pattern: str) -> tuple[list[list[str]], list[list[str]]]:
    """Every page through 下一页, then back through 上一页: the rows found on each page, each way."""
    forwards, backwards, page = [], [], client.get(url)
    while True:
        assert page.status_code == 200
        text = page.content.decode()
        forwards.append(re.findall(pattern, text))
        found = re.search(rf'href="(\?[^"]*)">{link}', text)
        if not found:
            break
        page = client.get(url + html.unescape(found.group(1)))
    while found := re.search(r'href="(\?[^"]*)">上一页', page.content.decode()):
        page = client.get(url + html.unescape(found.group(1)))
        backwards.append(re.findall(pattern, page.content.decode()))
    return forwards, backwards


def test_the_list_pages_link_by_cursor_and_keep_the_search(cast, rows, login, monkeypatch):
    import importlib

    for name, (view, pattern) in LIST_URLS.items():
        module, cls = view.rsplit(".", 1)
        monkeypatch.setattr(getattr(importlib.import_module(module), cls), "paginate_by", 2)
    client = login("msb_officer")
    for name, (_, pattern) in LIST_URLS.items():
        url = reverse(name)
        first = client.get(url).content.decode()
        assert "第 1 页（第 1–2 条，后面还有）" in first and "?after=" in first, name
        forwards, backwards = follow(client, url, "下一页", pattern)
        assert len(forwards) > 2 and all(forwards[:-1]) and backwards == forwards[-2::-1], name
        flat = [row for rows_ in forwards for row in rows_]
        if name != "inspections:index":  # findings repeat; the others are distinct on each row
            assert len(flat) == len(set(flat)), name
        for bad in ("after=garbage", "before=%%%", "after=" + cursor_encode((timezone.now(), 5), 3), "page=9"):
            assert client.get(f"{url}?{bad}").content.decode().count("第 1 页") == 1, (name, bad)
    searched = client.get(reverse("agreements:index"), {"q": "镇江", "status": "normal"}).content.decode()
    assert "q=%E9%95%87%E6%B1%9F&status=normal&after=" in html.unescape(searched)


def test_a_cursor_carries_text_and_dates_and_old_cursors_keep_their_form(rows):
    from datetime import datetime, timezone

    for key in (("321102", "镇江同名诊所", 7), (today(), 12), ("医生1", 3)):
        assert cursor_decode(cursor_encode(key, 40)) == (key, 40)
    moment = datetime(2026, 5, 1, 8, 30, tzinfo=timezone.utc)
    assert cursor_encode((moment, 9), 20) == "MjAyNi0wNS0wMVQwODozMDowMCswMDowMHw5fDIw"  # the case lists' links still work
    assert cursor_decode(cursor_encode((moment, 9), 20)) == ((moment, 9), 20)
    pages = selectors.institution_pages_for_user(user=officer("fund_officer"))
    first = KeysetPaginator(pages, 2).seek()
    for other_list in (cursor_encode((moment, 9), 2), cursor_encode((today(), 3), 2), cursor_encode(("x", 1), 2)):
        page = KeysetPaginator(pages, 2).seek(after=other_list)
        assert [row.pk for row in page] == [row.pk for row in first]  # a cursor of another list opens page 1


def test_an_institutions_page_lists_its_first_fifty_people_and_says_where_the_rest_are(rows, login):
    hospital, client = rows[0], login("fund_officer")  # two people registered already
    for number in range(48):
        Practitioner.objects.create(name=f"员工{number:02d}", id_number=resident_id(number + 500, "321181"), institution=hospital)

    def listed() -> tuple[list[str], str]:
        page = client.get(reverse("agreements:detail", args=[hospital.pk])).content.decode()
        return re.findall(r'<li><a href="/agreements/practitioners/\d+/">([^<]+)</a></li>', page), page

    names, page = listed()
    assert len(names) == 50 and "仅列出前50人" not in page
    Practitioner.objects.create(name="员工99", id_number=resident_id(600, "321181"), institution=hospital)
    names, page = listed()
    assert len(names) == 50 and names == sorted(names) and "员工99" not in names and "仅列出前50人" in page
