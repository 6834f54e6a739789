"""The T2, T3, T7 and T8 builders, and every letter family through LibreOffice to PDF."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from referral.letters.investigation_report import InvestigationReport, build_investigation_report
from referral.letters.item_list import Item, ItemList, build_item_list
from referral.letters.reconsideration_request import (
    PoliceNotice,
    ReconsiderationRequest,
    build_reconsideration_request,
)
from referral.letters.supervision_proposal import (
    SupervisionProposal,
    TransferHistory,
    build_supervision_proposal,
)
from referral.letters.transfer_notice import Attachment, Officer, build_transfer_notice
from tests.docx_faces import paragraph_look
from tests.libreoffice import convert, needs_libreoffice
from tests.referral.test_letters import NOTICE

BUREAU, POLICE, PROCURATORATE = "镇江市医疗保障局", "镇江市公安局", "镇江市人民检察院"
CASE = "镇江康宁医院有限公司涉嫌骗取医保基金案"
TRANSFER_NUMBER = "镇医保移〔2026〕3号"
OFFICERS = (Officer("王立新", "32110001"), Officer("陈静", "32110002"))
AMOUNT = Decimal("123456.78")
AMOUNT_WORDS = "人民币壹拾贰万叁仟肆佰伍拾陆元柒角捌分"

REPORT = InvestigationReport(
    agency=BUREAU,
    case_title=CASE,
    parties="镇江康宁医院有限公司，统一社会信用代码91321100MA1XXXXXX8，法定代表人周建国。",
    source="2026年3月，市医保中心大数据筛查发现该院住院人次异常增长，列为线索（镇医保线〔2026〕8号）。",
    process="2026年4月2日，我局对该院开展现场检查，封存病历312份。\n2026年5月至8月，询问相关人员21人次。",
    facts_and_evidence="该院于2025年1月至2026年6月虚构住院17人次。\n证据：病历、结算数据、询问笔录。",
    amount_calculation="以医保结算系统导出数据为准，逐笔核对虚构住院的统筹基金支付额。",
    legal_analysis="当事人违反《医疗保障基金使用监督管理条例》第二十条，数额已达诈骗罪“数额巨大”标准。",
    measures_taken="我局已于2026年9月1日暂停该院医保结算。",
    conclusion="当事人涉嫌诈骗罪，建议移送镇江市公安局。",
    amount=AMOUNT,
    officers=OFFICERS,
    reported_on=date(2026, 11, 20),
    transfer_number=TRANSFER_NUMBER,
)
ITEMS = (
    Item("住院病历", "312份", specification="纸质", location="该院病案室", seal_number="FC-2026-001",
         custodian="王立新", note="已封存"),
    Item("医保结算数据光盘", "1张", specification="DVD-R 4.7GB", location="我局证物室",
         seal_number="DJ-2026-014", custodian="陈静"),
)
LIST = ItemList(
    purpose="清单", case_title=CASE, transfer_number=TRANSFER_NUMBER, handing_agency=BUREAU,
    receiving_agency=POLICE, items=ITEMS, prepared_on=date(2026, 11, 23),
)
HANDOVER = replace(
    LIST, purpose="交接", handed_over_at=datetime(2026, 12, 1, 1, 30, tzinfo=UTC),
    handed_over_by=("王立新", "陈静"), filing_notice_number="镇公（经）立字〔2026〕41号",
)
DECLINE = PoliceNotice("镇公（经）不立字〔2026〕5号", received_at=datetime(2026, 11, 30, 2, 15, tzinfo=UTC),
                       issued_on=date(2026, 11, 29))
REQUEST = ReconsiderationRequest(
    number="镇医保复议〔2026〕1号", issuing_agency=BUREAU, deciding_agency=POLICE, case_title=CASE,
    transfer_number=TRANSFER_NUMBER, transferred_on=date(2026, 11, 23), decline_notice=DECLINE,
    decline_reasons="涉案金额计算依据不足",
    facts="该院虚构住院17人次，骗取统筹基金支付。",
    amount=AMOUNT, threshold=Decimal("3000"), threshold_source="江苏省诈骗罪“数额较大”标准",
    evidence="病历312份、结算数据、询问笔录21份，相互印证。",
    legal_reasons="当事人的行为符合《中华人民共和国刑法》第二百六十六条规定的诈骗罪构成要件。",
    new_evidence=("镇江市医保中心出具的结算数据核对说明（2026年11月28日）",),
    attachments=(Attachment("结算数据核对说明", pages=4),),
    contact_name="王立新", contact_phone="0511-85012345", issued_on=date(2026, 12, 1),
)
HISTORY = TransferHistory(
    transfer_number=TRANSFER_NUMBER, transferred_on=date(2026, 11, 23),
    receipted_at=datetime(2026, 11, 23, 8, 20, tzinfo=UTC), decline_notice=DECLINE,
    reconsideration_number="镇医保复议〔2026〕1号", reconsideration_requested_on=date(2026, 12, 1),
    reconsideration_decision=PoliceNotice("镇公（经）复决字〔2026〕2号",
                                          received_at=datetime(2026, 12, 3, 7, 0, tzinfo=UTC)),
)
PROPOSAL = SupervisionProposal(
    number="镇医保监督建议〔2026〕1号", issuing_agency=BUREAU, procuratorate=PROCURATORATE,
    police_agency=POLICE, case_title=CASE, summary="该院于2025年1月至2026年6月虚构住院17人次。",
    amount=AMOUNT, history=HISTORY, reasons="涉案金额远超诈骗罪“数额较大”标准，证据确实充分。",
    contact_name="王立新", contact_phone="0511-85012345", issued_on=date(2026, 12, 4),
    attachments=(Attachment("涉嫌犯罪案件情况的调查报告", pages=12),), evidence_index_pages=3,
)


def _open(content: bytes) -> Document:
    return docx.Document(io.BytesIO(content))


def _text(document: Document) -> str:
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_report_has_nine_sections_amount_in_words_and_officers() -> None:
    """The report prints 一 to 九 in order, the amount twice, and each officer with 执法证号."""
    document = _open(build_investigation_report(REPORT))
    text = _text(document)
    headings = [p.text for p in document.paragraphs if re.match("[一二三四五六七八九]、", p.text)]

    assert [h[0] for h in headings] == list("一二三四五六七八九")
    assert headings[4] == "五、涉案金额的计算" and headings[8] == "九、调查人员签名"
    for expected in (CASE, TRANSFER_NUMBER, "封存病历312份", "123,456.78元", AMOUNT_WORDS,
                     "32110001", "32110002", "镇江市医疗保障局专案组", "2026年11月20日"):
        assert expected in text


def test_report_is_unmarked_and_numbers_every_page() -> None:
    """No organ mark or red rule: the title opens the page, and page 1 carries a number too."""
    document = _open(build_investigation_report(REPORT))
    section = document.sections[0]

    assert document.paragraphs[0].text == "涉嫌犯罪案件情况的调查报告"
    assert not list(document.element.body.iter(qn("w:pBdr")))
    assert not section.different_first_page_header_footer
    assert [i.text for i in section.footer._element.iter(qn("w:instrText"))] == [" PAGE "]


def test_report_with_one_officer_is_refused() -> None:
    """310 Art. 5: at least two officers investigate and sign."""
    with pytest.raises(ValueError, match="2名以上"):
        replace(REPORT, officers=OFFICERS[:1])


def test_report_with_an_empty_section_is_refused_by_name() -> None:
    """Each section is required, and the message names the missing one."""
    with pytest.raises(ValueError, match="已采取的行政处理措施"):
        replace(REPORT, measures_taken=" ")


def test_item_list_tabulates_every_item_under_the_eight_columns() -> None:
    """The 清单 names the case and 移送书, and each item fills one row of the eight columns."""
    document = _open(build_item_list(LIST))
    rows = [[cell.text for cell in row.cells] for row in document.tables[0].rows]

    assert [c.replace("\n", "") for c in rows[0]] == [
        "序号", "名称", "规格", "数量", "来源/存放地点", "封存/登记保存编号", "保管人", "备注"]
    assert rows[1] == ["1", "住院病历", "纸质", "312份", "该院病案室", "FC-2026-001", "王立新", "已封存"]
    assert rows[2][:4] == ["2", "医保结算数据光盘", "DVD-R 4.7GB", "1张"]
    text = _text(document)
    assert document.paragraphs[0].text == "涉案物品清单"
    for expected in (f"案件名称：{CASE}", f"移送书文号：{TRANSFER_NUMBER}", f"接收单位：{POLICE}",
                     "以上物品共计2项。", f"移送单位（印章）：{BUREAU}", "填表日期：2026年11月23日"):
        assert expected in text
    assert "交接时间" not in text


def test_handover_list_shows_time_to_the_minute_and_both_signature_blocks() -> None:
    """The 交接清单 prints the Beijing handover time, known handlers, and a blank for the receiver."""
    document = _open(build_item_list(HANDOVER))
    text = _text(document)

    assert document.paragraphs[0].text == "涉案物品交接清单"
    assert "交接时间：2026年12月1日9时30分" in text
    assert "立案通知书文号：镇公（经）立字〔2026〕41号" in text
    handing, receiving = document.tables[1].rows[0].cells
    assert handing.text == f"移交单位（印章）：{BUREAU}\n经办人（签名）：王立新、陈静"
    assert receiving.text == f"接收单位（印章）：{POLICE}\n经办人（签名）：________________"


def test_item_list_repeats_its_column_titles_on_every_page() -> None:
    """A long list keeps its header row on each page it runs onto."""
    first_row = _open(build_item_list(LIST)).tables[0].rows[0]

    assert first_row._tr.trPr.find(qn("w:tblHeader")) is not None


def test_item_list_without_items_is_refused() -> None:
    """A list must name at least one item."""
    with pytest.raises(ValueError, match="至少应列明一项"):
        replace(LIST, items=())


def test_handover_without_time_and_list_with_time_or_without_date_are_refused() -> None:
    """交接 needs its time; the 清单 attached to the transfer has none, but needs its date."""
    with pytest.raises(ValueError, match="交接时间"):
        replace(HANDOVER, handed_over_at=None)
    with pytest.raises(ValueError, match="交接"):
        replace(LIST, handed_over_at=HANDOVER.handed_over_at)
    with pytest.raises(ValueError, match="填表日期"):
        replace(LIST, prepared_on=None)


def test_reconsideration_request_cites_notice_amount_threshold_and_timeliness() -> None:
    """The request names the contested notice with its receipt time, the amount against the
    threshold, the new evidence, the request to file, and the 3-day statement of 310 Art. 9."""
    text = _text(_open(build_reconsideration_request(REQUEST)))

    for expected in (
        "镇医保复议〔2026〕1号", "提请复议书", f"{POLICE}：", TRANSFER_NUMBER,
        "《不予立案通知书》（镇公（经）不立字〔2026〕5号，2026年11月29日作出）",
        "2026年11月30日10时15分收到", "理由为：涉案金额计算依据不足。",
        "123,456.78元", AMOUNT_WORDS, "3,000.00元（大写：人民币叁仟元整）的立案追诉标准",
        "1. 镇江市医保中心出具的结算数据核对说明", "撤销", "依法立案侦查",
        "《行政执法机关移送涉嫌犯罪案件的规定》第九条第一款", "自收到该通知书之日起3日内提出",
        "附件：结算数据核对说明（共4页）", "2026年12月1日", "（联系人：王立新，联系电话：0511-85012345）",
    ):
        assert expected in text


def test_reconsideration_request_keeps_its_signature_with_the_last_paragraph() -> None:
    """The 落款 never opens a page on its own: from the last paragraph of text on, each
    paragraph is kept with the next."""
    document = _open(build_reconsideration_request(REQUEST))
    texts = [p.text for p in document.paragraphs]
    start = next(i for i, t in enumerate(texts) if "3日内提出" in t)
    end = texts.index("（联系人：王立新，联系电话：0511-85012345）")

    assert all(p.paragraph_format.keep_with_next for p in document.paragraphs[start:end])
    assert not document.paragraphs[start - 1].paragraph_format.keep_with_next


def test_reconsideration_request_without_new_evidence_says_so() -> None:
    """An empty new-evidence list prints a sentence rather than an empty heading."""
    text = _text(_open(build_reconsideration_request(replace(REQUEST, new_evidence=()))))

    assert "本次提请复议未提交新的证据。" in text


def test_reconsideration_request_without_notice_number_is_refused() -> None:
    """The contested 不予立案通知书 must be identified by its 文号."""
    with pytest.raises(ValueError, match="不予立案通知书文号"):
        replace(REQUEST, decline_notice=replace(DECLINE, number=""))


def test_reconsideration_request_below_threshold_or_before_notice_is_refused() -> None:
    """The amount must reach the cited threshold, and the request cannot predate the notice."""
    with pytest.raises(ValueError, match="未达到"):
        replace(REQUEST, amount=Decimal("2999.99"))
    with pytest.raises(ValueError, match="不能早于"):
        replace(REQUEST, issued_on=date(2026, 11, 29))


def test_supervision_proposal_lists_history_basis_and_copies() -> None:
    """The proposal goes to the procuratorate, numbers every step of the transfer with its date,
    cites both rules, attaches copies of each document and the evidence index, and dates itself
    from the 复议决定."""
    document = _open(build_supervision_proposal(PROPOSAL))
    text = _text(document)
    steps = [p.text for p in document.paragraphs if re.match(r"[1-5]\. 2026年", p.text)]

    assert steps == [
        f"1. 2026年11月23日，我局以《涉嫌犯罪案件移送书》（{TRANSFER_NUMBER}）向{POLICE}移送该案。",
        f"2. 2026年11月23日16时20分，{POLICE}在移送书回执上签收。",
        f"3. 2026年11月30日10时15分，我局收到{POLICE}《不予立案通知书》"
        "（镇公（经）不立字〔2026〕5号，2026年11月29日作出），该局决定对该案不予立案。",
        f"4. 2026年12月1日，我局以《提请复议书》（镇医保复议〔2026〕1号）提请{POLICE}复议。",
        f"5. 2026年12月3日15时00分，我局收到{POLICE}《复议决定通知书》（镇公（经）复决字〔2026〕2号），"
        "该局维持不予立案决定。",
    ]
    for expected in (
        f"{PROCURATORATE}：", "镇医保监督建议〔2026〕1号", "立案监督建议书", "123,456.78元", AMOUNT_WORDS,
        "《行政执法机关移送涉嫌犯罪案件的规定》第九条第二款",
        "《人民检察院办理行政执法机关移送涉嫌犯罪案件的规定》第九条、第十条",
        "2026年12月3日15时00分收到复议决定通知书", "自收到复议决定通知书之日起3日内提出",
        "附件：1. 涉嫌犯罪案件移送书（复印件）", "4. 提请复议书（复印件）", "5. 复议决定通知书（复印件）",
        "6. 涉嫌犯罪案件情况的调查报告（共12页）", "7. 证据材料目录（共3页）",
    ):
        assert expected in text


def test_supervision_proposal_without_reconsideration_counts_from_the_decline_notice() -> None:
    """Going straight to the procuratorate, the 3 days run from the 不予立案通知书 (Art. 9 ¶1)."""
    history = replace(HISTORY, reconsideration_number="", reconsideration_requested_on=None,
                      reconsideration_decision=None)
    text = _text(_open(build_supervision_proposal(replace(PROPOSAL, history=history))))

    assert "第九条第一款" in text and "自收到不予立案通知书之日起3日内提出" in text
    assert "复议决定通知书" not in text


def test_supervision_proposal_for_overdue_police_states_no_period() -> None:
    """When the police never decided, the proposal says so and cites Art. 17 instead of a period."""
    history = TransferHistory(transfer_number=TRANSFER_NUMBER, transferred_on=date(2026, 11, 23),
                              receipted_at=date(2026, 11, 23))
    text = _text(_open(build_supervision_proposal(replace(PROPOSAL, history=history))))

    assert "逾期未作出立案或者不予立案的决定" in text and "第九条、第十七条" in text
    assert "3日内提出" not in text


def test_supervision_proposal_after_unanswered_reconsideration_claims_no_period() -> None:
    """复议 requested but never decided: the police are overdue, so no 3-day statement is made."""
    history = replace(HISTORY, reconsideration_decision=None)
    text = _text(_open(build_supervision_proposal(replace(PROPOSAL, history=history))))

    assert "逾期未作出复议决定" in text and "第九条、第十七条" in text
    assert "3日内提出" not in text


def test_supervision_proposal_without_reasons_is_refused() -> None:
    """The reasons the case should be filed are the heart of the proposal."""
    with pytest.raises(ValueError, match="应当立案的理由"):
        replace(PROPOSAL, reasons="")


def test_reconsideration_decision_without_request_is_refused() -> None:
    """A 复议决定 in the history needs the 提请复议书 that asked for it."""
    with pytest.raises(ValueError, match="提请复议书"):
        replace(HISTORY, reconsideration_number="")


BUILDERS: dict[str, Callable[[], bytes]] = {
    "T1_transfer_notice": lambda: build_transfer_notice(NOTICE),
    "T2_investigation_report": lambda: build_investigation_report(REPORT),
    "T3_item_list": lambda: build_item_list(LIST),
    "T3_handover_list": lambda: build_item_list(HANDOVER),
    "T7_reconsideration_request": lambda: build_reconsideration_request(REQUEST),
    "T8_supervision_proposal": lambda: build_supervision_proposal(PROPOSAL),
}
LETTER_FORMAT = {"T1_transfer_notice", "T7_reconsideration_request", "T8_supervision_proposal"}


@pytest.mark.parametrize("family", sorted(BUILDERS))
def test_every_family_is_a4_with_gbt9704_margins(family: str) -> None:
    """Portrait families keep A4 37/28/35/26 mm; the landscape list turns the same margins with the page."""
    section = _open(BUILDERS[family]()).sections[0]
    if section.orientation == WD_ORIENT.LANDSCAPE:
        expected = {"page_width": 297, "page_height": 210, "top_margin": 28, "left_margin": 35,
                    "bottom_margin": 26, "right_margin": 37}
    else:
        expected = {"page_width": 210, "page_height": 297, "top_margin": 37, "left_margin": 28,
                    "bottom_margin": 35, "right_margin": 26}
    for name, mm in expected.items():
        assert getattr(section, name).mm == pytest.approx(mm, abs=0.5), name
    assert family.startswith("T3") == (section.orientation == WD_ORIENT.LANDSCAPE)


@pytest.mark.parametrize("family", sorted(LETTER_FORMAT))
def test_letters_open_with_red_organ_mark_and_number_flush_right(family: str) -> None:
    """信函格式 families: the organ mark over the red rule, then the 文号 flush right."""
    document = _open(BUILDERS[family]())

    assert document.paragraphs[0].text == BUREAU
    assert document.paragraphs[0]._p.pPr.find(qn("w:pBdr")) is not None
    assert paragraph_look(document.paragraphs[1]).align == "right"
    assert document.sections[0].different_first_page_header_footer


@needs_libreoffice
@pytest.mark.parametrize("family", sorted(BUILDERS))
def test_libreoffice_converts_every_family_to_pdf(family: str, tmp_path: Path) -> None:
    """LibreOffice opens each family's document and prints it to a non-empty PDF."""
    convert(BUILDERS[family](), tmp_path, family)
