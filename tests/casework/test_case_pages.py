"""The case pages an MSB officer works with: the list (pages, search, status filter), evidence, a closed case."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casework import services
from casework.flows import CaseFlow
from casework.models import CaseSource, CaseStatus, Evidence, Subject

pytestmark = pytest.mark.django_db

# Bytes that survive no re-encoding: NUL, invalid UTF-8, CRLF, Chinese.
EVIDENCE_BYTES = b"\x00\xff\xfe\r\n" + "结算明细：张三，1000.00 元\r\n".encode("gb18030") + bytes(range(256))


def listed_case_ids(response) -> set[int]:
    assert response.status_code == 200
    return {int(pk) for pk in re.findall(r'href="/cases/(\d+)/"', response.content.decode())}


@pytest.fixture
def officer(login):
    return login("msb_officer")


def register(cast, title: str, **fields):
    officer = cast.user("msb_officer")
    return services.case_register(user=officer, title=title, source=CaseSource.TIP, summary="测试线索", **fields)


# --- the case list -----------------------------------------------------------------------------------


def test_twenty_five_cases_make_two_pages_and_the_second_shows_the_five_oldest(cast, officer):
    cases = [register(cast, f"分页测试案{i:02d}") for i in range(25)]
    first = officer.get(reverse("cases:index"))
    next_link = re.search(r'href="(\?after=[^"]+)">下一页', first.content.decode()).group(1)
    second = officer.get(reverse("cases:index") + next_link)
    assert len(listed_case_ids(first)) == 20
    assert listed_case_ids(second) == {case.pk for case in cases[:5]}
    assert cases[-1].pk in listed_case_ids(first)
    assert "第 2 页（第 21–25 条）" in second.content.decode()
    assert "第 1 页（第 1–20 条，后面还有）" in first.content.decode() and "下一页" in first.content.decode()
    assert "下一页" not in second.content.decode() and "上一页" in second.content.decode()


@pytest.fixture
def two_cases(cast, tell):
    """康宁: filed and under investigation, with an institution and an insured person (demo parties);
    a lead whose only party, 仁和医院, is not named in its title."""
    from demo.stories import INVESTIGATING

    kangning = tell(INVESTIGATING, title="康宁医院虚构住院案")
    lead = register(cast, "某医院分解住院案")
    services.subject_add(case=lead, user=cast.user("msb_officer"), kind="institution", name="镇江仁和医院有限公司",
                         identifier_type="uscc", identifier="91321100MA1N0B5X2K")
    return kangning, lead


def test_search_finds_a_case_by_number_title_party_name_or_full_identifier(two_cases, officer):
    kangning, lead = two_cases
    searches = {
        kangning.number: {kangning.pk},
        lead.number: {lead.pk},
        "康宁医院": {kangning.pk},
        "仁和": {lead.pk},
        "李某某": {kangning.pk},
        "321102197804150027": {kangning.pk},
        "91321100ma1n0b5x2k": {lead.pk},  # identifiers match whatever the case
        "医院": {kangning.pk, lead.pk},
    }
    for term, expected in searches.items():
        assert listed_case_ids(officer.get(reverse("cases:index"), {"q": term})) == expected, term


def test_a_partial_identifier_finds_nothing(two_cases, officer):
    """Identity numbers are personal data: the search matches a complete number only."""
    response = officer.get(reverse("cases:index"), {"q": "32110219780415"})
    assert listed_case_ids(response) == set()
    assert "没有符合条件的案件。" in response.content.decode()


def test_status_filter_shows_only_cases_in_that_stage(two_cases, officer):
    kangning, lead = two_cases
    assert kangning.status == CaseStatus.INVESTIGATING and lead.status == CaseStatus.LEAD

    def shown(**params) -> set[int]:
        return listed_case_ids(officer.get(reverse("cases:index"), params))

    assert shown(status=CaseStatus.INVESTIGATING) == {kangning.pk}
    assert shown(status=CaseStatus.LEAD) == {lead.pk}
    assert shown(status=CaseStatus.CLOSED) == set()
    assert shown(status=CaseStatus.LEAD, q="康宁") == set()
    assert shown() == {kangning.pk, lead.pk}


def test_the_case_process_list_shows_the_newest_case_first(tell, officer):
    from demo.stories import LEAD

    older, newer = tell(LEAD, title="较早登记的案件"), tell(LEAD, title="较晚登记的案件")
    page = officer.get(CaseFlow.instance.reverse("process_list")).content.decode()
    assert older.title in page and newer.title in page
    assert page.index(newer.title) < page.index(older.title)


# --- evidence ------------------------------------------------------------------------------------------


@pytest.fixture
def lead(cast):
    return register(cast, "证据上传测试案")


def upload(client, case, content: bytes, *, name: str = "结算明细.bin", title: str = "医保结算明细"):
    return client.post(reverse("cases:evidence_add", args=[case.pk]), {
        "kind": "electronic", "title": title, "pages": "3",
        "upload": SimpleUploadedFile(name, content, content_type="application/octet-stream"),
    })


def test_uploaded_evidence_keeps_the_sha256_and_bytes_of_exactly_what_was_sent(lead, officer):
    response = upload(officer, lead, EVIDENCE_BYTES)
    assert response.status_code == 302
    evidence = Evidence.objects.get(case=lead)
    assert evidence.sha256 == hashlib.sha256(EVIDENCE_BYTES).hexdigest()
    assert (evidence.size, evidence.original_name) == (len(EVIDENCE_BYTES), "结算明细.bin")
    with evidence.file.open("rb") as stored:
        assert stored.read() == EVIDENCE_BYTES
    page = officer.get(reverse("cases:detail", args=[lead.pk])).content.decode()
    assert "医保结算明细" in page and evidence.sha256[:16] in page


def test_evidence_download_returns_the_uploaded_bytes(lead, officer):
    upload(officer, lead, EVIDENCE_BYTES)
    evidence = Evidence.objects.get(case=lead)
    response = officer.get(reverse("cases:evidence_download", args=[lead.pk, evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == EVIDENCE_BYTES
    assert "attachment" in response["Content-Disposition"]


def test_an_empty_file_is_refused_with_a_chinese_message(lead, officer):
    response = upload(officer, lead, b"")
    assert response.status_code == 200
    assert 'error="提交的是空文件。"' in response.content.decode()  # shown on the file field
    assert not Evidence.objects.filter(case=lead).exists()


def test_the_same_file_twice_is_refused_and_the_first_upload_is_untouched(lead, officer):
    upload(officer, lead, EVIDENCE_BYTES)
    first = Evidence.objects.get(case=lead)
    response = upload(officer, lead, EVIDENCE_BYTES, name="另一个文件名.bin", title="重复上传")
    assert response.status_code == 200
    assert "该文件已作为本案证据上传过（SHA-256 相同）。" in response.content.decode()
    assert list(Evidence.objects.filter(case=lead)) == [first]
    with first.file.open("rb") as stored:
        assert stored.read() == EVIDENCE_BYTES


def test_the_same_file_may_be_evidence_in_another_case(cast, lead, officer):
    other = register(cast, "另一起案件")
    assert upload(officer, lead, EVIDENCE_BYTES).status_code == 302
    assert upload(officer, other, EVIDENCE_BYTES).status_code == 302
    assert Evidence.objects.filter(sha256=hashlib.sha256(EVIDENCE_BYTES).hexdigest()).count() == 2


# --- a closed case -------------------------------------------------------------------------------------


def test_a_closed_case_can_be_read_but_no_party_or_evidence_can_be_added(tell, officer):
    from demo.stories import CLOSED

    case = tell(CLOSED)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    subjects, evidence = Subject.objects.filter(case=case).count(), Evidence.objects.filter(case=case).count()
    for name in ("cases:subject_add", "cases:evidence_add"):
        assert officer.get(reverse(name, args=[case.pk])).status_code == 403, name
    party = {"kind": "insured", "name": "新当事人", "identifier_type": "resident_id", "identifier": "11010519491231002X"}
    assert officer.post(reverse("cases:subject_add", args=[case.pk]), party).status_code == 403
    assert upload(officer, case, b"late evidence").status_code == 403
    assert (Subject.objects.filter(case=case).count(), Evidence.objects.filter(case=case).count()) == (subjects, evidence)

    page = officer.get(reverse("cases:detail", args=[case.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert reverse("cases:subject_add", args=[case.pk]) not in text
    assert reverse("cases:evidence_add", args=[case.pk]) not in text
    first = case.evidence.first()
    assert officer.get(reverse("cases:evidence_download", args=[case.pk, first.pk])).status_code == 200


def test_the_case_page_shows_a_zoomable_chart_whose_address_changes_with_each_step(tell, officer, flow_client):
    """The chart comes with its zoom buttons and legend; its address names the process's state, so a
    page loaded after a step never shows a highlight the browser kept from before."""
    from demo.stories import LEAD

    case = tell(LEAD)
    page = officer.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "放大流程图" in page and "适应宽度" in page and "当前环节" in page
    before = re.search(r'data-testid="flow-chart" src="([^"]+)"', page).group(1)
    assert officer.get(before).status_code == 200

    flow_client(officer).complete(case.process, "verify", {"propose_filing": "yes", "opinion": "属实。"})

    page = officer.get(reverse("cases:detail", args=[case.pk])).content.decode()
    after = re.search(r'data-testid="flow-chart" src="([^"]+)"', page).group(1)
    assert after != before and after.split("?")[0] == before.split("?")[0]
