"""T7 提请复议书: the bureau asks the police to reconsider a 不予立案 decision (310 Art. 9 ¶1).

Title: "提请复议书", not "关于提请复议……的函". domain.md names the template so (§10.3 T7 and the
§7 handoff table), 310 Art. 9 itself speaks of the organ 提请…复议 and of "提请复议的文件", and the
document belongs to the 移送书 series of transfer instruments (…书) rather than to general 函.
It is laid out in 信函格式 like the 移送书: organ mark, red rules, 文号 flush right, 主送 the police
organ that declined.

The builder prints the dates it is given; whether the request is within the 3-day period (holidays
and all) is the clocks' business, so it only refuses a request dated before the notice arrived.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from docx.document import Document

from referral.letters import layout
from referral.letters.transfer_notice import Attachment

TITLE = "提请复议书"
LEGAL_BASIS = "《行政执法机关移送涉嫌犯罪案件的规定》第九条第一款"


@dataclass(frozen=True)
class PoliceNotice:
    """A notice from the police (不予立案通知书, 复议决定通知书): its 文号 and when it arrived.

    `received_at` may be a date or an aware datetime; a datetime prints to the minute.
    """

    number: str
    received_at: date
    issued_on: date | None = None

    def __post_init__(self) -> None:
        if isinstance(self.received_at, datetime) and self.received_at.utcoffset() is None:
            raise ValueError("通知书收到时间应当带时区。")


@dataclass(frozen=True)
class ReconsiderationRequest:
    """Everything printed on the 提请复议书; refuses a request that cannot be sent.

    `facts`, `evidence` and `legal_reasons` print one paragraph per line. When `threshold` (the
    立案追诉标准 in 元) is given, the amount is compared with it and must reach it.
    """

    number: str  # "镇医保复议〔2026〕1号"
    issuing_agency: str
    deciding_agency: str  # the police organ that declined
    case_title: str
    transfer_number: str
    transferred_on: date
    decline_notice: PoliceNotice
    facts: str
    amount: Decimal
    evidence: str
    legal_reasons: str
    contact_name: str
    contact_phone: str
    issued_on: date
    decline_reasons: str = ""  # the reasons the notice gave, summarised
    threshold: Decimal | None = None
    threshold_source: str = ""  # "江苏省诈骗罪“数额较大”标准"
    new_evidence: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    copy_to: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.number.strip():
            raise ValueError("提请复议书文号不能为空。")
        if not self.decline_notice.number.strip():
            raise ValueError("应当写明被提请复议的不予立案通知书文号。")
        if not self.transfer_number.strip():
            raise ValueError("应当写明原移送书文号。")
        for text, label in ((self.facts, "事实"), (self.evidence, "证据"), (self.legal_reasons, "法律依据")):
            if not text.strip():
                raise ValueError(f"提请复议的理由应当写明{label}。")
        if self.amount < 0:
            raise ValueError("涉案金额不能为负数。")
        if self.threshold is not None and not self.threshold_source.strip():
            raise ValueError("引用立案追诉标准时应当写明标准的出处。")
        if self.threshold is not None and self.amount < self.threshold:
            raise ValueError("涉案金额未达到所引立案追诉标准，不能以数额作为复议理由。")
        if self.issued_on < layout.calendar_day(self.decline_notice.received_at):
            raise ValueError("提请复议书的成文日期不能早于收到不予立案通知书的日期。")


def build_reconsideration_request(request: ReconsiderationRequest) -> bytes:
    """The 提请复议书 as .docx in 信函格式, page 1 unnumbered."""
    document = layout.new_document(title=f"{TITLE}（{request.number}）", author=request.issuing_agency)
    layout.letter_head(
        document, organ=request.issuing_agency, number=request.number, title_text=TITLE,
        to=request.deciding_agency,
    )
    layout.body(document, text=_opening(request))
    _reasons(document, request)
    for line in _closing(request):
        layout.body(document, text=line)
    last_text = len(document.paragraphs) - 1  # the 落款 keeps the last paragraph of text with it
    if request.attachments:
        layout.blank_line(document)
        layout.attachment_note(document, items=[item.label for item in request.attachments])
    layout.blank_line(document)
    layout.signature(document, organ=request.issuing_agency, signed_on=request.issued_on)
    layout.annotation(document, text=f"联系人：{request.contact_name}，联系电话：{request.contact_phone}")
    layout.keep_together(document, start=last_text)
    if request.copy_to:
        layout.blank_line(document)
        layout.copy_to(document, organs=request.copy_to)
    layout.page_numbers(document, letter_format=True)
    return layout.to_bytes(document)


def notice_reference(kind: str, notice: PoliceNotice) -> str:
    """"《不予立案通知书》（文号）", with its date when known."""
    dated = f"，{layout.format_date(notice.issued_on)}作出" if notice.issued_on else ""
    return f"《{kind}》（{notice.number}{dated}）"


def _opening(request: ReconsiderationRequest) -> str:
    notice = request.decline_notice
    text = (
        f"我局于{layout.format_date(request.transferred_on)}以《涉嫌犯罪案件移送书》"
        f"（{request.transfer_number}）向你局移送{request.case_title}。"
        f"我局于{layout.format_when(notice.received_at)}收到你局"
        f"{notice_reference('不予立案通知书', notice)}，你局决定对该案不予立案"
    )
    text += f"，理由为：{request.decline_reasons.strip().rstrip('。')}。" if request.decline_reasons.strip() else "。"
    return text + "我局认为，该案依法应当立案追究刑事责任，理由如下："


def _reasons(document: Document, request: ReconsiderationRequest) -> None:
    layout.heading(document, number=1, text="案件事实和涉案金额", level=1)
    layout.body_paragraphs(document, text=request.facts)
    amount = (
        f"经查，涉案金额共计{layout.format_amount(request.amount)}"
        f"（大写：{layout.amount_in_words(request.amount)}）"
    )
    if request.threshold is not None:
        amount += (
            f"，已达到{request.threshold_source}{layout.format_amount(request.threshold)}"
            f"（大写：{layout.amount_in_words(request.threshold)}）的立案追诉标准"
        )
    layout.body(document, text=amount + "。")
    layout.heading(document, number=2, text="证据情况", level=1)
    layout.body_paragraphs(document, text=request.evidence)
    layout.heading(document, number=3, text="法律依据", level=1)
    layout.body_paragraphs(document, text=request.legal_reasons)
    layout.heading(document, number=4, text="新的证据", level=1)
    if not request.new_evidence:
        layout.body(document, text="本次提请复议未提交新的证据。")
        return
    layout.body(document, text="移送后，我局取得以下新的证据，一并提交你局：")
    for index, item in enumerate(request.new_evidence, start=1):
        layout.body(document, text=f"{index}. {item.strip()}")


def _closing(request: ReconsiderationRequest) -> list[str]:
    notice = request.decline_notice
    return [
        f"综上，依据{LEGAL_BASIS}的规定，我局提请你局复议，请依法撤销{notice_reference('不予立案通知书', notice)}"
        "所作的不予立案决定，对该案依法立案侦查，并自收到本提请复议书之日起3日内作出立案或者不予立案的决定，"
        "书面通知我局。",
        f"我局于{layout.format_when(notice.received_at)}收到上述不予立案通知书，"
        "本提请复议书系自收到该通知书之日起3日内提出。",
    ]
