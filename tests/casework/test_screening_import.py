"""导入大数据筛查线索: a model's list of hits → a preview with every wrong row → one lead per
institution, its hits listed on the case; the same file again registers nothing."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import AuditEvent
from casework.identifiers import uscc_check_char
from casework.models import Case, CaseSource, ScreeningHit
from casework.screening_jobs import screening_job_run
from tests.agreements.conftest import resident_id

pytestmark = pytest.mark.django_db

HEADER = ["线索编号", "筛查模型", "定点医药机构", "统一社会信用代码", "参保人姓名", "身份证号", "结算日期", "涉及金额", "疑点描述"]


def uscc(serial: int) -> str:
    first17 = f"91321100MA1{serial:06d}"
    return first17 + uscc_check_char(first17)


ROWS = [
    ["JS-XJZY-0001", "虚假住院", "镇江康泰医院", uscc(101), "周甲", resident_id(501), "2026-10-03", "3200.50", "住院期间同日门诊刷卡"],
    ["JS-XJZY-0002", "虚假住院", "镇江康泰医院", uscc(101), "吴乙", resident_id(502), "2026-10-09", "4100", "夜间无医嘱住院"],
    ["JS-YPDM-0003", "医保药品倒卖", "镇江福康大药房", uscc(102), "郑丙", resident_id(503), "2026/10/11", "980", "同一处方药品30天内重复购买6次"],
]


def csv_file(rows, name="省局下发疑点清单.csv", encoding="utf-8-sig") -> SimpleUploadedFile:
    text = "\n".join(",".join(row) for row in [HEADER, *rows]) + "\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows, name="疑点清单.xlsx") -> SimpleUploadedFile:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append([float(cell) if index == 7 else cell for index, cell in enumerate(row)])
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def preview(client, upload) -> str:
    response = client.post(reverse("cases:screening_import"), {"upload": upload})
    assert response.status_code == 200
    return response


def confirm(client, response, *, run: bool = True):
    """确认导入; then, unless `run` is False, the job it queued is run to its end here, as its thread would."""
    answer = client.post(reverse("cases:screening_import"), {"token": response.context["token"], "name": response.context["name"]})
    match = re.search(r"/cases/import/(\d+)/$", answer.get("Location", ""))
    if run and match:
        screening_job_run(job_id=int(match.group(1)))
    return answer


def test_a_list_becomes_one_lead_per_institution_with_its_hits_and_a_second_import_registers_nothing(cast, login):
    officer = login("msb_officer")
    shown = preview(officer, csv_file(ROWS))
    page = shown.content.decode()
    assert "将登记线索 2 件，含疑点 3 条" in page and "镇江康泰医院" in page and "需要修正" not in page
    assert not Case.objects.exists()  # a preview stores nothing

    assert confirm(officer, shown).status_code == 302
    kangtai = Case.objects.get(title="镇江康泰医院大数据筛查疑点线索")
    assert kangtai.source == CaseSource.BIG_DATA and str(kangtai.amount_involved) == "7300.50"
    assert kangtai.subjects.get().identifier == uscc(101)
    assert set(kangtai.screening_hits.values_list("hit_id", flat=True)) == {"JS-XJZY-0001", "JS-XJZY-0002"}
    assert kangtai.process.task_set.filter(flow_task__endswith="verify", finished__isnull=True).exists()  # 核查线索 waits
    detail = officer.get(reverse("cases:detail", args=[kangtai.pk])).content.decode()
    assert 'data-testid="screening-hits"' in detail and "夜间无医嘱住院" in detail
    assert AuditEvent.objects.filter(verb="screening.imported").count() == 1
    statistics = login("msb_head").get(reverse("leadership:statistics")).content.decode()
    assert re.search(r"大数据筛查疑点：导入</td><td><span[^>]*>3</span> 条", statistics)

    again = preview(officer, csv_file(ROWS))
    assert "另有 3 条此前已导入" in again.content.decode() and "确认导入" not in again.content.decode()
    more = preview(officer, xlsx_file([*ROWS, ["JS-XJZY-0004", "虚假住院", "镇江康泰医院", uscc(101), "", "", "", "1500", "术后当日出院"]]))
    assert "将登记线索 1 件，含疑点 1 条；另有 3 条此前已导入" in more.content.decode()
    confirm(officer, more)
    assert Case.objects.count() == 3 and ScreeningHit.objects.count() == 4


def test_every_wrong_row_is_named_and_nothing_is_imported(cast, login):
    officer = login("msb_officer")
    bad = [
        ROWS[0],
        ["JS-XJZY-0002", "虚假住院", "镇江康泰医院", uscc(101)[:-1] + "0", "吴乙", resident_id(502), "2026-10-09", "4100", "夜间无医嘱住院"],
        ["JS-YPDM-0003", "", "", "", "", "1234", "十月", "-5", ""],
        ["JS-XJZY-0001", "虚假住院", "镇江康泰医院", uscc(101), "", "", "", "1", "重复编号"],
    ]
    page = preview(officer, csv_file(bad)).content.decode()
    assert "3 行需要修正" in page
    assert "第3行：统一社会信用代码校验位不正确" in page
    assert "第4行：定点医药机构不能为空；疑点描述不能为空；涉及金额应为不小于0" in page and "结算日期应为" in page
    assert "。；" not in page  # one sentence, its parts joined once
    assert "第5行：线索编号 JS-XJZY-0001 与第2行重复" in page
    assert "确认导入" not in page and not Case.objects.exists()


def test_a_title_above_the_column_names_is_passed_over_and_rows_keep_their_numbers_in_the_file(cast, login):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["江苏省医保局虚假住院模型疑点清单（2026年第4批）"])
    sheet.append([])
    sheet.append(HEADER)
    sheet.append(ROWS[0])
    sheet.append(["JS-XJZY-0002", "虚假住院", "", "", "", "", "", "100", "缺机构"])
    out = io.BytesIO()
    book.save(out)
    page = preview(login("msb_officer"), SimpleUploadedFile("疑点清单.xlsx", out.getvalue())).content.decode()
    assert "共 2 行" in page and "第5行：定点医药机构不能为空" in page


def test_a_file_without_the_columns_or_of_another_kind_is_refused_clearly(cast, login):
    officer = login("msb_officer")
    page = preview(officer, SimpleUploadedFile("清单.csv", "编号,机构\n1,甲\n".encode())).content.decode()
    assert "缺少必需的列：线索编号、定点医药机构、涉及金额、疑点描述" in page and "列名行应包括" in page
    page = preview(officer, SimpleUploadedFile("清单.txt", b"hello")).content.decode()
    assert "请上传 .xlsx 或 .csv 文件" in page
    page = preview(officer, csv_file(ROWS, encoding="gb18030")).content.decode()  # a GB18030 export reads as well
    assert "将登记线索 2 件" in page


def test_only_a_bureaus_officers_import_and_each_bureau_keeps_its_own_hits(cast, login):
    assert login("psb_officer").get(reverse("cases:screening_import")).status_code == 403
    assert login("fund_officer").get(reverse("cases:screening_import")).status_code == 403
    confirm(login("msb_officer"), preview(login("msb_officer"), csv_file(ROWS)))
    other = login("cz_msb_officer")
    confirm(other, preview(other, csv_file(ROWS)))  # 常州 received the same numbers: its own leads
    assert Case.objects.filter(agency__code="cz-msb").count() == 2
    assert "镇江康泰医院" not in login("cz_msb_officer").get(reverse("cases:detail", args=[
        Case.objects.filter(agency__code="zj-msb").first().pk])).content.decode()


def test_a_stale_or_forged_confirmation_changes_nothing(cast, login):
    officer = login("msb_officer")
    response = officer.post(reverse("cases:screening_import"), {"token": "../../etc/passwd", "name": "x.csv"}, follow=True)
    assert "没有找到要导入的文件" in response.content.decode() and not Case.objects.exists()
