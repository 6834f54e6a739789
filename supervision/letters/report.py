"""T10 督办案件进展报告 / 结案报告 (domain §10.3 T10): the handling unit to the supervisor, citing the
督办通知书, for a reporting period, progress per track, amounts, problems and next steps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from referral.letters import layout
from referral.letters.clue_letter import balanced_title, sign_off, title_pieces


@dataclass(frozen=True)
class SupervisionReportLetter:
    number: str
    handling_unit: str
    supervisor: str
    notice_number: str
    case_title: str
    final: bool
    period_from: date
    period_to: date
    tracks: tuple[tuple[str, str], ...]  # (track, progress), empty progress left out
    recovered: Decimal
    fines: Decimal
    problems: str
    next_steps: str
    typical: bool
    contact_name: str
    contact_phone: str
    issued_on: date

    def __post_init__(self) -> None:
        if not self.notice_number.strip():
            raise ValueError("督办报告应当写明所依据的挂牌督办通知书文号。")
        if self.period_from > self.period_to:
            raise ValueError("报告期起不能晚于报告期止。")
        if not any(text.strip() for _, text in self.tracks):
            raise ValueError("督办报告应当写明案件办理进展。")

    @property
    def title(self) -> str:
        kind = "结案报告" if self.final else "进展情况的报告"
        return balanced_title(["关于", *title_pieces(self.case_title), f"挂牌督办{kind}"])


def _amount(value: Decimal) -> str:
    return f"{value:,.2f}元"


def build_supervision_report(report: SupervisionReportLetter) -> bytes:
    document = layout.new_document(title=report.title.replace("\n", ""), author=report.handling_unit)
    layout.letter_head(document, organ=report.handling_unit, number=report.number, title_text=report.title, to=report.supervisor)
    period = f"{layout.format_date(report.period_from)}至{layout.format_date(report.period_to)}"
    lead = "现将该案办理结果报告如下：" if report.final else f"现将{period}办理进展报告如下："
    layout.body(document, text=f"根据《关于对{report.case_title}实行挂牌督办的通知》（{report.notice_number}）要求，{lead}")
    number = 0
    for track, text in report.tracks:
        if text.strip():
            number += 1
            layout.heading(document, number=number, text=track, level=1)
            layout.body_paragraphs(document, text=text)
    number += 1
    layout.heading(document, number=number, text="追回资金和罚款", level=1)
    layout.body(document, text=f"截至{layout.format_date(report.period_to)}，追回医保基金{_amount(report.recovered)}，"
                               f"处罚款{_amount(report.fines)}。")
    for heading, text in (("存在的问题和需要协调的事项", report.problems),
                          ("各当事人的最终处理结果" if report.final else "下一步工作", report.next_steps)):
        if text.strip():
            number += 1
            layout.heading(document, number=number, text=heading, level=1)
            layout.body_paragraphs(document, text=text)
    if report.typical:
        layout.body(document, text="该案可作为典型案例公开曝光。")
    layout.body(document, text="特此报告。")
    sign_off(document, organ=report.handling_unit, signed_on=report.issued_on, attachments=(),
             contact=(report.contact_name, report.contact_phone), copy_to=())
    return layout.to_bytes(document)
