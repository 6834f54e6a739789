"""The statistics as an .xlsx workbook (openpyxl): one sheet per table, Chinese headers, a title row
naming the region and the period, numbers stored as numbers (amounts in 万元 at full precision)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from leadership.statistics import Figure, Report

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AMOUNT_FORMAT = "#,##0.00####"  # at least two decimals, and the 元 cents when there are any (0.000001 万元 = 1分)

NOTES = [
    "说明：",
    "1. 家为去重后的定点医药机构数（按统一社会信用代码），家次为处理或检查的次数；件为案件数（行政处罚决定按决定书计）；人为去重后的人数（按身份证件号码），人次为次数。",
    "2. 按决定日期（检查日期、处理日期、决定日期、记分日期）归入统计期间；移送公安机关按移送书发出日期，收到的移送和来文按对方发出日期，线索按登记、立案日期。",
    "3. 协议处理、监督检查、记分按定点医药机构所在地统计；行政处罚、移送按承办的医疗保障局所在地统计。",
    "4. 金额以元为单位精确记录，表中折算为万元。",
    "5. “行政处罚定点医药机构”不含仅责令退回医保基金的决定（责令退回不属于行政处罚）；“处理定点医药机构”含协议处理和行政处罚（处理）决定。",
]


def _title(sheet: Worksheet, report: Report, title: str, width: int) -> None:
    sheet.append([f"{report.region.name}{title}　{report.period.text}"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([f"统计区域：{report.region.name}    统计期间：{report.period.text}    导出时间：{report.generated_at:%Y-%m-%d %H:%M}"])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)


def _header(sheet: Worksheet, headers: list[str]) -> None:
    sheet.append(headers)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")


def _row(sheet: Worksheet, cells: list, figure: Figure) -> None:
    """A row whose last cell is the figure's value: an int, or 万元 as a Decimal with its cents."""
    sheet.append([*cells, figure.value])
    if figure.is_amount:
        sheet.cell(row=sheet.max_row, column=len(cells) + 1).number_format = AMOUNT_FORMAT


def _widths(sheet: Worksheet, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _notes(sheet: Worksheet) -> None:
    sheet.append([])
    for line in NOTES:
        sheet.append([line])


def statistics_workbook(report: Report) -> bytes:
    workbook = Workbook()
    bureau = workbook.active
    bureau.title = "主要指标"
    _title(bureau, report, "医保基金监管主要指标", 3)
    _header(bureau, ["项目", "单位", "数量"])
    for figure in report.bureau:
        _row(bureau, [figure.label, figure.unit], figure)
    _notes(bureau)
    _widths(bureau, [34, 8, 14])

    quarterly = workbook.create_sheet("季度统计表")
    _title(quarterly, report, "医保基金工作情况统计表", 4)
    _header(quarterly, ["类别", "指标", "单位", "数值"])
    for figure in report.quarterly:
        _row(quarterly, [figure.group, figure.label, figure.unit], figure)
    _notes(quarterly)
    if report.discipline_withheld:
        quarterly.append(["移送纪检监察机关的件数涉及保密，仅向规定的负责人显示，本表未列。"])
    _widths(quarterly, [30, 36, 8, 14])

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_filename(report: Report) -> str:
    return f"医保基金监管统计_{report.region.name}_{report.period.start:%Y%m%d}-{report.period.end:%Y%m%d}.xlsx"
