"""The statistics page and its .xlsx download, read the way a bureau leader reads them.

Every seed-003 figure is checked on the page and in the workbook against the month of work built in
conftest.py; the quarterly table's figures likewise. The counting rules are domain §11.3's.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from casework import services as case_services
from casework.models import IdentifierType, SubjectKind
from leadership.statistics import quarter_bounds, quarter_of
from referral.models import Referral, ReferralKind

from .conftest import PERIOD, days_ago, resident_id, today

pytestmark = pytest.mark.django_db

PAGE = reverse("leadership:statistics")
EXPORT = reverse("leadership:statistics_export")
ZHENJIANG, CHANGZHOU, JIANGSU = "321100", "320400", "320000"

# The seed-003 table as 镇江's leader should see it for the period (label, unit, count).
SEED_003 = [
    ('"全覆盖"检查定点医药机构', "家", 2),  # 仁和 twice, 安康 once; 瑞丰's 专项检查 and 长江 400 days ago do not count
    ("约谈定点医药机构", "家", 2),  # 仁和 once, 安康 twice
    ("处理定点医药机构", "家", 5),  # 仁和, 安康, 瑞丰, 长江 (协议处理) and 同心 (责令退回)
    ("解除医保服务(协议)", "家", 1),  # 长江
    ("暂停医保服务(协议)", "家", 2),  # 瑞丰, 长江
    ("行政处罚定点医药机构", "家", 2),  # 仁和 (two decisions), 安康; 同心 was only ordered to refund
    ("移送公安机关案件", "件", 2),  # 博爱, 康宁
    ("移送涉案嫌疑人员", "人", 4),  # 陈、钱、孙 in 博爱, 孙 again and 李 in 康宁
]


def table(response, testid: str) -> dict[tuple[str, str], str]:
    """{(label, unit): value as shown} of a table of the page, in the order shown."""
    assert response.status_code == 200
    page = response.content.decode()
    body = page.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    if testid == "bureau-figures":
        rows = re.findall(r'<tr><td>([^<]*)</td><td class="lb-num">([^<]*)</td><td>([^<]*)</td></tr>', body)
        return {(html.unescape(label), unit): value.strip() for label, value, unit in rows}
    shown = {}
    for label, cell in re.findall(r"<tr><td>([^<]*)</td><td>(.*?)</td></tr>", body):
        for unit, value in re.findall(r'<span class="lb-stats-value" data-unit="([^"]+)"[^>]*>([^<]*)</span>', cell):
            shown[(html.unescape(label), unit)] = value.strip()
    return shown


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(BytesIO(response.content))


def sheet_rows(sheet, label_column: int) -> dict[tuple[str, str], object]:
    """{(label, unit): cell value} from the header row (row 3) down to the notes."""
    rows = {}
    for row in sheet.iter_rows(min_row=4, values_only=True):
        if row[label_column] is None or row[label_column + 1] is None:
            break
        rows[(row[label_column], row[label_column + 1])] = row[label_column + 2]
    return rows


def test_the_seed_003_figures_on_the_page_and_in_the_workbook(world, login):
    """Each figure counts 家 as distinct institutions, 件 as cases and 人 as distinct persons in the period."""
    leader = login("msb_leader")
    query = {**PERIOD, "region": ZHENJIANG}
    shown = table(leader.get(PAGE, query), "bureau-figures")
    assert list(shown) == [(label, unit) for label, unit, _ in SEED_003]
    assert shown == {(label, unit): str(count) for label, unit, count in SEED_003}

    book = workbook(leader.get(EXPORT, query))
    sheet = book["主要指标"]
    assert "镇江市" in sheet["A1"].value and f"{days_ago(60).year}年{days_ago(60).month}月{days_ago(60).day}日" in sheet["A1"].value
    assert [cell.value for cell in sheet[3]] == ["项目", "单位", "数量"]
    assert sheet_rows(sheet, 0) == {(label, unit): count for label, unit, count in SEED_003}
    assert all(isinstance(sheet.cell(row=4 + i, column=3).value, int) for i in range(len(SEED_003)))


def test_the_quarterly_table_counts_events_persons_and_amounts(world, login):
    """家 beside 家次, 人 beside 人次, and amounts summed in 元 and shown in 万元."""
    head = login("msb_head")
    query = {**PERIOD, "region": ZHENJIANG}
    shown = table(head.get(PAGE, query), "quarterly-table")
    expected_counts = {
        ("检查定点医药机构", "家"): 3, ("检查定点医药机构", "家次"): 4, ("其中：全覆盖检查", "家次"): 3,
        ("其中：专项检查", "家次"): 1, ("其中：飞行检查", "家次"): 0,
        ("协议处理定点医药机构", "家"): 4, ("协议处理定点医药机构", "家次"): 7,
        ("约谈", "家"): 2, ("约谈", "家次"): 3, ("拒付/追回", "家"): 1, ("中止/暂停协议", "家"): 2, ("解除协议", "家"): 1,
        ("行政处罚决定", "件"): 4, ("行政处罚定点医药机构", "家"): 2, ("行政处罚定点医药机构", "家次"): 3,
        ("行政处罚个人", "人"): 1, ("暂停参保人员医疗费用联网结算", "人"): 1,
        ("移送公安机关案件", "件"): 2, ("移送涉案嫌疑人员", "人"): 4, ("公安机关立案", "件"): 0,
        ("举报投诉线索：登记", "件"): 2, ("大数据模型筛查线索：登记", "件"): 0,
    }
    for key, count in expected_counts.items():
        assert shown[key] == str(count), key
    amounts = {  # 元 → 万元
        ("罚款金额", "万元"): Decimal("58000.50"), ("责令退回医保基金金额", "万元"): Decimal("19200.25"),
        ("追回违规费用金额", "万元"): Decimal("12345.67"), ("移送案件涉案金额", "万元"): Decimal("240000.00"),
    }
    page = head.get(PAGE, query).content.decode()
    assert shown[("罚款金额", "万元")] == "5.80" and 'title="58000.50 元"' in page
    assert shown[("移送案件涉案金额", "万元")] == "24.00"

    sheet = workbook(head.get(EXPORT, query))["季度统计表"]
    assert "医保基金工作情况统计表" in sheet["A1"].value and "镇江市" in sheet["A1"].value
    assert [cell.value for cell in sheet[3]] == ["类别", "指标", "单位", "数值"]
    cells = sheet_rows(sheet, 1)
    for key, count in expected_counts.items():
        assert cells[key] == count, key
    for key, yuan in amounts.items():
        assert Decimal(str(cells[key])) == yuan / 10000, key  # full precision: 58000.50 元 = 5.80005 万元


def test_another_citys_bureau_sees_none_of_zhenjiangs_numbers(world, login):
    """常州's officer gets 常州's figures only, and cannot ask for 镇江's, on the page or in the file."""
    changzhou = login("cz_msb_officer")
    response = changzhou.get(PAGE, {**PERIOD, "region": CHANGZHOU})
    shown = table(response, "bureau-figures")
    assert shown[('"全覆盖"检查定点医药机构', "家")] == "1"  # its own inspection of 常州仁爱
    assert all(value == "0" for key, value in shown.items() if key[0] != '"全覆盖"检查定点医药机构')
    page = response.content.decode()
    assert "镇江" not in page

    refused = changzhou.get(PAGE, {**PERIOD, "region": ZHENJIANG})
    assert "只能查看本机关及下级机关辖区的统计" in refused.content.decode()
    assert 'data-testid="bureau-figures"' not in refused.content.decode()
    export = changzhou.get(EXPORT, {**PERIOD, "region": ZHENJIANG})
    assert export.status_code == 400 and "只能查看本机关及下级机关辖区的统计" in export.content.decode()
    assert export["Content-Type"].startswith("text/html")


def test_the_province_sees_all_its_cities_or_picks_one(world, login):
    province = login("js_msb_officer")
    page = province.get(PAGE, {**PERIOD, "region": JIANGSU}).content.decode()
    assert '<option value="320000" selected>江苏省（全省）</option>' in page
    assert '<option value="321100">镇江市</option>' in page and '<option value="320400">常州市</option>' in page
    assert table(province.get(PAGE, {**PERIOD, "region": JIANGSU}), "bureau-figures")[('"全覆盖"检查定点医药机构', "家")] == "3"
    city = table(province.get(PAGE, {**PERIOD, "region": ZHENJIANG}), "bureau-figures")
    assert city == {(label, unit): str(count) for label, unit, count in SEED_003}


def test_a_city_officer_is_offered_only_the_own_city(world, login):
    page = login("msb_officer").get(PAGE).content.decode()
    assert re.findall(r'<option value="(\d+)"', page) == [ZHENJIANG]


def test_an_end_before_the_start_is_refused_in_chinese(world, login):
    leader = login("msb_leader")
    bad = {"start": today().isoformat(), "end": days_ago(1).isoformat(), "region": ZHENJIANG}
    response = leader.get(PAGE, bad)
    assert response.status_code == 200
    assert "结束日期不能早于开始日期，请重新选择统计期间。" in response.content.decode()
    assert 'data-testid="bureau-figures"' not in response.content.decode()
    export = leader.get(EXPORT, bad)
    assert export.status_code == 400 and "结束日期不能早于开始日期" in export.content.decode()


def test_a_person_named_after_the_transfer_is_not_a_transferred_suspect(world, cast, login):
    """Suspects are the persons on the case when the 移送书 went out."""
    case_services.subject_add(
        case=world.cases["boai"], user=cast.user("msb_officer"), kind=SubjectKind.PERSON, name="周某某",
        identifier_type=IdentifierType.RESIDENT_ID, identifier=resident_id(9),
    )
    shown = table(login("msb_leader").get(PAGE, {**PERIOD, "region": ZHENJIANG}), "bureau-figures")
    assert shown[("移送涉案嫌疑人员", "人")] == "4"


def test_a_period_a_year_ago_counts_only_what_was_decided_then(world, login):
    """The 全覆盖检查 of 长江 and the 约谈 of 仁和, 400 days ago, count in a period around them; nothing else does."""
    old = {"start": days_ago(410).isoformat(), "end": days_ago(390).isoformat(), "region": ZHENJIANG}
    shown = table(login("msb_leader").get(PAGE, old), "bureau-figures")
    assert shown[('"全覆盖"检查定点医药机构', "家")] == "1"
    assert shown[("约谈定点医药机构", "家")] == "1"
    assert shown[("处理定点医药机构", "家")] == "1"
    assert shown[("行政处罚定点医药机构", "家")] == "0" and shown[("移送公安机关案件", "件")] == "0"


def test_the_first_visit_shows_this_quarter_and_offers_quarters_and_years(cast, login):
    response = login("msb_head").get(reverse("leadership:statistics"))
    page = response.content.decode()
    start, end = quarter_bounds(today().year, quarter_of(today()))
    name = f"{today().year}年第{'一二三四'[quarter_of(today()) - 1]}季度"
    assert f"统计期间：{name}（{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日）" in page
    assert f'>{today().year}年</a>' in page and f'>{today().year - 1}年</a>' in page
    assert f"start={start.isoformat()}&amp;end={end.isoformat()}&amp;region={ZHENJIANG}" in page
    assert f"/leadership/statistics/export.xlsx?start={start.isoformat()}&amp;end={end.isoformat()}&amp;region={ZHENJIANG}" in page
    assert "统计与督办看板" in page  # the application in the site menu


@pytest.mark.parametrize("username", ["psb_officer", "fund_officer", "health_officer", "disc_officer"])
def test_only_medical_security_bureaus_read_the_statistics(cast, login, username):
    client = login(username)
    assert client.get(PAGE).status_code == 403
    assert client.get(EXPORT, {**PERIOD, "region": ZHENJIANG}).status_code == 403


def test_the_discipline_referrals_are_counted_for_the_head_only_unless_the_setting_says_otherwise(cast, tell, login, flow_client, settings):
    """移送纪检监察机关 (domain §11.3): confidential, so by default only the head reads the count, on the
    page and in the workbook; a leader reads that it is withheld. The roles are a setting."""
    from demo.stories import PENDING_DECISION
    from referral.models import ReferralKind
    from tests.referral.test_clue_referrals import decide, package

    case = tell(PENDING_DECISION, title="医保中心人员内外勾结案")
    discipline = decide(case, login, flow_client, "administrative", ["discipline"])[ReferralKind.DISCIPLINE]
    flow_client(login("msb_officer")).complete(discipline.process, "prepare", package(
        cast, discipline, persons_involved="钱某，镇江市医保中心，稽核科科长", recipient=cast.user("disc_officer").pk))
    flow_client(login("msb_head")).complete(discipline.process, "approve", {"approve": "yes", "opinion": "同意。"})
    query = {**PERIOD, "region": ZHENJIANG}
    key = ("移送纪检监察机关", "件")

    head = login("msb_head")
    assert table(head.get(PAGE, query), "quarterly-table")[key] == "1"
    assert sheet_rows(workbook(head.get(EXPORT, query))["季度统计表"], 1)[key] == 1
    leader = login("msb_leader")
    page = leader.get(PAGE, query)
    assert key not in table(page, "quarterly-table") and 'data-testid="discipline-withheld"' in page.content.decode()
    assert key not in sheet_rows(workbook(leader.get(EXPORT, query))["季度统计表"], 1)

    settings.LIANBAN_STATISTICS_DISCIPLINE_ROLES = ["head", "leader"]
    assert table(leader.get(PAGE, query), "quarterly-table")[key] == "1"


def test_a_case_transferred_twice_counts_once_with_its_latest_amount(world, login):
    """博爱 was transferred an hour earlier as well, for another amount: still 2 件, and the amount its
    latest 移送书 names (120,000 元 each for 博爱 and 康宁), not both, nor the earlier one."""
    latest = Referral.objects.get(case=world.cases["boai"], kind=ReferralKind.CRIMINAL_TRANSFER)
    earlier = Referral.objects.get(pk=latest.pk)
    earlier.pk = earlier.id = None
    earlier.sent_at, earlier.amount = latest.sent_at - timedelta(hours=1), Decimal("50000.00")
    earlier.save()
    shown = table(login("msb_head").get(PAGE, {**PERIOD, "region": ZHENJIANG}), "quarterly-table")
    assert shown[("移送公安机关案件", "件")] == "2"
    assert shown[("移送涉案嫌疑人员", "人")] == "4"
    assert shown[("移送案件涉案金额", "万元")] == "24.00"
