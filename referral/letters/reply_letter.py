"""复函: the bureau's written reply to an organ that handed it a matter to handle, in 信函格式.

Three variants, told apart by `regarding` (the kind of the incoming document):
- "反向移送函": the police transferred a case back for administrative handling (310 Art. 13;
  行政处罚法 Art. 27); the reply is the "MSB result notice" of domain §6.5 and §7 (practice).
- "检察意见书": the procuratorate proposed a penalty after 不起诉; the bureau must notify it of the
  result (刑事诉讼法 Art. 177(3), domain §6.6(c)).
- anything else: feedback to any organ on the matter its document raised; no legal basis cited.
Title "关于××办理情况的复函"; with `report=True` the written report owed to the organising bureau
once a 飞行检查 handover is handled (令第6号): "关于××查处情况的报告", closing "特此报告。". The builder prints the dates it is given; it refuses a reply dated
before the incoming document arrived, or an incoming document dated after it arrived.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from referral.letters import layout
from referral.letters.clue_letter import addressed_as, balanced_title, sign_off, title_pieces
from referral.letters.transfer_notice import Attachment

REVERSE_TRANSFER = "反向移送函"
PROCURATORIAL_OPINION = "检察意见书"
LEGAL_BASIS: dict[str, tuple[str, ...]] = {
    REVERSE_TRANSFER: ("《行政执法机关移送涉嫌犯罪案件的规定》第十三条", "《中华人民共和国行政处罚法》第二十七条"),
    PROCURATORIAL_OPINION: ("《中华人民共和国刑事诉讼法》第一百七十七条第三款",),
}
CLOSING = "特此函复。"
REPORT_CLOSING = "特此报告。"


@dataclass(frozen=True)
class ReplyLetter:
    """Everything printed on the 复函; `result` prints a paragraph per line.

    `received_at` may be a date or an aware datetime (printed to the minute).
    """

    number: str  # "镇医保函〔2026〕5号"
    issuing_agency: str
    addressee: str  # 主送: the organ that sent the incoming document
    regarding: str  # "反向移送函", "检察意见书", or the incoming document's own name
    incoming_number: str
    received_at: date
    case_title: str
    result: str
    contact_name: str
    contact_phone: str
    issued_on: date
    incoming_issued_on: date | None = None
    measures: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    copy_to: tuple[str, ...] = ()
    report: bool = False

    def __post_init__(self) -> None:
        for text, label in ((self.number, "复函文号"), (self.addressee, "主送机关"), (self.regarding, "来文名称"),
                            (self.case_title, "案件名称")):
            if not text.strip():
                raise ValueError(f"复函应当写明{label}。")
        if not self.incoming_number.strip():
            raise ValueError(f"复函应当写明所复《{self.document_name}》的文号。")
        if not self.result.strip():
            raise ValueError("复函应当写明办理结果（立案查处情况或者不予立案的理由）。")
        if isinstance(self.received_at, datetime) and self.received_at.utcoffset() is None:
            raise ValueError("来文收到时间应当带时区。")
        received = layout.calendar_day(self.received_at)
        if self.incoming_issued_on is not None and self.incoming_issued_on > received:
            raise ValueError("来文日期不能晚于收到来文的日期。")
        if self.issued_on < received:
            raise ValueError("复函的成文日期不能早于收到来文的日期。")

    @property
    def document_name(self) -> str:
        return self.regarding.strip().strip("《》")

    @property
    def title(self) -> str:
        return balanced_title(["关于", *title_pieces(self.case_title), "查处情况的报告" if self.report else "办理情况的复函"])


def build_reply_letter(letter: ReplyLetter) -> bytes:
    """The 复函 as .docx in 信函格式, page 1 unnumbered."""
    document = layout.new_document(title=letter.title.replace("\n", ""), author=letter.issuing_agency)
    layout.letter_head(document, organ=letter.issuing_agency, number=letter.number, title_text=letter.title,
                       to=letter.addressee)
    layout.body(document, text=_opening(letter))
    if letter.measures:  # a lone "一、" heading would have no "二、" to follow it
        layout.heading(document, number=1, text="办理情况", level=1)
    layout.body_paragraphs(document, text=letter.result)
    if letter.measures:
        layout.heading(document, number=2, text="采取的措施", level=1)
        for index, measure in enumerate(letter.measures, start=1):
            end = "。" if index == len(letter.measures) else "；"
            layout.body(document, text=f"{index}. {measure.strip().rstrip('。；;')}{end}")
    layout.body(document, text=REPORT_CLOSING if letter.report else CLOSING)
    sign_off(document, organ=letter.issuing_agency, signed_on=letter.issued_on, attachments=letter.attachments,
             contact=(letter.contact_name, letter.contact_phone), copy_to=letter.copy_to, keep_last=2)
    return layout.to_bytes(document)


def _opening(letter: ReplyLetter) -> str:
    """Which document arrived when and what it asked; the basis for handling (反向移送) or for
    replying (检察意见书); the lead-in."""
    you, name = addressed_as(letter.addressee), letter.document_name
    dated = f"，{layout.format_date(letter.incoming_issued_on)}作出" if letter.incoming_issued_on else ""
    text = f"我局于{layout.format_when(letter.received_at)}收到{you}《{name}》（{letter.incoming_number}{dated}），"
    basis = "、".join(LEGAL_BASIS.get(name, ()))
    if name == REVERSE_TRANSFER:
        return (text + f"{you}将{letter.case_title}移送我局依法处理。我局依据{basis}的规定，"
                "对该案依法进行了审查处理。现将办理情况函复如下：")
    if name == PROCURATORIAL_OPINION:
        return (text + f"{you}就{letter.case_title}向我局提出检察意见。我局依法进行了审查处理。"
                f"依据{basis}的规定，现将处理结果函复如下：")
    if letter.report:
        return text + f"涉及{letter.case_title}。我局已报送处理进度和整改方案，现该案已办结，将查处及整改落实情况报告如下："
    return text + f"涉及{letter.case_title}。现将办理情况函复如下："
