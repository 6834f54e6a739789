"""信用: the sanctions on record (a penalty, a 中止, a doctor's points and suspension, a 解除) read as one
list per subject with legal basis and period, scoped to who may see the sanction, a person's number
masked on screen and whole in the audited export for the credit platform."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from agencies.models import AuditEvent
from agreements import services as agreement_services
from agreements.models import Institution
from casework import penalties
from casework.clocks import add_months
from casework.models import PenaltyKind
from demo.stories import agreements_demo
from tests.penalty_case import INSTITUTION, PERSON, decided_case, decision

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(cast, tell):
    return decided_case(cast, tell)


DOCTOR_ID = "321111196909090018"  # 陈某某, the demo doctor with 10 points (suspended)


@pytest.fixture
def sanctions(case, cast):  # noqa: F811 - the fixture imported above
    """The demo's agreements (博爱医院 中止, 陈某某 10 points) and a case's penalties on an institution and a person."""
    agreements_demo(cast)
    officer, day = cast.user("msb_officer"), timezone.localdate() - timedelta(days=3)
    case.filed_at = min(case.filed_at, timezone.now() - timedelta(days=20))
    case.save(update_fields=["filed_at"])
    penalties.penalty_record(case=case, user=officer, **decision(case, decided_on=day, kinds=[PenaltyKind.FINE, PenaltyKind.REFUND],
                                                                 refund_amount=Decimal("8000.00")))
    person = case.subjects.get(name=PERSON)
    penalties.penalty_record(case=case, user=officer, **decision(
        case, subject=person, document_number="镇医保罚〔2026〕10号", decided_on=day, kinds=[PenaltyKind.FINE],
        fine_amount=Decimal("500.00")))
    return case


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_every_sanction_is_listed_with_its_basis_and_period(sanctions, login):
    page = text(login("msb_officer").get(reverse("credit:index")))
    day, code = timezone.localdate() - timedelta(days=3), sanctions.subjects.get(name=INSTITUTION).identifier
    assert (f"{INSTITUTION}（机构） {code} 行政处罚：罚款、责令退回（罚款1,000.00元，责令退回8,000.00元） "
            f"《医疗保障基金使用监督管理条例》第三十三条 镇医保罚〔2026〕9号 {day:%Y-%m-%d} 至 {add_months(day, 36):%Y-%m-%d}") in page
    assert "中止医保协议 《医疗机构医疗保障定点管理暂行办法》（国家医疗保障局令第2号） 镇医保中心协〔2026〕3号" in page
    assert "镇医保中心协〔2026〕3号 " + f"{timezone.localdate() - timedelta(days=15):%Y-%m-%d} 至 执行中" in page
    assert "医保支付资格记分 10 分（镇江博爱医院有限公司）" in page and "暂停医保支付资格" in page
    assert DOCTOR_ID not in page and "321111********0018" in page  # a person's number masked on screen
    assert f"{PERSON}（个人）" in page


def test_search_and_category_narrow_the_list(sanctions, login):
    officer = login("msb_officer")
    by_code = text(officer.get(reverse("credit:index") + f"?q={DOCTOR_ID}"))
    assert "陈某某" in by_code and INSTITUTION not in by_code and "博爱医院有限公司（机构）" not in by_code
    agreements_only = text(officer.get(reverse("credit:index") + "?source=agreement"))
    assert "中止医保协议" in agreements_only and "行政处罚" not in agreements_only.split("决定机关", 1)[1]


def test_the_export_carries_full_codes_and_is_audited(sanctions, login):
    response = login("msb_officer").get(reverse("credit:export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[2]][:4] == ["主体名称", "主体类型", "统一社会信用代码/身份证号码", "惩戒措施"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]
    assert any(row[2] == DOCTOR_ID and row[3] == "暂停医保支付资格" for row in rows)
    assert any(row[0] == "镇江博爱医院有限公司" and row[3] == "中止医保协议" and row[8] == "执行中" for row in rows)
    event = AuditEvent.objects.get(verb="credit.exported")
    assert event.thread == "security" and event.summary == f"导出信用信息 {len(rows)} 条"


def test_a_termination_counts_until_its_bar_ends(sanctions, cast, login):
    institution = Institution.objects.get(name="镇江市润康大药房有限公司")
    agreement_services.action_record(
        user=cast.user("fund_officer"), institution=institution, kind="terminate", decided_on=timezone.localdate(),
        facts="伪造处方骗取医保基金。", ground="4", statement_heard=True, document_number="镇医保中心协〔2026〕5号")
    institution.refresh_from_db()
    page = text(login("msb_officer").get(reverse("credit:index") + "?q=润康"))
    assert "解除医保协议 《医疗机构医疗保障定点管理暂行办法》（国家医疗保障局令第2号）第四十三条第（4）项" in page
    assert f"至 {institution.barred_until:%Y-%m-%d}" in page


@pytest.mark.parametrize("username, sees_penalty, sees_agreements", [
    ("fund_officer", False, True),  # the 经办机构 holds the agreements; the bureau's cases are not its to read
    ("cz_msb_officer", False, False),  # another city
])
def test_each_sees_only_the_sanctions_it_may_read(sanctions, login, username, sees_penalty, sees_agreements):
    page = text(login(username).get(reverse("credit:index")))
    assert (INSTITUTION in page) is sees_penalty
    assert ("中止医保协议" in page) is sees_agreements


@pytest.mark.parametrize("username", ["psb_officer", "disc_officer"])
def test_other_agencies_have_no_credit_pages(sanctions, login, username):
    client = login(username)
    assert client.get(reverse("credit:index")).status_code == 403
    assert client.get(reverse("credit:export")).status_code == 403
    assert not AuditEvent.objects.filter(verb="credit.exported").exists()


def test_a_page_deeper_than_the_list_reads_asks_to_narrow_the_search(sanctions, login, monkeypatch):
    from credit import views

    monkeypatch.setattr(views, "MAX_PAGE", 2)
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    page = text(login("msb_officer").get(reverse("credit:index") + "?page=999"))  # read as the deepest page, 2
    assert "第 2 页；更早的记录请缩小检索范围，或导出后查阅" in page and "下一页" not in page


def test_the_export_is_a_download_only(sanctions, login):
    response = login("msb_officer").post(reverse("credit:export"))
    assert response.status_code == 405 and not AuditEvent.objects.filter(verb="credit.exported").exists()
