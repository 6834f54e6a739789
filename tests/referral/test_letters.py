"""The 涉嫌犯罪案件移送书 builder and the GB/T 9704 layout helpers it stands on."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from referral.letters.layout import amount_in_words, format_amount, format_datetime_minute
from tests.docx_faces import RunFace, paragraph_look, run_face
from referral.letters.transfer_notice import (
    DEFAULT_LEGAL_BASIS,
    Attachment,
    Officer,
    Party,
    TransferNotice,
    build_transfer_notice,
)
from tests.libreoffice import convert, needs_libreoffice

HOSPITAL = Party(
    name="镇江康宁医院有限公司",
    kind_label="定点医疗机构",
    identifier_label="统一社会信用代码",
    identifier="91321100MA1XXXXXX8",
    address="镇江市京口区学府路88号",
    legal_representative="周建国",
)
PATIENT = Party(
    name="钱小梅",
    kind_label="参保人员",
    identifier_label="居民身份证号码",
    identifier="321102198001011234",
    address="镇江市润州区南山路6号",
)
NOTICE = TransferNotice(
    number="镇医保移〔2026〕3号",
    issuing_agency="镇江市医疗保障局",
    receiving_agency="镇江市公安局",
    case_title="镇江康宁医院有限公司涉嫌骗取医保基金案",
    parties=(HOSPITAL, PATIENT),
    facts="2025年1月至2026年6月，该院通过虚构住院、伪造病历等方式申报医保结算。\n"
    "参保人员钱小梅出借本人医保凭证，配合该院虚构住院17次。",
    amount=Decimal("123456.78"),
    suspected_offence="诈骗罪（《中华人民共和国刑法》第二百六十六条）",
    legal_basis=DEFAULT_LEGAL_BASIS,
    attachments=(
        Attachment("涉嫌犯罪案件情况的调查报告", pages=12),
        Attachment("涉案物品清单", pages=3),
        Attachment("证据材料目录"),
    ),
    officers=(Officer("王立新", "32110001"), Officer("陈静", "32110002")),
    contact_name="王立新",
    contact_phone="0511-85012345",
    issued_on=date(2026, 11, 23),
    copy_to=("镇江市人民检察院",),
)


def _open(notice: TransferNotice = NOTICE) -> Document:
    return docx.Document(io.BytesIO(build_transfer_notice(notice)))


def _text(document: Document) -> str:
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _paragraph_with(document: Document, text: str) -> Paragraph:
    return next(p for p in document.paragraphs if text in p.text)


def _faces(p: Paragraph) -> list[RunFace]:
    return [run_face(p, run) for run in p.runs]


def test_letter_holds_number_parties_amount_and_legal_basis() -> None:
    """The letter names the 文号, every party with its identifier, the amount twice and each statute."""
    text = _text(_open())

    for expected in (
        "镇医保移〔2026〕3号",
        HOSPITAL.name,
        HOSPITAL.identifier,
        PATIENT.name,
        PATIENT.identifier,
        "123,456.78元",
        "人民币壹拾贰万叁仟肆佰伍拾陆元柒角捌分",
        "现将该案移送你局，请依法审查。",
        *DEFAULT_LEGAL_BASIS,
    ):
        assert expected in text


def test_letter_states_handover_and_refusal_duties_and_lists_officers() -> None:
    """The 310 Art. 8 and Art. 12 statements, the 专案组 with 执法证号 and the paged attachments appear."""
    text = _text(_open())

    assert "收到你局立案通知书之日起3日内" in text
    assert "决定不予立案的，请说明理由，书面通知我局" in text
    assert "王立新（执法证号：32110001）、陈静（执法证号：32110002）" in text
    assert "附件：1. 涉嫌犯罪案件情况的调查报告（共12页）" in text
    assert "3. 证据材料目录" in text
    assert "（联系人：王立新，联系电话：0511-85012345）" in text
    assert "抄送：镇江市人民检察院。" in text
    assert "2026年11月23日" in text


def test_receipt_repeats_number_and_offers_jurisdiction_choices() -> None:
    """The 回执 follows on a new page and carries the 文号, the materials and the blanks to sign."""
    document = _open()
    receipt = document.tables[0]
    cells = {row.cells[0].text: row.cells[1].text for row in receipt.rows}

    assert any(p.text == "回　执" for p in document.paragraphs)
    assert cells["移送书文号"] == "镇医保移〔2026〕3号"
    assert cells["接收机关"] == "镇江市公安局"
    assert "涉嫌犯罪案件移送书（镇医保移〔2026〕3号）1份" in cells["收到材料\n（份数、页数）"]
    assert "涉案物品清单（共3页）" in cells["收到材料\n（份数、页数）"]
    assert cells["签收时间"] == "____年__月__日__时__分"
    assert "□ 本机关管辖" in cells["管辖审查"]
    assert "□ 已于____月__日__时转送__________" in cells["管辖审查"]
    assert "（接收机关印章）" in _text(document)


def test_page_is_a4_with_gbt9704_margins() -> None:
    """A4 paper with 天头 37 mm, 订口 28 mm, bottom 35 mm and right 26 mm."""
    section = _open().sections[0]

    for actual, expected in (
        (section.page_width, 210),
        (section.page_height, 297),
        (section.top_margin, 37),
        (section.left_margin, 28),
        (section.bottom_margin, 35),
        (section.right_margin, 26),
    ):
        assert actual.mm == pytest.approx(expected, abs=0.5)


def test_body_is_fangsong_and_title_is_xiaobiaosong_22pt() -> None:
    """Body runs use 3号 仿宋_GB2312 for East Asian text; the title is 2号 方正小标宋简体."""
    document = _open()
    facts = _paragraph_with(document, "虚构住院、伪造病历")
    title = _paragraph_with(document, "涉嫌犯罪案件移送书")

    assert [(f.east_asia, f.ascii, f.size_pt) for f in _faces(facts)] == [("仿宋_GB2312", "仿宋_GB2312", 16)]
    assert [(f.east_asia, f.size_pt) for f in _faces(title)] == [("方正小标宋简体", 22)]


def test_faces_come_from_named_styles_marked_simplified_chinese() -> None:
    """The 移送书's faces are set once, as named styles that every paragraph and run refers to:
    resolved through the style chain they print as the standard asks (正文 3号 仿宋_GB2312 on the
    28.95 pt line pitch, indented two characters; 标题 2号 方正小标宋简体; 一级标题 黑体; 二级标题
    楷体_GB2312; the 回执 and 抄送 in 4号 仿宋; page numbers 4号 宋体), with East Asian text marked
    zh-CN, and no run in the body carries a font or size of its own."""
    document = _open()
    section = document.sections[0]
    facts = _paragraph_with(document, "虚构住院、伪造病历")
    title = _paragraph_with(document, "涉嫌犯罪案件移送书")
    heading = _paragraph_with(document, "一、当事人基本情况")
    sub_heading = _paragraph_with(document, "（一）回执签收。")
    copy = _paragraph_with(document, "抄送：")
    cell = document.tables[0].rows[0].cells[1].paragraphs[0]
    page_number = section.footer.paragraphs[0]

    def face(p: Paragraph, index: int = 0) -> tuple[str | None, str | None, float | None]:
        resolved = run_face(p, p.runs[index])
        return resolved.east_asia, resolved.ascii, resolved.size_pt

    assert facts.style.name == "公文 正文"
    assert face(facts) == ("仿宋_GB2312", "仿宋_GB2312", 16)
    look = paragraph_look(facts)
    assert (look.align, look.first_line_pt, look.line_rule, look.line_pt) == ("both", 32, "exact", 28.95)
    assert (look.space_before_pt, look.space_after_pt) == (0, 0)
    assert face(title) == ("方正小标宋简体", "方正小标宋简体", 22)
    assert paragraph_look(title).align == "center"
    assert face(heading) == ("黑体", "黑体", 16)
    assert (face(sub_heading, 0), face(sub_heading, 1)) == (("楷体_GB2312", "楷体_GB2312", 16),
                                                            ("仿宋_GB2312", "仿宋_GB2312", 16))
    assert face(copy) == face(cell) == ("仿宋_GB2312", "仿宋_GB2312", 14)
    assert face(page_number) == ("宋体", "宋体", 14)
    mark = run_face(document.paragraphs[0], document.paragraphs[0].runs[0])
    assert (mark.east_asia, mark.size_pt, mark.color) == ("方正小标宋简体", 26, "FF0000")

    cells = [p for table in document.tables for row in table.rows for c in row.cells for p in c.paragraphs]
    paragraphs = [*document.paragraphs, *cells, page_number]
    assert {run_face(p, r).east_asian_language for p in paragraphs for r in p.runs} == {"zh-CN"}
    own_faces = [r for p in paragraphs for r in p.runs
                 if r._r.rPr is not None and (r._r.rPr.rFonts is not None or r._r.rPr.sz is not None)]
    assert own_faces == []


def test_every_run_names_both_ascii_and_east_asian_font() -> None:
    """No run falls back to the template's Latin-only theme fonts, in the body, the 回执 table or
    the footers: through its styles every run names a font for ASCII and for East Asian text."""
    document = _open()
    section = document.sections[0]
    cells = [p for table in document.tables for row in table.rows for cell in row.cells for p in cell.paragraphs]
    footers = [*section.footer.paragraphs, *section.even_page_footer.paragraphs]
    faces = [face for p in [*document.paragraphs, *cells, *footers] for face in _faces(p)]

    assert faces
    for face in faces:
        assert face.ascii and face.east_asia


def test_organ_mark_is_red_over_double_rule_and_number_flush_right() -> None:
    """信函格式: a red organ mark over a red double rule, the 文号 flush right beneath it."""
    document = _open()
    mark = document.paragraphs[0]
    rule = mark._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))

    assert mark.text == "镇江市医疗保障局"
    assert run_face(mark, mark.runs[0]).color == "FF0000"
    assert (rule.get(qn("w:val")), rule.get(qn("w:color"))) == ("thinThickSmallGap", "FF0000")
    number = document.paragraphs[1]
    assert (number.text, paragraph_look(number).align) == ("镇医保移〔2026〕3号", "right")


def test_footer_numbers_pages_from_two_with_page_field() -> None:
    """Later pages show "— n —" from a PAGE field; page 1 of a 信函格式 letter shows none."""
    section = _open().sections[0]

    assert section.different_first_page_header_footer
    for footer in (section.footer, section.even_page_footer):
        instructions = [i.text for i in footer._element.iter(qn("w:instrText"))]
        assert instructions == [" PAGE "]
        assert footer.paragraphs[0].text.startswith("— ")
    assert not list(section.first_page_footer._element.iter(qn("w:instrText")))


def test_fewer_than_two_officers_is_refused() -> None:
    """Decree 310 Art. 5 wants a 专案组 of at least two officers."""
    with pytest.raises(ValueError, match="专案组"):
        build_transfer_notice(replace(NOTICE, officers=NOTICE.officers[:1]))


def test_notice_without_parties_is_refused() -> None:
    """A transfer must name at least one 当事人."""
    with pytest.raises(ValueError, match="当事人"):
        build_transfer_notice(replace(NOTICE, parties=()))


def test_empty_number_or_negative_amount_is_refused() -> None:
    """The 文号 is required and the amount cannot be negative."""
    with pytest.raises(ValueError, match="文号"):
        replace(NOTICE, number="  ")
    with pytest.raises(ValueError, match="负数"):
        replace(NOTICE, amount=Decimal("-1"))


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("123456.78", "人民币壹拾贰万叁仟肆佰伍拾陆元柒角捌分"),
        ("3000", "人民币叁仟元整"),
        ("100005.10", "人民币壹拾万零伍元壹角"),
        ("1409.50", "人民币壹仟肆佰零玖元伍角"),
        ("6007.14", "人民币陆仟零柒元壹角肆分"),
        ("16409.02", "人民币壹万陆仟肆佰零玖元零贰分"),
        ("107000.53", "人民币壹拾万柒仟元伍角叁分"),
        ("100000000.05", "人民币壹亿元零伍分"),
        ("100010000", "人民币壹亿零壹万元整"),
        ("10", "人民币壹拾元整"),
        ("0.05", "人民币伍分"),
        ("0", "人民币零元整"),
    ],
)
def test_amount_in_words_follows_financial_rules(amount: str, words: str) -> None:
    """Uppercase amounts write 壹拾, one 零 per run of zeros, 零 before a lone 分, and 整 after 元."""
    assert amount_in_words(Decimal(amount)) == words


def test_amount_in_words_refuses_fractions_of_a_fen_and_negatives() -> None:
    """An amount that cannot be written exactly in 元角分 is refused, not rounded."""
    with pytest.raises(ValueError):
        amount_in_words(Decimal("1.005"))
    with pytest.raises(ValueError):
        amount_in_words(Decimal("-3"))


def test_format_amount_groups_thousands() -> None:
    """Figures carry thousands separators and two decimals."""
    assert format_amount(Decimal("123456.78")) == "123,456.78元"
    assert format_amount(Decimal("3000")) == "3,000.00元"


def test_format_datetime_minute_shows_beijing_time() -> None:
    """An aware UTC time is written in Beijing time, to the minute."""
    moment = datetime(2026, 11, 23, 6, 5, tzinfo=UTC)

    assert format_datetime_minute(moment) == "2026年11月23日14时05分"
    assert format_datetime_minute(datetime(2026, 11, 23, 16, 30, tzinfo=UTC)) == "2026年11月24日0时30分"


@needs_libreoffice
def test_libreoffice_converts_letter_to_pdf(tmp_path: Path) -> None:
    """LibreOffice opens the generated letter and prints it to a non-empty PDF."""
    convert(build_transfer_notice(NOTICE), tmp_path, "transfer_notice")


def test_the_attachment_list_is_never_split_and_the_signature_keeps_with_the_last_item() -> None:
    """「附件：1.」 used to stand alone at a page foot: each item but the last keeps with the next,
    and from the 专案组 item to the 附注 the paragraphs keep together, so the 落款 is never alone."""
    from referral.letters import layout

    document = layout.new_document()
    layout.attachment_note(document, items=["调查报告", "物品清单", "证据目录"])
    assert [p.paragraph_format.keep_with_next for p in document.paragraphs[-3:]] == [True, True, False]

    paragraphs = _open().paragraphs
    crew = next(i for i, p in enumerate(paragraphs) if "专案组成员" in p.text)
    note = next(i for i, p in enumerate(paragraphs) if p.text.startswith("（联系人"))
    assert all(p.paragraph_format.keep_with_next for p in paragraphs[crew:note])
    assert not paragraphs[note].paragraph_format.keep_with_next


def test_the_signed_receipt_is_the_form_filled_in_as_signed() -> None:
    """Signer, post, time to the minute in Beijing time, copies and the jurisdiction box ticked."""
    from referral.letters.transfer_notice import SignedReceipt, build_signed_receipt

    signed = SignedReceipt(signer="刘强", signer_title="经侦支队民警", received_at=datetime(2026, 11, 23, 6, 5, tzinfo=UTC),
                           copies_received=4)
    document = docx.Document(io.BytesIO(build_signed_receipt(NOTICE, signed)))
    rows = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}

    assert rows["签收人姓名"] == "刘强" and rows["职务"] == "经侦支队民警"
    assert rows["签收时间"] == "2026年11月23日14时05分"
    assert rows["移送书文号"] == NOTICE.number and rows["接收机关"] == NOTICE.receiving_agency
    assert rows["收到材料\n（份数、页数）"].endswith("合计：4份")
    assert rows["管辖审查"] == "☑ 本机关管辖"
    with pytest.raises(ValueError, match="签收人姓名和职务"):
        replace(signed, signer_title=" ")
