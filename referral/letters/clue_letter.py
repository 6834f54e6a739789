"""T4 案件线索移送函: the bureau hands a clue to the health commission, market regulation, the
discipline bodies or the procuratorate (domain §6.6(d), §6.7, §6.8, §10.3 T4), in 信函格式.

`kind` picks the title, the legal basis and the request; the caller may override the last two.
- discipline: "问题线索" of 公职人员 (310 Art. 19; 条例 Arts. 42, 47); persons with post and unit;
  a 密级 or "内部" marking is required, and a classified (秘密/机密/绝密) letter also needs its 份号.
- procuratorate: duty-crime clues (310 Art. 19, "监察机关或者人民检察院"; 条例 Art. 48).
- health: institutions and practitioners (条例 Arts. 40, 43); market: price and drug-retail conduct
  (条例 Art. 38(3), 价格法, 药品管理法). The articles of the sectoral laws are not cited (not verified).
GB/T 9704 §10.1 puts the 文号 flush right on the line of the first 版头 marker (份号 or 密级), so a
marked letter opens with one line holding both; layout.markers would put them on separate lines.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal, Sequence

from docx.document import Document
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.shared import Mm

from referral.letters import layout
from referral.letters.transfer_notice import Attachment

ClueKind = Literal["health", "market", "discipline", "procuratorate", "settlement_suspension"]
KINDS: tuple[ClueKind, ...] = ("health", "market", "discipline", "procuratorate", "settlement_suspension")
TEXT_WIDTH_MM = 210 - layout.LEFT_MM - layout.RIGHT_MM  # 156 mm
CLASSIFIED = re.compile(r"^(绝密|机密|秘密)")


@dataclass(frozen=True)
class KindWording:
    """What a kind of receiver changes in the letter."""

    title_tail: str  # after the case; "案件线索的函" absorbs the case title's final 案
    finding: str  # what the bureau found, in the opening sentence
    legal_basis: tuple[str, ...]
    request: str
    title_head: str = "关于移送"


WORDING: dict[ClueKind, KindWording] = {
    "discipline": KindWording(
        "中公职人员问题线索的函", "有关公职人员涉嫌违纪违法的问题线索",
        ("《行政执法机关移送涉嫌犯罪案件的规定》第十九条", "《医疗保障基金使用监督管理条例》第四十二条、第四十七条"),
        "请按照管理权限依规依纪依法处置，并将处置结果书面反馈我局。"),
    "procuratorate": KindWording(
        "中职务犯罪问题线索的函", "有关人员涉嫌职务犯罪的问题线索",
        ("《行政执法机关移送涉嫌犯罪案件的规定》第十九条", "《医疗保障基金使用监督管理条例》第四十八条"),
        "请依法审查处理，并将处理结果书面反馈我局。"),
    "health": KindWording(
        "案件线索的函", "涉及医疗机构及其医务人员、依法应由卫生健康行政部门处理的问题",
        ("《医疗保障基金使用监督管理条例》第四十条、第四十三条",),
        "请依法对相关医疗机构和医务人员作出处理，并将处理结果书面反馈我局。"),
    "settlement_suspension": KindWording(
        "调查期间暂停医保基金结算的函", "涉嫌欺诈骗保的定点医药机构拒不配合调查的情况",
        ("《医疗保障基金使用监督管理条例》第三十条",),
        "经我局主要负责人批准，请自收到本函之日起暂停该定点医药机构的医保基金结算，并将执行情况书面反馈我局；"
        "调查结束后，我局将另行通知恢复结算或依法处理。",
        title_head="关于在"),
    "market": KindWording(
        "案件线索的函", "涉及价格、药品经营等依法应由市场监督管理部门处理的问题",
        ("《医疗保障基金使用监督管理条例》第三十八条第三项", "《中华人民共和国价格法》", "《中华人民共和国药品管理法》"),
        "请依法调查处理，并将处理结果书面反馈我局。"),
}


@dataclass(frozen=True)
class Involved:
    """A person or entity the clue concerns: "张某，镇江市第一人民医院医保办主任"."""

    name: str
    role: str  # post (职务) of a person, or kind of an entity ("定点医疗机构")
    unit: str = ""  # the person's work unit
    identifier: str = ""
    identifier_label: str = ""  # "居民身份证号码", "统一社会信用代码"

    def __post_init__(self) -> None:
        if not (self.name.strip() and self.role.strip()):
            raise ValueError("涉及人员或单位应当写明名称和职务（或类别）。")
        if self.identifier.strip() and not self.identifier_label.strip():
            raise ValueError(f"{self.name}的证件号码应当注明证件类别。")

    def line(self) -> str:
        text = f"{self.name}，{self.unit}{self.role}"
        return text + (f"，{self.identifier_label}：{self.identifier}。" if self.identifier.strip() else "。")


@dataclass(frozen=True)
class ClueLetter:
    """Everything printed on the 线索移送函; refuses a letter that cannot be sent.

    `source` and `facts` print a paragraph per line. Empty `legal_basis` / `request` take the
    kind's defaults. `feedback_days` adds "请于收到本函之日起N日内反馈。".
    """

    number: str  # "镇医保函〔2026〕3号"
    issuing_agency: str
    receiving_agency: str  # 主送
    kind: ClueKind
    case_title: str  # "××医院涉嫌骗取医保基金案"
    source: str
    involved: tuple[Involved, ...]
    facts: str
    contact_name: str
    contact_phone: str
    issued_on: date
    legal_basis: tuple[str, ...] = ()
    request: str = ""
    feedback_days: int | None = None
    amount: Decimal | None = None
    attachments: tuple[Attachment, ...] = ()
    copy_to: tuple[str, ...] = ()
    secrecy: str = ""  # "内部", "秘密★1年"
    copy_number: str = ""  # 份号, six digits

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"线索移送类别应为卫生健康、市场监管、纪检监察、检察机关或经办机构，收到“{self.kind}”。")
        for text, label in ((self.number, "文号"), (self.receiving_agency, "主送机关"), (self.case_title, "案件名称"),
                            (self.source, "线索来源"), (self.facts, "已查明的情况")):
            if not text.strip():
                raise ValueError(f"线索移送函应当写明{label}。")
        if not self.involved:
            raise ValueError("线索移送函应当列明至少一名涉及人员或单位。")
        if self.kind == "discipline" and not any(p.unit.strip() for p in self.involved):
            raise ValueError("移送纪检监察机关的问题线索应当写明公职人员的姓名、职务和工作单位。")
        if self.kind == "discipline" and not self.secrecy.strip():
            raise ValueError("移送纪检监察机关的问题线索应当标注密级或“内部”等保密标识。")
        if CLASSIFIED.match(self.secrecy.strip()) and not self.copy_number.strip():
            raise ValueError("涉密公文应当标注份号（GB/T 9704—2012 第7.2.1条）。")
        if self.copy_number and not re.fullmatch(r"\d{6}", self.copy_number):
            raise ValueError("份号应为6位阿拉伯数字。")
        if self.feedback_days is not None and self.feedback_days <= 0:
            raise ValueError("反馈期限应为正整数日。")
        if self.amount is not None and self.amount < 0:
            raise ValueError("涉及金额不能为负数。")

    @property
    def wording(self) -> KindWording:
        return WORDING[self.kind]

    @property
    def title(self) -> str:
        """The title with its line breaks: "关于移送××案件线索的函"."""
        tail = self.wording.title_tail
        case = self.case_title.removesuffix("案") if tail.startswith("案") else self.case_title
        return balanced_title([self.wording.title_head, *title_pieces(case), tail])


def build_clue_letter(letter: ClueLetter) -> bytes:
    """The 线索移送函 as .docx in 信函格式, page 1 unnumbered."""
    document = layout.new_document(title=letter.title.replace("\n", ""), author=letter.issuing_agency)
    layout.org_mark(document, text=letter.issuing_agency)
    marked_number(document, number=letter.number, copy_number=letter.copy_number, secrecy=letter.secrecy)
    layout.blank_line(document)
    layout.title(document, text=letter.title)
    layout.blank_line(document)
    layout.addressee(document, text=letter.receiving_agency)
    layout.body(document, text=f"我局在查处{letter.case_title}过程中，发现{letter.wording.finding}。现将有关情况函告如下：")
    layout.heading(document, number=1, text="线索来源", level=1)
    layout.body_paragraphs(document, text=letter.source)
    layout.heading(document, number=2, text="涉及人员和单位", level=1)
    for index, person in enumerate(letter.involved, start=1):  # numbered when more than one
        layout.body(document, text=f"{index}. " * (len(letter.involved) > 1) + person.line(), align="left")
    layout.heading(document, number=3, text="已查明的情况", level=1)
    layout.body_paragraphs(document, text=letter.facts)
    if letter.amount is not None:
        layout.body(document, text=f"经初步核查，涉及医保基金{layout.format_amount(letter.amount)}"
                    f"（大写：{layout.amount_in_words(letter.amount)}）。")
    layout.heading(document, number=4, text="移送依据和请求事项", level=1)
    basis = "、".join(letter.legal_basis or letter.wording.legal_basis)
    layout.body(document, text=f"依据{basis}的规定，现将上述线索移送{addressed_as(letter.receiving_agency)}。"
                f"{letter.request.strip() or letter.wording.request}")
    if letter.feedback_days is not None:
        layout.body(document, text=f"请于收到本函之日起{letter.feedback_days}日内反馈。")
    sign_off(document, organ=letter.issuing_agency, signed_on=letter.issued_on, attachments=letter.attachments,
             contact=(letter.contact_name, letter.contact_phone), copy_to=letter.copy_to)
    return layout.to_bytes(document)


# --- helpers shared with reply_letter.py (candidates for layout.py) --------------------------

def marked_number(document: Document, *, number: str, copy_number: str = "", secrecy: str = "") -> None:
    """份号 (仿宋) and 密级 (3号 黑体) flush left, one per line; the 文号 flush right on the first."""
    marks = ((copy_number, layout.BODY), (secrecy, layout.MARKER))
    lines = [(text.strip(), face) for text, face in marks if text.strip()]
    if not lines:
        layout.doc_number(document, number=number)
        return
    first = layout.paragraph(document, align="left")
    first.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT)
    layout.add_run(first, lines[0][0], face=lines[0][1])
    layout.add_run(first, f"\t{number}")
    for text, face in lines[1:]:
        layout.add_run(layout.paragraph(document, align="left"), text, face=face)


def sign_off(document: Document, *, organ: str, signed_on: date, attachments: Sequence[Attachment],
             contact: tuple[str, str], copy_to: Sequence[str], keep_last: int = 1) -> None:
    """附件说明, 落款 kept with the last `keep_last` paragraphs of text, 联系人 附注, 抄送, page numbers."""
    last_text = len(document.paragraphs) - keep_last
    if attachments:
        layout.blank_line(document)
        layout.attachment_note(document, items=[item.label for item in attachments])
    layout.blank_line(document)
    layout.signature(document, organ=organ, signed_on=signed_on)
    layout.annotation(document, text=f"联系人：{contact[0]}，联系电话：{contact[1]}")
    layout.keep_together(document, start=last_text)
    if copy_to:
        layout.blank_line(document)
        layout.copy_to(document, organs=copy_to)
    layout.page_numbers(document, letter_format=True)


def addressed_as(agency: str) -> str:
    """How the letter addresses its receiver: 你院, 你委, 你局, 你中心, else 你单位."""
    for ending, word in (("院", "你院"), ("委员会", "你委"), ("委", "你委"), ("局", "你局"), ("中心", "你中心")):
        if agency.strip().endswith(ending):
            return word
    return "你单位"


_BREAK_AFTER = re.compile(r"(?:有限公司|公司|医院|卫生院|诊所|药店|药房|中心|局|委员会)(?!有限|分)")


def title_pieces(text: str) -> list[str]:
    """`text` cut where a title may break: after an organisation's name, before 涉嫌."""
    cuts = {m.end() for m in _BREAK_AFTER.finditer(text)} | {m.start() for m in re.finditer("涉嫌", text)}
    bounds = [0, *sorted(cuts - {0, len(text)}), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


def balanced_title(pieces: Sequence[str]) -> str:
    """Join title pieces into the fewest lines that fit the text block, as even as they can be,
    the upper line the longer on a tie; lines are joined with "\\n" for layout.title."""
    room, size = Mm(TEXT_WIDTH_MM).pt, layout.TITLE.size_pt
    per_line = int(room // size)
    parts = [chunk for piece in pieces for chunk in  # a piece wider than a line is cut by characters
             ([piece[i:i + per_line] for i in range(0, len(piece), per_line)]
              if layout.text_width_pt(piece, size_pt=size) > room else [piece])]
    for count in range(len(parts)):
        fits = []
        for cuts in itertools.combinations(range(1, len(parts)), count):
            lines = ["".join(parts[a:b]) for a, b in itertools.pairwise((0, *cuts, len(parts)))]
            widths = [layout.text_width_pt(line, size_pt=size) for line in lines]
            if max(widths) <= room:
                fits.append(((max(widths), -widths[0]), lines))
        if fits:
            return "\n".join(min(fits)[1])
    return "".join(parts)
