"""T3 涉案物品清单 and its 交接清单 form (domain §10.3 T3; 310 Arts. 4, 6(3), 12).

One builder, two purposes:
- "清单": the list attached to the 移送书 (310 Art. 6(3)), signed off by the transferring organ;
- "交接": the handover list after 立案 (310 Art. 12), which adds the time of handover to the
  minute and the signatures of the handlers on both sides.
Eight columns do not fit the 156 mm portrait text block in 4号, so the page is A4 landscape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from docx.document import Document
from docx.shared import Mm
from docx.table import _Cell

from referral.letters import layout

Purpose = Literal["清单", "交接"]
PURPOSES: tuple[Purpose, ...] = ("清单", "交接")
TITLES: dict[Purpose, str] = {"清单": "涉案物品清单", "交接": "涉案物品交接清单"}
COLUMNS = ("序号", "名称", "规格", "数量", "来源/\n存放地点", "封存/登记\n保存编号", "保管人", "备注")
WIDTHS_MM = (14, 36, 26, 22, 36, 42, 21, 28)  # 225 mm: the landscape text block
LINE_PT = 22.0  # 4号 (14 pt) set at about 1.5 lines, so a page holds some twenty lines
SIGNATURE_BLANK = "_" * 16


@dataclass(frozen=True)
class Item:
    """One seized item or bundle of material; name and quantity (with its unit) are required."""

    name: str
    quantity: str  # "3箱", "1台"
    specification: str = ""
    location: str = ""  # 来源 / 存放地点
    seal_number: str = ""  # 封存 or 登记保存 number
    custodian: str = ""
    note: str = ""


@dataclass(frozen=True)
class ItemList:
    """A 涉案物品清单 ("清单") or 交接清单 ("交接"); refuses an empty or inconsistent list.

    "清单" is dated `prepared_on` (required) and signed by the transferring organ alone; "交接"
    needs `handed_over_at` (aware, printed to the minute in Beijing time) and is signed by both
    organs. `handed_over_by` / `received_by` are the handlers' names (经办人); an unknown side
    prints a blank line to sign on.
    """

    purpose: Purpose
    case_title: str
    transfer_number: str  # the 移送书 文号
    handing_agency: str
    receiving_agency: str
    items: tuple[Item, ...]
    prepared_on: date | None = None
    handed_over_at: datetime | None = None
    handed_over_by: tuple[str, ...] = ()
    received_by: tuple[str, ...] = ()
    filing_notice_number: str = ""  # 立案通知书 文号, printed on the 交接清单 when known
    number: str = ""  # the list's own register number, when it is issued as a document of record

    def __post_init__(self) -> None:
        if self.purpose not in PURPOSES:
            raise ValueError(f"清单用途应为“清单”或“交接”，收到“{self.purpose}”。")
        if not self.transfer_number.strip():
            raise ValueError("涉案物品清单应当注明移送书文号。")
        if not self.items:
            raise ValueError("涉案物品清单至少应列明一项物品。")
        incomplete = [str(i) for i, item in enumerate(self.items, 1) if not (item.name.strip() and item.quantity.strip())]
        if incomplete:
            raise ValueError(f"第{'、'.join(incomplete)}项物品缺少名称或数量。")
        if self.purpose == "交接":
            if self.handed_over_at is None:
                raise ValueError("交接清单应当载明交接时间（至分钟）。")
            if self.handed_over_at.tzinfo is None or self.handed_over_at.utcoffset() is None:
                raise ValueError("交接时间应当带时区。")
        elif self.prepared_on is None:
            raise ValueError("涉案物品清单应当写明填表日期。")
        elif self.handed_over_at is not None or self.received_by:
            raise ValueError("随移送书附送的物品清单不记载交接时间和接收人；移交时请使用“交接”。")

    @property
    def title(self) -> str:
        return TITLES[self.purpose]


def build_item_list(data: ItemList) -> bytes:
    """The list as landscape .docx: title, case header, the item table, then both sides' sign-off."""
    document = layout.new_document(title=f"{data.title}（{data.transfer_number}）", author=data.handing_agency)
    layout.landscape(document)
    layout.line_grid(document, pitch_pt=LINE_PT)
    layout.title(document, text=data.title)
    layout.blank_line(document)
    for line in _header_lines(data):
        _line(document, line)
    rows = [COLUMNS] + [
        (str(index), item.name, item.specification, item.quantity, item.location,
         item.seal_number, item.custodian, item.note)
        for index, item in enumerate(data.items, start=1)
    ]
    layout.table(document, rows=rows, widths_mm=WIDTHS_MM, face=layout.RECORD, header_row=True, line_pt=LINE_PT)
    _line(document, f"以上物品共计{len(data.items)}项。")
    layout.blank_line(document)
    _sign_off(document, data)
    layout.page_numbers(document, letter_format=False)
    return layout.to_bytes(document)


def _line(container: Document | _Cell, text: str) -> None:
    layout.add_run(layout.paragraph(container, align="left", line_pt=LINE_PT), text, face=layout.RECORD)


def _header_lines(data: ItemList) -> list[str]:
    lines = [f"编号：{data.number}"] if data.number else []
    lines += [f"案件名称：{data.case_title}", f"移送书文号：{data.transfer_number}"]
    if data.purpose == "交接":
        if data.filing_notice_number:
            lines[-1] += f"　　立案通知书文号：{data.filing_notice_number}"
        lines.append(f"移交单位：{data.handing_agency}　　接收单位：{data.receiving_agency}")
        lines.append(f"交接时间：{layout.format_datetime_minute(data.handed_over_at)}")
    else:
        lines.append(f"移送单位：{data.handing_agency}　　接收单位：{data.receiving_agency}")
    return lines


def _sign_off(document: Document, data: ItemList) -> None:
    """交接: the handing organ (left) and the receiving organ (right) side by side, each with its
    handlers' names or a blank line to sign on. 清单: the transferring organ alone, on the right."""
    if data.purpose == "交接":
        blocks = (
            [f"移交单位（印章）：{data.handing_agency}", _handlers(data.handed_over_by)],
            [f"接收单位（印章）：{data.receiving_agency}", _handlers(data.received_by)],
        )
    else:
        blocks = ([], [f"移送单位（印章）：{data.handing_agency}", _handlers(data.handed_over_by),
                       f"填表日期：{layout.format_date(data.prepared_on)}"])
    grid = document.add_table(rows=1, cols=2)  # no style: a layout grid without borders
    grid.autofit = False
    for cell, lines in zip(grid.rows[0].cells, blocks, strict=True):
        cell.width = Mm(sum(WIDTHS_MM) / 2)
        cell._element.remove(cell.paragraphs[0]._p)
        for line in lines or [""]:
            _line(cell, line)


def _handlers(names: tuple[str, ...]) -> str:
    return f"经办人（签名）：{'、'.join(names) or SIGNATURE_BLANK}"
