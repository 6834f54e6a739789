"""T2 涉嫌犯罪案件情况的调查报告 (domain §10.3; 310 Art. 6(2); 49号 Annex 3).

A report, not a 函: it travels inside the transfer package behind the 移送书, so it carries no organ
mark, red rule or 主送机关 — only its title, the case it concerns, the nine sections of §10.3 T2 and
the signatures of the 专案组 (≥2 officers, 310 Art. 5). Every page is numbered. The section list
follows domain.md; the official 49号 annex was not available (UNCONFIRMED).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from docx.document import Document

from referral.letters import layout
from referral.letters.transfer_notice import Officer

TITLE = "涉嫌犯罪案件情况的调查报告"

# (field, heading) for the eight text sections, in the order they are printed.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("parties", "当事人基本情况"),
    ("source", "案件来源及发现经过"),
    ("process", "调查经过"),
    ("facts_and_evidence", "查明的违法事实及证据"),
    ("amount_calculation", "涉案金额的计算"),
    ("legal_analysis", "法律分析及涉嫌犯罪的理由"),
    ("measures_taken", "已采取的行政处理措施"),
    ("conclusion", "调查结论及移送建议"),
)
SIGNATURE_HEADING = "调查人员签名"


@dataclass(frozen=True)
class InvestigationReport:
    """The report's text, one field per section; every section is required.

    Multi-line section texts print one paragraph per line. `amount` closes section 五 in figures
    and in words, so the calculation text need not repeat it.
    """

    agency: str  # "镇江市医疗保障局"
    case_title: str  # "××医院涉嫌骗取医保基金案"
    parties: str
    source: str
    process: str
    facts_and_evidence: str
    amount_calculation: str
    legal_analysis: str
    measures_taken: str
    conclusion: str
    amount: Decimal
    officers: tuple[Officer, ...]
    reported_on: date
    transfer_number: str = ""  # the 移送书 this report accompanies, once numbered

    def __post_init__(self) -> None:
        if not self.case_title.strip():
            raise ValueError("调查报告应当写明案件名称。")
        for field, heading in SECTIONS:
            if not getattr(self, field).strip():
                raise ValueError(f"调查报告“{heading}”部分不能为空。")
        if self.amount < 0:
            raise ValueError("涉案金额不能为负数。")
        if len(self.officers) < 2:
            raise ValueError(
                "调查报告应当由2名以上行政执法人员签名（《行政执法机关移送涉嫌犯罪案件的规定》第五条）。"
            )
        missing = [officer.name for officer in self.officers if not officer.badge_number.strip()]
        if missing:
            raise ValueError(f"调查人员{'、'.join(missing)}缺少执法证号。")



def build_investigation_report(report: InvestigationReport) -> bytes:
    """The report as .docx: title, case name, sections 一 to 八, then 九 with the officers' table."""
    document = layout.new_document(title=f"{TITLE}（{report.case_title}）", author=report.agency)
    _head(document, report)
    for number, (field, heading) in enumerate(SECTIONS, start=1):
        layout.heading(document, number=number, text=heading, level=1)
        # Identifiers (信用代码, 身份证号) cannot break, and justification would stretch their line.
        align: layout.Align = "left" if field == "parties" else "justify"
        layout.body_paragraphs(document, text=getattr(report, field), align=align)
        if field == "amount_calculation":
            layout.body(
                document,
                text=f"经计算，涉案金额共计{layout.format_amount(report.amount)}"
                f"（大写：{layout.amount_in_words(report.amount)}）。",
            )
    _signatures(document, report, number=len(SECTIONS) + 1)
    layout.page_numbers(document, letter_format=False)
    return layout.to_bytes(document)


def _head(document: Document, report: InvestigationReport) -> None:
    layout.title(document, text=TITLE)
    layout.blank_line(document)
    layout.add_run(layout.paragraph(document, align="center"), f"（{report.case_title}）")
    if report.transfer_number:
        layout.add_run(
            layout.paragraph(document, align="center"), f"移送书文号：{report.transfer_number}"
        )
    layout.blank_line(document)


def _signatures(document: Document, report: InvestigationReport, *, number: int) -> None:
    layout.heading(document, number=number, text=SIGNATURE_HEADING, level=1)
    layout.table(
        document,
        widths_mm=(20, 40, 54, 42),
        header_row=True,
        rows=(
            ("序号", "姓名", "执法证号", "签名"),
            *(
                (str(index), officer.name, officer.badge_number, "")
                for index, officer in enumerate(report.officers, start=1)
            ),
        ),
    )
    layout.blank_line(document)
    layout.signature(
        document, organ=f"{report.agency}专案组", signed_on=report.reported_on, seal_placeholder=False
    )
