"""The credit entries as a workbook for the credit platform (信用信息共享平台): one row an entry, codes in full."""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from credit.records import CreditEntry

COLUMNS = ("主体名称", "主体类型", "统一社会信用代码/身份证号码", "惩戒措施", "依据", "决定文书号", "决定日期", "有效期起", "有效期止",
           "决定机关")
WIDTHS = (30, 8, 22, 40, 48, 22, 12, 12, 12, 26)


def credit_workbook(entries: Iterable[CreditEntry], *, agency_name: str) -> tuple[bytes, int]:
    """The workbook and how many entries it holds."""
    book = Workbook()
    sheet = book.active
    sheet.title = "信用信息"
    sheet.append([f"{agency_name}医保领域信用信息（{timezone.localdate():%Y年%m月%d日}导出）"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(list(COLUMNS))
    for cell in sheet[2]:
        cell.font, cell.alignment = Font(bold=True), Alignment(horizontal="center")
    count = 0
    for entry in entries:
        count += 1
        sheet.append([entry.subject, entry.subject_kind, entry.code, entry.measure, entry.legal_basis, entry.document,
                      entry.decided_on, entry.period_from, entry.period_to or "执行中"])
        sheet.cell(row=sheet.max_row, column=10, value=entry.agency)
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions["ABCDEFGHIJ"[index]].width = width
    for row in sheet.iter_rows(min_row=3):
        row[2].number_format = "@"  # a code is text, never a number in scientific notation
        for cell in row[6:9]:
            cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A3"
    out = BytesIO()
    book.save(out)
    return out.getvalue(), count
