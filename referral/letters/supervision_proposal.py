"""T8 立案监督建议书: the bureau asks the same-level procuratorate to supervise the police's
refusal to file (310 Art. 9; 《人民检察院办理行政执法机关移送涉嫌犯罪案件的规定》items 九–十).

信函格式, 主送 the 人民检察院. Three routes lead here, told apart by the transfer history:
- 复议 upheld 不予立案: proposed within 3 days of receiving the 复议决定通知书 (310 Art. 9 ¶2);
- straight after 不予立案, without 复议 (310 Art. 9 ¶1, "也可以"): within 3 days of the notice;
- the police never decided in time, on the transfer or on the 复议 (310 Art. 17): no period runs,
  and the letter states the overdue decision instead.
The copies of every document in the history are listed as attachments automatically, followed by
the caller's own attachments and the 证据材料目录.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from docx.document import Document

from referral.letters import layout
from referral.letters.reconsideration_request import PoliceNotice, notice_reference
from referral.letters.transfer_notice import Attachment

TITLE = "立案监督建议书"
TRANSFER_DECREE = "《行政执法机关移送涉嫌犯罪案件的规定》"
PROCURATORATE_RULES = "《人民检察院办理行政执法机关移送涉嫌犯罪案件的规定》第九条、第十条"


@dataclass(frozen=True)
class TransferHistory:
    """The transfer so far: 移送书, 回执, 不予立案通知书, and the 复议 request and decision if any.

    Dates may be plain dates or aware datetimes; datetimes print to the minute.
    """

    transfer_number: str
    transferred_on: date
    receipted_at: date | None = None  # 回执 signed; a datetime prints to the minute
    decline_notice: PoliceNotice | None = None
    reconsideration_number: str = ""  # our 提请复议书 文号
    reconsideration_requested_on: date | None = None
    reconsideration_decision: PoliceNotice | None = None  # 复议决定通知书

    def __post_init__(self) -> None:
        if not self.transfer_number.strip():
            raise ValueError("移送历史应当写明移送书文号。")
        if self.reconsideration_number and self.decline_notice is None:
            raise ValueError("提请复议须以不予立案通知书为前提，请填写不予立案通知书。")
        if self.reconsideration_decision is not None and not (
            self.reconsideration_number and self.reconsideration_requested_on
        ):
            raise ValueError("有复议决定时，应当写明提请复议书的文号和日期。")
        if isinstance(self.receipted_at, datetime) and self.receipted_at.utcoffset() is None:
            raise ValueError("回执签收时间应当带时区。")
        if self.decline_notice is None and self.receipted_at is None:
            raise ValueError("公安机关未作决定的，应当写明回执签收时间。")

    @property
    def last_notice(self) -> PoliceNotice | None:
        """The notice the proposal answers: the 复议决定 if any, else the 不予立案通知书."""
        return self.reconsideration_decision or self.decline_notice

    def lines(self, *, police: str) -> list[str]:
        """One sentence per step that happened, in order, with dates (times to the minute)."""
        lines = [f"{layout.format_date(self.transferred_on)}，我局以《涉嫌犯罪案件移送书》"
                 f"（{self.transfer_number}）向{police}移送该案。"]
        if self.receipted_at is not None:
            lines.append(f"{layout.format_when(self.receipted_at)}，{police}在移送书回执上签收。")
        if self.decline_notice is not None:
            lines.append(f"{layout.format_when(self.decline_notice.received_at)}，我局收到{police}"
                         f"{notice_reference('不予立案通知书', self.decline_notice)}，该局决定对该案不予立案。")
        if self.reconsideration_number:
            dated = layout.format_date(self.reconsideration_requested_on) if self.reconsideration_requested_on else "此后"
            lines.append(f"{dated}，我局以《提请复议书》（{self.reconsideration_number}）提请{police}复议。")
        if self.reconsideration_decision is not None:
            lines.append(f"{layout.format_when(self.reconsideration_decision.received_at)}，我局收到{police}"
                         f"{notice_reference('复议决定通知书', self.reconsideration_decision)}，该局维持不予立案决定。")
        return lines

    def copies(self) -> list[Attachment]:
        """A copy of every document in the history, in order."""
        names = ["涉嫌犯罪案件移送书", "涉嫌犯罪案件移送书回执"][: 1 + (self.receipted_at is not None)]
        if self.decline_notice is not None:
            names.append("不予立案通知书")
        if self.reconsideration_number:
            names.append("提请复议书")
        if self.reconsideration_decision is not None:
            names.append("复议决定通知书")
        return [Attachment(f"{name}（复印件）") for name in names]


@dataclass(frozen=True)
class SupervisionProposal:
    """Everything printed on the 立案监督建议书; `summary` and `reasons` print a paragraph per line."""

    number: str  # "镇医保监督建议〔2026〕1号"
    issuing_agency: str
    procuratorate: str  # 主送: the same-level 人民检察院
    police_agency: str
    case_title: str
    summary: str
    amount: Decimal
    history: TransferHistory
    reasons: str
    contact_name: str
    contact_phone: str
    issued_on: date
    attachments: tuple[Attachment, ...] = ()  # beyond the copies of the history
    evidence_index_pages: int | None = None
    copy_to: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.number.strip():
            raise ValueError("立案监督建议书文号不能为空。")
        if not self.procuratorate.strip():
            raise ValueError("立案监督建议书应当主送同级人民检察院。")
        if not self.summary.strip():
            raise ValueError("立案监督建议书应当写明案件基本情况。")
        if not self.reasons.strip():
            raise ValueError("立案监督建议书应当写明该案应当立案的理由。")
        if self.amount < 0:
            raise ValueError("涉案金额不能为负数。")
        last = self.history.last_notice
        if last is not None and self.issued_on < layout.calendar_day(last.received_at):
            raise ValueError("立案监督建议书的成文日期不能早于收到公安机关通知书的日期。")

    def all_attachments(self) -> list[Attachment]:
        """Copies of the history, the caller's attachments, then the 证据材料目录."""
        index = Attachment("证据材料目录", pages=self.evidence_index_pages)
        return [*self.history.copies(), *self.attachments, index]


def build_supervision_proposal(proposal: SupervisionProposal) -> bytes:
    """The 立案监督建议书 as .docx in 信函格式, page 1 unnumbered."""
    document = layout.new_document(title=f"{TITLE}（{proposal.number}）", author=proposal.issuing_agency)
    layout.letter_head(
        document, organ=proposal.issuing_agency, number=proposal.number, title_text=TITLE,
        to=proposal.procuratorate,
    )
    layout.body(document, text=f"我局移送{proposal.police_agency}的{proposal.case_title}，"
                f"{_status(proposal)}。我局认为该案依法应当立案，现建议你院依法进行立案监督。有关情况如下：")
    layout.heading(document, number=1, text="案件基本情况", level=1)
    layout.body_paragraphs(document, text=proposal.summary)
    layout.body(document, text=f"经查，涉案金额共计{layout.format_amount(proposal.amount)}"
                f"（大写：{layout.amount_in_words(proposal.amount)}）。")
    layout.heading(document, number=2, text="移送及处理经过", level=1)
    _history(document, proposal)
    layout.heading(document, number=3, text="应当立案的理由", level=1)
    layout.body_paragraphs(document, text=proposal.reasons)
    layout.heading(document, number=4, text="监督建议", level=1)
    for line in _closing(proposal):
        layout.body(document, text=line)
    last_text = len(document.paragraphs) - 1  # the 落款 keeps the last paragraph of text with it
    layout.blank_line(document)
    layout.attachment_note(document, items=[item.label for item in proposal.all_attachments()])
    layout.blank_line(document)
    layout.signature(document, organ=proposal.issuing_agency, signed_on=proposal.issued_on)
    layout.annotation(document, text=f"联系人：{proposal.contact_name}，联系电话：{proposal.contact_phone}")
    layout.keep_together(document, start=last_text)
    if proposal.copy_to:
        layout.blank_line(document)
        layout.copy_to(document, organs=proposal.copy_to)
    layout.page_numbers(document, letter_format=True)
    return layout.to_bytes(document)


def _status(proposal: SupervisionProposal) -> str:
    history, police = proposal.history, proposal.police_agency
    if history.reconsideration_decision is not None:
        return (f"{police}决定不予立案，经我局提请复议，"
                f"以{notice_reference('复议决定通知书', history.reconsideration_decision)}维持不予立案决定")
    if history.reconsideration_number:
        return f"{police}决定不予立案，我局提请复议后，{police}逾期未作出复议决定"
    if history.decline_notice is not None:
        return f"{police}以{notice_reference('不予立案通知书', history.decline_notice)}决定不予立案"
    return f"{police}自接受移送之日起逾期未作出立案或者不予立案的决定"


def _history(document: Document, proposal: SupervisionProposal) -> None:
    for index, line in enumerate(proposal.history.lines(police=proposal.police_agency), start=1):
        layout.body(document, text=f"{index}. {line}")


def _closing(proposal: SupervisionProposal) -> list[str]:
    """The request with its legal basis, then the timeliness statement where a period runs: from
    the 复议决定 (Art. 9 ¶2) or, without 复议, from the 不予立案通知书 (Art. 9 ¶1). An overdue
    police decision (Art. 17) starts no period, so no statement is made."""
    history = proposal.history
    decision, decline = history.reconsideration_decision, history.decline_notice
    if decision is not None:
        article = f"{TRANSFER_DECREE}第九条第二款"
        timely = (f"我局于{layout.format_when(decision.received_at)}收到复议决定通知书，"
                  "本建议系自收到复议决定通知书之日起3日内提出。")
    elif decline is not None and not history.reconsideration_number:
        article = f"{TRANSFER_DECREE}第九条第一款"
        timely = (f"我局于{layout.format_when(decline.received_at)}收到不予立案通知书，"
                  "本建议系自收到不予立案通知书之日起3日内提出。")
    else:
        article = f"{TRANSFER_DECREE}第九条、第十七条"
        timely = ""
    request = (f"依据{article}和{PROCURATORATE_RULES}的规定，建议你院依法对该案进行立案监督，"
               f"要求{proposal.police_agency}说明不立案理由；理由不能成立的，通知其依法立案，"
               "并将监督结果告知我局。")
    return [request, timely] if timely else [request]
