"""逐条核查、逐条反馈、逐级上报: each imported hit gets its 核查结论 and amount on the lead's page, the
lead rolls them up, the bureau exports them to report upwards and the statistics count them."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from agencies.models import AuditEvent
from casework.models import Case, HitVerdict, ScreeningHit
from casework.screening_feedback import FEEDBACK_COLUMNS
from tests.casework.test_screening_import import ROWS, confirm, csv_file, preview

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(cast, login):
    """The three hits of test_screening_import, imported by 镇江's officer: two leads."""
    officer = login("msb_officer")
    confirm(officer, preview(officer, csv_file(ROWS)))
    return officer, Case.objects.get(title="镇江康泰医院大数据筛查疑点线索")


def check_url(case, hit_id: str) -> str:
    return reverse("cases:hit_check", args=[case.pk, ScreeningHit.objects.get(hit_id=hit_id).pk])


def rollup_of(client, case) -> str:
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", re.search(r'data-testid="hit-rollup">(.*?)</p>', page, re.S).group(1)).split())


def test_each_hit_is_fed_back_and_the_lead_rolls_them_up(imported):
    officer, kangtai = imported
    assert "已反馈 0 条" in rollup_of(officer, kangtai) and "待核查 2 条" in rollup_of(officer, kangtai)
    form = officer.get(check_url(kangtai, "JS-XJZY-0001")).content.decode()
    assert "住院期间同日门诊刷卡" in form and "3200.50" in form  # the hit being answered is shown above the form

    done = officer.post(check_url(kangtai, "JS-XJZY-0001"), {
        "verdict": "confirmed", "confirmed_amount": "3200.50", "note": "调取病历，住院期间门诊刷卡属实。"})
    assert done.status_code == 302 and done["Location"].endswith("#screening-hits")
    officer.post(check_url(kangtai, "JS-XJZY-0002"), {"verdict": "unfounded", "confirmed_amount": "", "note": "夜间急诊入院，医嘱齐全。"})

    rollup = rollup_of(officer, kangtai)
    assert "共 2 条，涉及金额 7300.50 元" in rollup
    assert "已反馈 2 条（属实 1、部分属实 0、不属实 1），核实违规金额 3200.50 元；已全部反馈" in rollup
    first = ScreeningHit.objects.get(hit_id="JS-XJZY-0001")
    assert (first.verdict, first.confirmed_amount, first.checked_by.username) == (HitVerdict.CONFIRMED, Decimal("3200.50"), "msb_officer")
    assert ScreeningHit.objects.get(hit_id="JS-XJZY-0002").confirmed_amount == Decimal("0")
    summaries = list(AuditEvent.objects.filter(verb="screening.hit_checked").values_list("summary", flat=True))
    assert "大数据筛查疑点 JS-XJZY-0001 核查反馈：属实，核实违规金额 3200.50 元" in summaries
    assert "大数据筛查疑点 JS-XJZY-0002 核查反馈：不属实" in summaries


def test_feedback_given_again_is_a_correction_on_record(imported):
    officer, kangtai = imported
    officer.post(check_url(kangtai, "JS-XJZY-0001"), {"verdict": "confirmed", "confirmed_amount": "3200.50", "note": "属实。"})
    officer.post(check_url(kangtai, "JS-XJZY-0001"), {"verdict": "partly", "confirmed_amount": "1200", "note": "复核：部分属实。"})
    hit = ScreeningHit.objects.get(hit_id="JS-XJZY-0001")
    assert (hit.verdict, hit.confirmed_amount, hit.check_note) == (HitVerdict.PARTLY, Decimal("1200.00"), "复核：部分属实。")
    correction = AuditEvent.objects.filter(verb="screening.hit_checked").latest("id")
    assert correction.summary.startswith("更正大数据筛查疑点 JS-XJZY-0001 核查反馈：部分属实")
    assert correction.data["before"] == {"verdict": "confirmed", "confirmed_amount": "3200.50"}
    assert "更正" in officer.get(reverse("cases:detail", args=[kangtai.pk])).content.decode()


@pytest.mark.parametrize("posted, field_error", [
    ({"verdict": "confirmed", "confirmed_amount": "", "note": "属实"}, "请填写核实的违规金额"),
    ({"verdict": "partly", "confirmed_amount": "0", "note": "部分属实"}, "请填写核实的违规金额"),
    ({"verdict": "unfounded", "confirmed_amount": "100", "note": "不属实"}, "核实违规金额应为 0 或不填"),
    ({"verdict": "confirmed", "confirmed_amount": "100", "note": "  "}, "请填写核查情况"),
    ({"verdict": "maybe", "confirmed_amount": "100", "note": "说明"}, "选择一个有效的选项"),
    ({"verdict": "confirmed", "confirmed_amount": "-5", "note": "说明"}, "大于或等于0"),
])
def test_wrong_feedback_is_named_and_changes_nothing(imported, posted, field_error):
    officer, kangtai = imported
    response = officer.post(check_url(kangtai, "JS-XJZY-0001"), posted)
    assert response.status_code == 200 and field_error in response.content.decode()
    hit = ScreeningHit.objects.get(hit_id="JS-XJZY-0001")
    assert (hit.verdict, hit.confirmed_amount, hit.checked_at) == ("", None, None)
    assert not AuditEvent.objects.filter(verb="screening.hit_checked").exists()


def test_only_the_bureau_that_holds_the_lead_feeds_back(imported, login):
    _, kangtai = imported
    url = check_url(kangtai, "JS-XJZY-0001")
    assert login("psb_officer").post(url, {"verdict": "unfounded", "note": "越权"}).status_code == 404  # cannot see the lead
    other = ScreeningHit.objects.get(hit_id="JS-YPDM-0003")  # a hit of the other lead, under this lead's address
    assert login("msb_officer").get(reverse("cases:hit_check", args=[kangtai.pk, other.pk])).status_code == 404
    assert login("psb_officer").get(reverse("cases:screening_feedback")).status_code == 403
    assert not ScreeningHit.objects.exclude(verdict="").exists()


def test_the_bureau_exports_its_feedback_to_report_upwards_and_the_statistics_count_it(imported, login):
    officer, kangtai = imported
    officer.post(check_url(kangtai, "JS-XJZY-0001"), {"verdict": "confirmed", "confirmed_amount": "3200.50", "note": "属实。"})
    officer.post(check_url(kangtai, "JS-XJZY-0002"), {"verdict": "unfounded", "note": "排除。"})

    response = officer.get(reverse("cases:screening_feedback"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "大数据筛查疑点核查反馈表" in sheet["A1"].value
    assert tuple(cell.value for cell in sheet[2]) == FEEDBACK_COLUMNS
    rows = {row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert set(rows) == {"JS-XJZY-0001", "JS-XJZY-0002", "JS-YPDM-0003"}
    assert rows["JS-XJZY-0001"][9:12] == ("属实", 3200.5, "属实。")
    assert rows["JS-XJZY-0002"][9:11] == ("不属实", 0)
    assert rows["JS-YPDM-0003"][9:11] == ("待核查", None)
    assert rows["JS-XJZY-0001"][14] == kangtai.number

    statistics = login("msb_head").get(reverse("leadership:statistics")).content.decode()
    assert re.search(r"大数据筛查疑点：反馈</td><td><span[^>]*>2</span> 条", statistics)
    assert re.search(r"大数据筛查疑点：核查属实（含部分属实）</td><td><span[^>]*>1</span> 条", statistics)
    assert re.search(r"大数据筛查疑点：核实违规金额</td><td><span[^>]*>0\.32</span> 万元", statistics)
