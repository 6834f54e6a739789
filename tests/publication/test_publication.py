"""典型案例曝光: a closed case's text drafted with persons' names cut to the surname and every number
and the reporter taken out; a name typed back in is refused; the head approves (never the drafter);
the bureau records where it went out; a changed decision starts the 3-working-day clock to withdraw
it; the statistics count it; the .docx carries the public text only."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import docx
import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.dates import format_date
from agencies.models import AuditEvent
from casework import calendar, penalties
from casework.models import CaseStatus, Deadline, DeadlineStatus, IdentifierType, PenaltyKind, SubjectKind
from publication.models import PublicationStatus, TypicalCase
from publication.redaction import leaks, redact
from tests.libreoffice import convert, needs_libreoffice
from tests.penalty_case import decided_case, decision

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(cast, tell):
    return decided_case(cast, tell)


PERSON, PERSON_ID, PHONE = "张三丰", "320102199001011234", "13812345678"


@pytest.fixture
def closed_case(case, cast):  # noqa: F811 - the fixture imported above
    """A closed tip-off case with a person among its parties, named with ID and phone in the findings,
    and a real-name reporter."""
    officer = cast.user("msb_officer")
    case.subjects.create(kind=SubjectKind.INSURED, name=PERSON, identifier_type=IdentifierType.RESIDENT_ID,
                         identifier=PERSON_ID, added_by=officer)
    case.findings = f"经查，{PERSON}（身份证号{PERSON_ID}，电话{PHONE}）冒用他人医保卡在该院虚构住院，骗取医保基金。"
    case.reporter_real_name, case.reporter_name, case.reporter_contact = True, "赵举报", "0511-88886666"
    case.filed_at = min(case.filed_at, timezone.now() - timedelta(days=20))
    case.save()
    penalties.penalty_record(case=case, user=officer, **decision(
        case, decided_on=timezone.localdate() - timedelta(days=10), kinds=[PenaltyKind.FINE, PenaltyKind.REFUND],
        refund_amount=Decimal("50000.00")))
    case.status = CaseStatus.CLOSED
    case.save(update_fields=["status"])
    return case


def page_url(case, step: str = "") -> str:
    return reverse("publication:case", args=[case.pk]) + (f"?step={step}" if step else "")


def test_the_draft_is_redacted_and_a_name_typed_back_is_refused(closed_case, login):
    officer = login("msb_officer")
    form = officer.get(page_url(closed_case)).content.decode()
    assert "张某（身份证号（证件号码已隐去），电话（电话号码已隐去））冒用他人医保卡" in form
    assert PERSON not in form.split("data-testid=\"publication-form\"")[1] and PERSON_ID not in form and PHONE not in form
    assert "依法对镇江康宁医院有限公司作出罚款、责令退回的处理，罚款1,000.00元，责令退回医保基金50,000.00元。" in form

    for typed, named in ((f"{PERSON}骗保案", f"{PERSON}（当事人姓名）"), (f"经查，身份证号{PERSON_ID}", f"{PERSON_ID}（证件号码）"),
                         ("经赵举报举报", "赵举报（举报人姓名）"), ("另查，320102198801010011 亦涉案", "320102198801010011（证件号码）")):
        response = officer.post(page_url(closed_case), {"step": "propose", "headline": "某医院骗保案", "text": typed})
        assert response.status_code == 200
        assert f"公开文本仍含有不得公开的个人信息：{named}" in response.content.decode()
    assert not TypicalCase.objects.exists()


def test_a_typical_case_is_proposed_approved_published_and_counted(closed_case, login, cast, tmp_path):
    officer, head = login("msb_officer"), login("msb_head")
    headline, text = "镇江康宁医院有限公司虚构住院骗取医保基金案", "一、基本案情\n张某冒用他人医保卡虚构住院。\n二、处理结果\n罚款1,000.00元。"
    assert officer.post(page_url(closed_case), {"step": "propose", "headline": headline, "text": text}).status_code == 302
    assert "提交审批意见" not in officer.get(page_url(closed_case)).content.decode()  # the drafter does not approve
    assert head.post(page_url(closed_case), {"step": "decide", "approve": "yes", "opinion": ""}).status_code == 302
    today = timezone.localdate().isoformat()
    url = "https://ybj.zhenjiang.gov.cn/dxal/2026/001.html"
    assert officer.post(page_url(closed_case), {"step": "publish", "published_on": today, "channel": "website",
                                                "location": url}).status_code == 302
    publication = TypicalCase.objects.get(case=closed_case)
    assert (publication.status, publication.opinion, publication.location) == (PublicationStatus.PUBLISHED, "同意曝光。", url)
    assert list(AuditEvent.objects.filter(verb__startswith="publication.").order_by("id").values_list("verb", flat=True)) == [
        "publication.proposed", "publication.approved", "publication.published"]
    assert "已曝光" in officer.get(reverse("cases:detail", args=[closed_case.pk])).content.decode()

    statistics = head.get(reverse("leadership:statistics")).content.decode()
    assert re.search(r"曝光典型案例</td><td><span[^>]*>1</span> 件", statistics)

    download = officer.get(reverse("publication:docx", args=[closed_case.pk]))
    paragraphs = [p.text for p in docx.Document(io.BytesIO(download.content)).paragraphs if p.text.strip()]
    assert paragraphs[0].replace("\n", "") == headline  # the title balanced over two lines
    assert "一、基本案情" in paragraphs and "张某冒用他人医保卡虚构住院。" in paragraphs and "二、处理结果" in paragraphs
    assert paragraphs[-2:] == ["镇江市医疗保障局", format_date(timezone.localdate())]
    assert PERSON not in "".join(paragraphs)


@needs_libreoffice
def test_libreoffice_opens_the_typical_case(closed_case, cast, tmp_path):
    from publication import services
    from publication.letter import build_typical_case

    headline, text = services.draft(closed_case)
    publication = services.publication_propose(user=cast.user("msb_officer"), case=closed_case, headline=headline, text=text)
    assert convert(build_typical_case(publication), tmp_path, "typical").stat().st_size > 0


def test_a_changed_decision_starts_the_withdrawal_clock_and_withdrawing_meets_it(closed_case, login, cast):
    from publication import services

    officer = cast.user("msb_officer")
    services.publication_propose(user=officer, case=closed_case, headline="某医院骗保案", text="张某虚构住院。")
    services.publication_decide(user=cast.user("msb_head"), case=closed_case, approve=True, opinion="同意。")
    services.publication_publish(user=officer, case=closed_case, published_on=timezone.localdate(), channel="wechat", location="镇江医保公众号")

    client = login("msb_officer")
    page = client.get(page_url(closed_case)).content.decode()
    assert "登记处罚决定变更或撤销" in page and 'href="?step=withdraw"' in page
    stale = client.post(page_url(closed_case), {"step": "publish", "published_on": "2026-01-01", "channel": "website", "location": "x"})
    assert "典型案例曝光的状态已经变化，本次提交未保存" in stale.content.decode()

    today = timezone.localdate()
    response = client.post(page_url(closed_case), {"step": "changed", "changed_on": today.isoformat(),
                                                   "note": "行政复议决定书（镇政复决〔2026〕12号）撤销原处罚决定"})
    assert response.status_code == 302
    clock = Deadline.objects.get(code="publication.withdraw")
    assert (clock.status, timezone.localtime(clock.due_at).date()) == (DeadlineStatus.RUNNING, calendar.add_working_days(today, 3))
    assert clock.legal_basis == "《中华人民共和国行政处罚法》第四十八条"

    assert client.post(page_url(closed_case), {"step": "withdraw", "withdrawn_on": today.isoformat(), "reason": ""}).status_code == 302
    publication = TypicalCase.objects.get(case=closed_case)
    assert publication.status == PublicationStatus.WITHDRAWN
    assert publication.withdraw_reason.startswith("行政复议决定书")  # the change, when no other reason is given
    clock.refresh_from_db()
    assert clock.status == DeadlineStatus.MET


def test_only_a_closed_case_of_the_bureau_and_only_its_officers(closed_case, login):
    assert login("msb_leader").get(page_url(closed_case)).status_code == 403
    assert login("cz_msb_officer").get(page_url(closed_case)).status_code == 404
    closed_case.status = CaseStatus.ADMIN_HANDLING
    closed_case.save(update_fields=["status"])
    officer = login("msb_officer")
    assert "结案后可将本案作为典型案例拟稿曝光" in officer.get(page_url(closed_case)).content.decode()
    assert officer.post(page_url(closed_case), {"step": "propose", "headline": "某案", "text": "某某。"}).status_code == 403
    assert 'data-testid="publication"' not in officer.get(reverse("cases:detail", args=[closed_case.pk])).content.decode()
    assert not TypicalCase.objects.exists()


def test_redaction_keeps_organisations_and_finds_what_is_left(closed_case):
    text = f"镇江康宁医院有限公司与{PERSON}（{PERSON_ID}）串通，举报人赵举报（0511-88886666）。"
    redacted = redact(text, closed_case)
    assert redacted == "镇江康宁医院有限公司与张某（（证件号码已隐去））串通，举报人（举报人信息已隐去）（（举报人信息已隐去））。"
    assert leaks(redacted, closed_case) == []
    assert set(leaks(text, closed_case)) == {f"{PERSON_ID}（证件号码）", f"{PERSON}（当事人姓名）", "0511-88886666（举报人联系方式）",
                                             "赵举报（举报人姓名）"}


def test_a_draft_headline_is_not_on_the_case_timeline_for_those_the_publication_page_refuses(closed_case, login):
    """The case's timeline says a draft went up for approval, not what it is called: the bureau's leader may
    read the case but not the publication page (403), and learns the headline only once it is published."""
    headline = "某医院虚构住院骗取医保基金案（拟稿）"
    assert login("msb_officer").post(page_url(closed_case), {"step": "propose", "headline": headline,
                                                             "text": "一、基本案情\n某医院虚构住院。"}).status_code == 302
    leader = login("msb_leader")
    assert leader.get(page_url(closed_case)).status_code == 403
    case_page = leader.get(reverse("cases:detail", args=[closed_case.pk]))
    assert case_page.status_code == 200 and "拟稿，报请审批" in case_page.content.decode()
    assert headline not in case_page.content.decode()
