"""T1 涉嫌犯罪案件移送书 with its T6 回执 stub (domain §10.3), in 信函格式.

The field list is reconstructed from Decree 310 Arts. 6–12 and 医保发〔2021〕49号; the official
form was not available (UNCONFIRMED).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from docx.document import Document

from referral.letters import layout

TITLE = "涉嫌犯罪案件移送书"
RECEIPT_TITLE = "回　执"
RECEIPT_LINE_PT = 1.5 * layout.RECORD.size_pt  # the 回执 is a form: its rows need not keep the page grid

DEFAULT_LEGAL_BASIS: tuple[str, ...] = (
    "《中华人民共和国行政处罚法》第二十七条",
    "《行政执法机关移送涉嫌犯罪案件的规定》第三条、第六条",
    "《医疗保障基金使用监督管理条例》第四十八条",
    "《国家医疗保障局 公安部关于加强查处骗取医保基金案件行刑衔接工作的通知》（医保发〔2021〕49号）",
)


@dataclass(frozen=True)
class Party:
    """当事人: an institution or a person."""

    name: str
    kind_label: str  # "定点医疗机构", "参保人员"
    identifier_label: str  # "统一社会信用代码", "居民身份证号码"
    identifier: str
    address: str = ""
    legal_representative: str = ""


@dataclass(frozen=True)
class Attachment:
    """An item of the transfer package, with its page count when known."""

    name: str
    pages: int | None = None

    @property
    def label(self) -> str:
        return self.name if self.pages is None else f"{self.name}（共{self.pages}页）"


@dataclass(frozen=True)
class Officer:
    """A member of the 专案组 and the number of their 行政执法证."""

    name: str
    badge_number: str


@dataclass(frozen=True)
class TransferNotice:
    """Everything printed on the 移送书 and its 回执; refuses an incomplete notice."""

    number: str  # "镇医保移〔2026〕3号"
    issuing_agency: str
    receiving_agency: str
    case_title: str  # "××医院涉嫌骗取医保基金案"
    parties: tuple[Party, ...]
    facts: str  # one paragraph per line
    amount: Decimal
    suspected_offence: str  # "诈骗罪（《中华人民共和国刑法》第二百六十六条）"
    legal_basis: tuple[str, ...]
    attachments: tuple[Attachment, ...]
    officers: tuple[Officer, ...]
    contact_name: str
    contact_phone: str
    issued_on: date
    copy_to: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.number.strip():
            raise ValueError("移送书文号不能为空。")
        if not self.parties:
            raise ValueError("移送书应当列明至少一名当事人。")
        if len(self.officers) < 2:
            raise ValueError(
                "专案组应当由2名以上行政执法人员组成（《行政执法机关移送涉嫌犯罪案件的规定》第五条）。"
            )
        if self.amount < 0:
            raise ValueError("涉案金额不能为负数。")


@dataclass(frozen=True)
class SignedReceipt:
    """What the receiving organ entered when it signed the 回执 in Lianban (310 Art. 7)."""

    signer: str
    signer_title: str
    received_at: datetime  # aware; printed in Beijing time to the minute
    copies_received: int

    def __post_init__(self) -> None:
        if not self.signer.strip() or not self.signer_title.strip():
            raise ValueError("回执须写明签收人姓名和职务。")
        if self.copies_received < 1:
            raise ValueError("收到材料的份数应为正整数。")


def build_transfer_notice(notice: TransferNotice) -> bytes:
    """The 移送书 followed, on a new page, by the 回执 the receiving organ signs and returns."""
    document = layout.new_document(title=f"{TITLE}（{notice.number}）", author=notice.issuing_agency)
    _letter(document, notice)
    layout.page_break(document)
    _receipt(document, notice)
    layout.page_numbers(document, letter_format=True)
    return layout.to_bytes(document)


def build_signed_receipt(notice: TransferNotice, receipt: SignedReceipt) -> bytes:
    """The 回执 as the receiving organ signed it in Lianban: the form that ends the 移送书, filled in
    with the signer, their post, the time of receipt to the minute and the copies received."""
    document = layout.new_document(title=f"回执（{notice.number}）", author=notice.receiving_agency)
    _receipt(document, notice, receipt)
    return layout.to_bytes(document)


def _party_line(party: Party) -> str:
    details = [f"{party.identifier_label}：{party.identifier}"]
    if party.address:
        details.append(f"地址：{party.address}")
    if party.legal_representative:
        details.append(f"法定代表人：{party.legal_representative}")
    return f"{party.name}（{party.kind_label}），{'，'.join(details)}。"


def _letter(document: Document, notice: TransferNotice) -> None:
    layout.org_mark(document, text=notice.issuing_agency)
    layout.doc_number(document, number=notice.number)
    layout.blank_line(document)
    layout.title(document, text=TITLE)
    layout.blank_line(document)
    layout.addressee(document, text=notice.receiving_agency)
    layout.body(
        document,
        text=f"我局在查处{notice.case_title}过程中，发现当事人的行为涉嫌犯罪。现将有关情况说明如下：",
    )

    layout.heading(document, number=1, text="当事人基本情况", level=1)
    numbered = len(notice.parties) > 1
    for index, party in enumerate(notice.parties, start=1):
        layout.body(document, text=(f"{index}. " if numbered else "") + _party_line(party), align="left")

    layout.heading(document, number=2, text="涉嫌犯罪的主要事实", level=1)
    for line in notice.facts.splitlines():
        if line.strip():
            layout.body(document, text=line.strip())
    layout.body(
        document,
        text=f"经查，涉案金额共计{layout.format_amount(notice.amount)}"
        f"（大写：{layout.amount_in_words(notice.amount)}）。",
    )

    layout.heading(document, number=3, text="涉嫌罪名及移送依据", level=1)
    layout.body(
        document,
        text=f"当事人的上述行为涉嫌{notice.suspected_offence}。依据{'、'.join(notice.legal_basis)}"
        "的规定，现将该案移送你局，请依法审查。",
    )

    layout.heading(document, number=4, text="有关事项", level=1)
    crew = "、".join(f"{officer.name}（执法证号：{officer.badge_number}）" for officer in notice.officers)
    for number, (text, continuation) in enumerate(
        (
            ("回执签收。", "请在本移送书回执上签收并退回我局。不属于你局管辖的，请在24小时内"
             "转送有管辖权的机关，并书面告知我局。"),
            ("立案审查。", "请自接受移送之日起3日内依法审查。决定立案的，请书面通知我局；"
             "决定不予立案的，请说明理由，书面通知我局，并相应退回案卷材料。"),
            ("涉案物品移交。", "我局将自收到你局立案通知书之日起3日内，将涉案物品以及与案件有关的"
             "其他材料移交你局，并办结交接手续。"),
            ("专案组成员。", f"{crew}。"),
        ),
        start=1,
    ):
        layout.heading(document, number=number, text=text, level=2, continuation=continuation)

    last_text = len(document.paragraphs) - 1  # the 专案组 item: the 落款 never stands alone on a page
    if notice.attachments:
        layout.blank_line(document)
        layout.attachment_note(document, items=[item.label for item in notice.attachments])
    layout.blank_line(document)
    layout.signature(document, organ=notice.issuing_agency, signed_on=notice.issued_on)
    layout.annotation(
        document, text=f"联系人：{notice.contact_name}，联系电话：{notice.contact_phone}"
    )
    layout.keep_together(document, start=last_text)
    if notice.copy_to:
        layout.blank_line(document)
        layout.copy_to(document, organs=notice.copy_to)


def _received_items(notice: TransferNotice, receipt: SignedReceipt | None) -> str:
    items = [f"{TITLE}（{notice.number}）1份"] + [item.label for item in notice.attachments]
    lines = [f"{index}. {item}" for index, item in enumerate(items, start=1)]
    return "\n".join([*lines, f"合计：{receipt.copies_received}份" if receipt else "合计：____份____页"])


def _receipt(document: Document, notice: TransferNotice, receipt: SignedReceipt | None = None) -> None:
    """The 回执: a blank form at the end of the 移送书, or filled in as signed (`receipt`)."""
    layout.title(document, text=RECEIPT_TITLE)
    layout.blank_line(document)
    layout.table(
        document,
        face=layout.RECORD,  # 4号 at 1.5 lines, so the stub, its seal and its note fit on one page
        line_pt=RECEIPT_LINE_PT,
        widths_mm=(42, 114),
        rows=(
            ("移送书文号", notice.number),
            ("案件名称", notice.case_title),
            ("移送机关", notice.issuing_agency),
            ("接收机关", notice.receiving_agency),
            ("收到材料\n（份数、页数）", _received_items(notice, receipt)),
            ("签收人姓名", receipt.signer if receipt else ""),
            ("职务", receipt.signer_title if receipt else ""),
            ("签收时间", layout.format_datetime_minute(receipt.received_at) if receipt else "____年__月__日__时__分"),
            ("管辖审查", "☑ 本机关管辖" if receipt else "□ 本机关管辖\n□ 已于____月__日__时转送__________"),
        ),
    )
    layout.blank_line(document)
    layout.add_run(
        layout.paragraph(document, align="right", right_pt=4 * layout.CHAR_PT),
        notice.receiving_agency if receipt else "（接收机关印章）",
    )
    layout.annotation(
        document,
        text=f"本回执由{notice.receiving_agency}在联办系统中签收，签收时间由系统记录至分钟。" if receipt
        else "本回执由接收机关签收、盖章后退回移送机关；签收时间填写至分钟。",
    )
