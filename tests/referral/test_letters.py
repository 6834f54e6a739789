"""The 涉嫌犯罪案件移送书 builder and the GB/T 9704 layout helpers it stands on."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from referral.letters.layout import amount_in_words, format_amount, format_datetime_minute
from referral.letters.transfer_notice import (
    DEFAULT_LEGAL_BASIS,
    Attachment,
    Officer,
    Party,
    TransferNotice,
    build_transfer_notice,
)

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


def _east_asia(run: Run) -> str | None:
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


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

    assert [(_east_asia(r), r.font.name, r.font.size) for r in facts.runs] == [
        ("仿宋_GB2312", "仿宋_GB2312", Pt(16))
    ]
    assert [(_east_asia(r), r.font.size) for r in title.runs] == [("方正小标宋简体", Pt(22))]


def test_every_run_names_both_ascii_and_east_asian_font() -> None:
    """No run falls back to the template's Latin-only theme fonts, in the body or the footers."""
    document = _open()
    section = document.sections[0]
    stories = [document.element.body, section.footer._element, section.even_page_footer._element]
    runs = [r for story in stories for r in story.iter(qn("w:r"))]

    assert runs
    for run in runs:
        fonts = run.find(qn("w:rPr")).find(qn("w:rFonts"))
        assert fonts.get(qn("w:ascii")) and fonts.get(qn("w:eastAsia"))


def test_organ_mark_is_red_over_double_rule_and_number_flush_right() -> None:
    """信函格式: a red organ mark over a red double rule, the 文号 flush right beneath it."""
    document = _open()
    mark = document.paragraphs[0]
    rule = mark._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))

    assert mark.text == "镇江市医疗保障局"
    assert str(mark.runs[0].font.color.rgb) == "FF0000"
    assert (rule.get(qn("w:val")), rule.get(qn("w:color"))) == ("thinThickSmallGap", "FF0000")
    number = document.paragraphs[1]
    assert (number.text, number.alignment) == ("镇医保移〔2026〕3号", WD_ALIGN_PARAGRAPH.RIGHT)


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


@pytest.mark.skipif(
    shutil.which("soffice") is None and shutil.which("libreoffice") is None,
    reason="LibreOffice not installed (no soffice/libreoffice on PATH): .docx → PDF conversion not checked",
)
def test_libreoffice_converts_letter_to_pdf(tmp_path: Path) -> None:
    """LibreOffice opens the generated letter and prints it to a non-empty PDF."""
    source = tmp_path / "transfer_notice.docx"
    source.write_bytes(build_transfer_notice(NOTICE))
    home = tmp_path / "home"
    home.mkdir()
    binary = shutil.which("soffice") or shutil.which("libreoffice")

    subprocess.run(
        [binary, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        timeout=120,
        env={**os.environ, "HOME": str(home)},
        capture_output=True,
    )

    pdf = tmp_path / "transfer_notice.pdf"
    assert pdf.exists() and pdf.stat().st_size > 0
    assert pdf.read_bytes().startswith(b"%PDF")
