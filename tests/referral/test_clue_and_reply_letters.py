"""T4 案件线索移送函 for each receiver, the 复函 for each kind of incoming document, and both
through LibreOffice to PDF."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.oxml.ns import qn

from referral.letters.clue_letter import (
    ClueLetter,
    Involved,
    addressed_as,
    balanced_title,
    build_clue_letter,
    title_pieces,
)
from referral.letters.reply_letter import ReplyLetter, build_reply_letter
from referral.letters.transfer_notice import Attachment
from tests.docx_faces import paragraph_look, run_face
from tests.libreoffice import convert, needs_libreoffice

BUREAU = "镇江市医疗保障局"
CASE = "镇江康宁医院有限公司涉嫌骗取医保基金案"
RECEIVERS = {
    "health": "镇江市卫生健康委员会",
    "market": "镇江市市场监督管理局",
    "discipline": "中共镇江市纪律检查委员会 镇江市监察委员会",
    "procuratorate": "镇江市人民检察院",
}
OFFICIAL = Involved("张某某", "医保办主任", unit="镇江市第一人民医院")
HOSPITAL = Involved("镇江康宁医院有限公司", "定点医疗机构", identifier="91321100MA1XXXXXX8",
                    identifier_label="统一社会信用代码")
DOCTOR = Involved("李某", "执业医师", unit="镇江康宁医院有限公司", identifier="321102198001011234",
                  identifier_label="居民身份证号码")
CLUE = ClueLetter(
    number="镇医保函〔2026〕3号", issuing_agency=BUREAU, receiving_agency=RECEIVERS["health"], kind="health",
    case_title=CASE,
    source="2026年3月，市医保中心大数据筛查发现该院住院人次异常增长。\n2026年4月，我局接到实名举报。",
    involved=(HOSPITAL, DOCTOR),
    facts="该院于2025年1月至2026年6月虚构住院17人次，伪造病历。\n执业医师李某参与伪造病历。",
    amount=Decimal("123456.78"), feedback_days=30,
    contact_name="王立新", contact_phone="0511-85012345", issued_on=date(2026, 12, 10),
    attachments=(Attachment("行政处罚决定书（复印件）", pages=4), Attachment("证据材料目录")),
)
CLUES = {
    "health": CLUE,
    "market": replace(CLUE, kind="market", receiving_agency=RECEIVERS["market"], involved=(HOSPITAL,),
                      facts="该院对同一检查项目重复收费，超出政府指导价收费。", feedback_days=None),
    "discipline": replace(CLUE, kind="discipline", receiving_agency=RECEIVERS["discipline"],
                          involved=(OFFICIAL, HOSPITAL),
                          facts="张某某在审核该院结算时，收受该院给予的财物。", secrecy="内部", feedback_days=None),
    "procuratorate": replace(CLUE, kind="procuratorate", receiving_agency=RECEIVERS["procuratorate"],
                             involved=(Involved("赵某", "审判员", unit="镇江市京口区人民法院"),),
                             facts="赵某利用职权为该院规避追缴提供帮助。"),
}
BASIS = {
    "health": ["《医疗保障基金使用监督管理条例》第四十条、第四十三条"],
    "market": ["《医疗保障基金使用监督管理条例》第三十八条第三项", "《中华人民共和国价格法》", "《中华人民共和国药品管理法》"],
    "discipline": ["《行政执法机关移送涉嫌犯罪案件的规定》第十九条", "《医疗保障基金使用监督管理条例》第四十二条、第四十七条"],
    "procuratorate": ["《行政执法机关移送涉嫌犯罪案件的规定》第十九条", "《医疗保障基金使用监督管理条例》第四十八条"],
}
TITLES = {
    "health": "关于移送镇江康宁医院有限公司涉嫌骗取医保基金案件线索的函",
    "market": "关于移送镇江康宁医院有限公司涉嫌骗取医保基金案件线索的函",
    "discipline": f"关于移送{CASE}中公职人员问题线索的函",
    "procuratorate": f"关于移送{CASE}中职务犯罪问题线索的函",
}
REQUESTS = {
    "health": "现将上述线索移送你委。请依法对相关医疗机构和医务人员作出处理，并将处理结果书面反馈我局。",
    "market": "现将上述线索移送你局。请依法调查处理，并将处理结果书面反馈我局。",
    "discipline": "现将上述线索移送你委。请按照管理权限依规依纪依法处置，并将处置结果书面反馈我局。",
    "procuratorate": "现将上述线索移送你院。请依法审查处理，并将处理结果书面反馈我局。",
}

POLICE, PROCURATORATE = "镇江市公安局", "镇江市人民检察院"
REVERSE_REPLY = ReplyLetter(
    number="镇医保函〔2026〕5号", issuing_agency=BUREAU, addressee=POLICE, regarding="反向移送函",
    incoming_number="镇公（经）移字〔2026〕9号", incoming_issued_on=date(2026, 9, 1),
    received_at=datetime(2026, 9, 2, 1, 30, tzinfo=UTC), case_title="钱小梅涉嫌骗取医保基金案",
    result="我局于2026年9月10日对该案立案调查。\n经查，钱小梅出借本人医保凭证，造成医保基金损失8,600.00元。"
           "我局于2026年11月20日作出《行政处罚决定书》（镇医保罚〔2026〕21号），责令退回8,600.00元，并处罚款17,200.00元。",
    measures=("责令退回医保基金8,600.00元，已全额退回", "暂停钱小梅医疗费用联网结算6个月"),
    contact_name="陈静", contact_phone="0511-85012346", issued_on=date(2026, 12, 1),
    attachments=(Attachment("行政处罚决定书（复印件）", pages=3),),
)
OPINION_REPLY = replace(
    REVERSE_REPLY, number="镇医保函〔2026〕6号", addressee=PROCURATORATE, regarding="检察意见书",
    incoming_number="镇检行刑反意〔2026〕2号", incoming_issued_on=date(2026, 10, 8), received_at=date(2026, 10, 9),
    case_title="孙某涉嫌骗取医保基金案", measures=(), attachments=(Attachment("责令退回通知书（复印件）", pages=2),),
    result="经审查，孙某骗取医保基金的违法事实已超过《中华人民共和国行政处罚法》第三十六条规定的追责期限，"
           "我局依法决定不予立案。\n我局已责令孙某退回骗取的医保基金5,200.00元。",
)
GENERIC_REPLY = replace(
    REVERSE_REPLY, number="镇医保函〔2026〕7号", addressee="镇江市医疗保险基金管理中心", regarding="《关于移交稽核线索的函》",
    incoming_number="镇医保中心函〔2026〕11号", incoming_issued_on=None, received_at=date(2026, 10, 12),
    case_title="镇江仁和大药房有限公司涉嫌串换药品案", measures=(), attachments=(),
    result="我局已于2026年10月20日对该药房立案调查，调查工作正在进行中。",
)
FLY_REPORT = replace(
    REVERSE_REPLY, number="镇医保函〔2026〕8号", addressee="江苏省医疗保障局", regarding="飞行检查移交材料",
    incoming_number="苏医保飞移〔2026〕3号", incoming_issued_on=date(2026, 9, 20), received_at=date(2026, 9, 21),
    case_title="镇江康宁医院有限公司涉嫌虚构医药服务案", attachments=(), report=True,
    result="经查，该院虚构住院服务12人次，涉及医保基金86,400.00元，我局已作出行政处罚决定（镇医保罚〔2026〕30号）。",
)
REPLIES = {"reverse_transfer": REVERSE_REPLY, "procuratorial_opinion": OPINION_REPLY, "generic": GENERIC_REPLY,
           "fly_report": FLY_REPORT}


def _open(content: bytes) -> Document:
    return docx.Document(io.BytesIO(content))


def _text(document: Document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def _flat(document: Document) -> str:
    """The text with the title's line breaks removed."""
    return _text(document).replace("\n", "")


@pytest.mark.parametrize("kind", sorted(CLUES))
def test_clue_letter_prints_number_addressee_title_persons_basis_and_request(kind: str) -> None:
    """Each kind goes to its receiver under its own title, cites its own legal basis and makes its
    own request; every involved person or entity is listed with post, unit and identifier."""
    letter = CLUES[kind]
    document = _open(build_clue_letter(letter))
    text = _flat(document)

    assert document.paragraphs[0].text == BUREAU
    assert f"{RECEIVERS[kind]}：" in [p.text for p in document.paragraphs]
    for expected in ("镇医保函〔2026〕3号", TITLES[kind], f"我局在查处{CASE}过程中", *BASIS[kind], REQUESTS[kind],
                     "一、线索来源", "大数据筛查", "二、涉及人员和单位", "三、已查明的情况", "四、移送依据和请求事项",
                     "附件：1. 行政处罚决定书（复印件）（共4页）", "（联系人：王立新，联系电话：0511-85012345）",
                     "2026年12月10日"):
        assert expected in text, expected
    for person in letter.involved:
        assert person.line() in text
    for other in set(BASIS) - {kind}:
        assert all(basis not in text for basis in BASIS[other] if basis not in BASIS[kind])


def test_persons_are_described_by_name_unit_post_and_identifier() -> None:
    """An official reads "name，unit + post"; an entity "name，kind，code label：code"."""
    assert OFFICIAL.line() == "张某某，镇江市第一人民医院医保办主任。"
    assert HOSPITAL.line() == "镇江康宁医院有限公司，定点医疗机构，统一社会信用代码：91321100MA1XXXXXX8。"
    text = _text(_open(build_clue_letter(CLUE)))
    assert "2. 李某，镇江康宁医院有限公司执业医师，居民身份证号码：321102198001011234。" in text


def test_amount_is_printed_in_figures_and_words_when_given() -> None:
    """The amount found so far prints in figures and 大写; a letter without it prints neither."""
    assert "123,456.78元（大写：人民币壹拾贰万叁仟肆佰伍拾陆元柒角捌分）" in _text(_open(build_clue_letter(CLUE)))
    assert "大写" not in _text(_open(build_clue_letter(replace(CLUE, amount=None))))


def test_feedback_period_is_printed_only_when_given() -> None:
    """feedback_days=30 asks for feedback within 30 days of receipt; without it no period is set."""
    assert "请于收到本函之日起30日内反馈。" in _text(_open(build_clue_letter(CLUE)))
    assert "日内反馈" not in _text(_open(build_clue_letter(CLUES["market"])))


def test_caller_may_replace_the_default_basis_and_request() -> None:
    """A given legal basis and request replace the kind's defaults."""
    letter = replace(CLUE, legal_basis=("《中华人民共和国医师法》",), request="请依法处理，并将处理结果书面反馈我局。")
    text = _text(_open(build_clue_letter(letter)))

    assert "依据《中华人民共和国医师法》的规定，现将上述线索移送你委。请依法处理，并将处理结果书面反馈我局。" in text
    assert "第四十条" not in text


def test_discipline_letter_marks_secrecy_top_left_in_heiti_level_with_the_number() -> None:
    """GB/T 9704 信函格式: under the red rule, the marking flush left in 3号 黑体 and the 文号 flush
    right on the same line."""
    line = _open(build_clue_letter(CLUES["discipline"])).paragraphs[1]
    marker, number = line.runs

    assert line.text == "内部\t镇医保函〔2026〕3号"
    face = run_face(line, marker)
    assert (face.ascii, face.east_asia, face.size_pt) == ("黑体", "黑体", 16)
    tab = line.paragraph_format.tab_stops[0]
    assert tab.alignment.name == "RIGHT" and tab.position.mm == pytest.approx(156, abs=0.5)


def test_classified_letter_puts_copy_number_first_and_the_classification_below() -> None:
    """A 秘密 letter carries its six-digit 份号 on line 1 (level with the 文号), the 密级 on line 2."""
    letter = replace(CLUES["discipline"], secrecy="秘密★1年", copy_number="000003")
    paragraphs = _open(build_clue_letter(letter)).paragraphs

    assert paragraphs[1].text == "000003\t镇医保函〔2026〕3号"
    assert paragraphs[2].text == "秘密★1年" and run_face(paragraphs[2], paragraphs[2].runs[0]).east_asia == "黑体"


@pytest.mark.parametrize("kind", ["health", "market", "procuratorate"])
def test_other_kinds_carry_no_secrecy_marking(kind: str) -> None:
    """Without a marking the 文号 stands alone, flush right, under the red rule."""
    document = _open(build_clue_letter(CLUES[kind]))

    assert (document.paragraphs[1].text, paragraph_look(document.paragraphs[1]).align) == ("镇医保函〔2026〕3号", "right")
    assert "内部" not in _text(document) and "秘密" not in _text(document)
    assert not [r for p in document.paragraphs[:4] for r in p.runs if run_face(p, r).east_asia == "黑体"]


def test_discipline_letter_without_secrecy_marking_is_refused() -> None:
    """A clue for the discipline bodies must be marked confidential."""
    with pytest.raises(ValueError, match="保密标识"):
        replace(CLUES["discipline"], secrecy=" ")


def test_classified_letter_without_a_six_digit_copy_number_is_refused() -> None:
    """GB/T 9704 §7.2.1: a classified document carries a 份号 of six digits."""
    with pytest.raises(ValueError, match="份号"):
        replace(CLUES["discipline"], secrecy="秘密★1年")
    with pytest.raises(ValueError, match="6位"):
        replace(CLUES["discipline"], secrecy="秘密★1年", copy_number="3")


def test_discipline_letter_without_an_official_of_a_unit_is_refused() -> None:
    """Discipline clues name the official's post and unit, not only entities."""
    with pytest.raises(ValueError, match="职务和工作单位"):
        replace(CLUES["discipline"], involved=(HOSPITAL,))


def test_incomplete_clue_letters_are_refused() -> None:
    """Unknown kind, nobody involved, an empty source, a person without post, a zero period."""
    with pytest.raises(ValueError, match="类别"):
        replace(CLUE, kind="police")
    with pytest.raises(ValueError, match="至少一名"):
        replace(CLUE, involved=())
    with pytest.raises(ValueError, match="线索来源"):
        replace(CLUE, source="")
    with pytest.raises(ValueError, match="职务"):
        Involved("李某", "")
    with pytest.raises(ValueError, match="反馈期限"):
        replace(CLUE, feedback_days=0)


def test_long_titles_break_between_words_into_lines_that_fit() -> None:
    """No title line exceeds the 20 characters of 2号 in the text block, and names stay whole."""
    assert CLUE.title == "关于移送镇江康宁医院有限公司\n涉嫌骗取医保基金案件线索的函"
    assert REVERSE_REPLY.title == "关于钱小梅涉嫌骗取医保基金案\n办理情况的复函"
    assert title_pieces(CASE) == ["镇江康宁医院有限公司", "涉嫌骗取医保基金案"]
    assert balanced_title(["关于", "某案", "的函"]) == "关于某案的函"
    for letter in (*CLUES.values(), *REPLIES.values()):
        assert all(len(line) <= 20 for line in letter.title.split("\n"))


def test_receivers_are_addressed_by_the_kind_of_organ() -> None:
    """你院 for courts and procuratorates, 你委 for commissions, 你局 for bureaus, else 你单位."""
    assert [addressed_as(name) for name in (*RECEIVERS.values(), "镇江市医疗保险基金管理中心", "某协会")] == [
        "你委", "你局", "你委", "你院", "你中心", "你单位"]


@pytest.mark.parametrize(("variant", "expected"), [
    ("reverse_transfer", [
        "镇江市公安局：", "关于钱小梅涉嫌骗取医保基金案办理情况的复函",
        "我局于2026年9月2日9时30分收到你局《反向移送函》（镇公（经）移字〔2026〕9号，2026年9月1日作出），"
        "你局将钱小梅涉嫌骗取医保基金案移送我局依法处理。",
        "《行政执法机关移送涉嫌犯罪案件的规定》第十三条、《中华人民共和国行政处罚法》第二十七条",
        "镇医保罚〔2026〕21号", "二、采取的措施", "1. 责令退回医保基金8,600.00元，已全额退回；", "2. 暂停钱小梅医疗费用联网结算6个月。",
        "附件：行政处罚决定书（复印件）（共3页）"]),
    ("procuratorial_opinion", [
        "镇江市人民检察院：", "关于孙某涉嫌骗取医保基金案办理情况的复函",
        "我局于2026年10月9日收到你院《检察意见书》（镇检行刑反意〔2026〕2号，2026年10月8日作出），"
        "你院就孙某涉嫌骗取医保基金案向我局提出检察意见。",
        "依据《中华人民共和国刑事诉讼法》第一百七十七条第三款的规定，现将处理结果函复如下：", "决定不予立案"]),
    ("generic", [
        "镇江市医疗保险基金管理中心：", "关于镇江仁和大药房有限公司涉嫌串换药品案办理情况的复函",
        "我局于2026年10月12日收到你中心《关于移交稽核线索的函》（镇医保中心函〔2026〕11号），"
        "涉及镇江仁和大药房有限公司涉嫌串换药品案。现将办理情况函复如下：", "调查工作正在进行中"]),
    ("fly_report", [
        "江苏省医疗保障局：", "关于镇江康宁医院有限公司涉嫌虚构医药服务案查处情况的报告",
        "我局于2026年9月21日收到你局《飞行检查移交材料》（苏医保飞移〔2026〕3号，2026年9月20日作出），"
        "涉及镇江康宁医院有限公司涉嫌虚构医药服务案。我局已报送处理进度和整改方案，现该案已办结，将查处及整改落实情况报告如下：",
        "镇医保罚〔2026〕30号", "特此报告。"]),
])
def test_reply_cites_incoming_document_basis_and_result(variant: str, expected: list[str]) -> None:
    """Each reply names its addressee, the incoming document with 文号 and date received, the legal
    basis of its variant, the result, and closes with 特此函复 (a report: 特此报告)."""
    letter = REPLIES[variant]
    document = _open(build_reply_letter(letter))
    text = _flat(document)

    assert document.paragraphs[1].text == letter.number
    closing = "特此报告。" if letter.report else "特此函复。"
    for item in (*expected, closing, "（联系人：陈静，联系电话：0511-85012346）"):
        assert item in text, item
    assert ("特此函复。" in text) != letter.report
    assert ("一、办理情况" in text) == ("二、采取的措施" in text) == bool(letter.measures)
    assert ("依据" in text) == (variant in {"reverse_transfer", "procuratorial_opinion"})


def test_reply_without_incoming_number_or_result_is_refused() -> None:
    """A reply names the document it answers and states the result."""
    with pytest.raises(ValueError, match="《检察意见书》的文号"):
        replace(OPINION_REPLY, incoming_number=" ")
    with pytest.raises(ValueError, match="办理结果"):
        replace(REVERSE_REPLY, result="\n")


def test_reply_dated_before_the_document_arrived_is_refused() -> None:
    """The reply cannot predate receipt (in Beijing time), nor the document postdate its receipt."""
    with pytest.raises(ValueError, match="成文日期不能早于"):
        replace(REVERSE_REPLY, issued_on=date(2026, 9, 1))
    with pytest.raises(ValueError, match="来文日期不能晚于"):
        replace(REVERSE_REPLY, incoming_issued_on=date(2026, 9, 3))
    with pytest.raises(ValueError, match="时区"):
        replace(REVERSE_REPLY, received_at=datetime(2026, 9, 2, 9, 30))


def test_reply_on_the_day_of_receipt_in_beijing_is_accepted() -> None:
    """Received 2026-09-01 17:00 UTC is 2 September in Beijing, so a reply dated that day stands."""
    letter = replace(REVERSE_REPLY, received_at=datetime(2026, 9, 1, 17, 0, tzinfo=UTC), issued_on=date(2026, 9, 2))

    assert "2026年9月2日1时00分收到" in _text(_open(build_reply_letter(letter)))


BUILDERS: dict[str, Callable[[], bytes]] = {
    **{f"T4_clue_{kind}": (lambda letter=letter: build_clue_letter(letter)) for kind, letter in CLUES.items()},
    "T4_clue_discipline_classified": lambda: build_clue_letter(
        replace(CLUES["discipline"], secrecy="秘密★1年", copy_number="000003")),
    **{f"reply_{name}": (lambda letter=letter: build_reply_letter(letter)) for name, letter in REPLIES.items()},
}


@pytest.mark.parametrize("variant", sorted(BUILDERS))
def test_every_variant_opens_in_letter_format_without_page_one_number(variant: str) -> None:
    """The red organ mark over the rule, and page 1 has the foot rule instead of a number."""
    document = _open(BUILDERS[variant]())

    assert document.paragraphs[0].text == BUREAU
    assert document.paragraphs[0]._p.pPr.find(qn("w:pBdr")) is not None
    assert document.sections[0].different_first_page_header_footer


@needs_libreoffice
@pytest.mark.parametrize("variant", sorted(BUILDERS))
def test_libreoffice_converts_every_variant_to_pdf(variant: str, tmp_path: Path) -> None:
    """LibreOffice prints each letter to a PDF; where pdftotext exists, the 文号 is in its text."""
    pdf = convert(BUILDERS[variant](), tmp_path, variant)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        assert "镇医保函〔2026〕" in text and BUREAU in text
