"""T5 挂牌督办通知书 and T10 督办报告 (domain §10.3): their fields, their refusals, and LibreOffice."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import docx
import pytest

from supervision.letters.notice import SupervisionNotice, build_supervision_notice
from supervision.letters.report import SupervisionReportLetter, build_supervision_report
from tests.libreoffice import convert, needs_libreoffice

NOTICE = SupervisionNotice(
    number="苏医保督〔2026〕3号", supervisor="江苏省医疗保障局", co_supervisor="江苏省公安厅", handling_unit="镇江市医疗保障局",
    case_number="镇医保案〔2026〕12号", case_title="镇江康宁医院有限公司涉嫌虚构医药服务骗取医保基金案",
    case_summary="该院2024年以来虚构住院服务，涉及医保基金486,320.50元。", criteria=("涉案金额巨大", "社会影响重大或媒体曝光"),
    issue="查清全部违法事实，依法从严处理；涉嫌犯罪的，及时移送公安机关。", requirements="严格保密。",
    due_on=date(2027, 2, 23), report_every_months=1, plan_working_days=10, contact_name="沈洁", contact_phone="025-83330001",
    issued_on=date(2026, 11, 23),
)
REPORT = SupervisionReportLetter(
    number="镇医保报〔2026〕1号", handling_unit="镇江市医疗保障局", supervisor="江苏省医疗保障局", notice_number="苏医保督〔2026〕3号",
    case_title="镇江康宁医院有限公司涉嫌虚构医药服务骗取医保基金案", final=False, period_from=date(2026, 11, 23),
    period_to=date(2026, 12, 23), tracks=(("行政处罚", "已询问当事人5人。"), ("协议处理", ""), ("刑事案件", "公安机关已立案侦查。")),
    recovered=Decimal("120000"), fines=Decimal("0"), problems="", next_steps="委托第三方审计。", typical=True,
    contact_name="王立新", contact_phone="0511-84420001", issued_on=date(2026, 12, 23),
)
BUILDERS = {"T5_notice": lambda: build_supervision_notice(NOTICE), "T10_progress": lambda: build_supervision_report(REPORT),
            "T10_final": lambda: build_supervision_report(replace(REPORT, final=True))}


def text(content: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs).replace("\n", "")


def test_the_notice_names_both_organs_the_unit_the_limit_and_the_cadence() -> None:
    printed = text(build_supervision_notice(NOTICE))
    for expected in ("江苏省医疗保障局 江苏省公安厅", "苏医保督〔2026〕3号", "镇江市医疗保障局：",
                     "关于对镇江康宁医院有限公司涉嫌虚构医药服务骗取医保基金案实行挂牌督办的通知",
                     "经江苏省医疗保障局、江苏省公安厅共同研究", "涉案金额巨大、社会影响重大或媒体曝光",
                     "于2027年2月23日前办结，并报送结案报告", "抄送：江苏省公安厅。"):
        assert expected in printed, expected


def test_a_report_cites_the_notice_leaves_out_empty_tracks_and_prints_the_amounts() -> None:
    printed = text(build_supervision_report(REPORT))
    assert "根据《关于对镇江康宁医院有限公司涉嫌虚构医药服务骗取医保基金案实行挂牌督办的通知》（苏医保督〔2026〕3号）" in printed
    assert "一、行政处罚" in printed and "二、刑事案件" in printed and "协议处理" not in printed
    assert "追回医保基金120,000.00元" in printed and "该案可作为典型案例公开曝光" in printed
    assert "挂牌督办进展情况的报告" in printed and "下一步工作" in printed
    final = text(build_supervision_report(replace(REPORT, final=True)))
    assert "挂牌督办结案报告" in final and "各当事人的最终处理结果" in final


def test_incomplete_letters_are_refused() -> None:
    with pytest.raises(ValueError, match="督办事项"):
        replace(NOTICE, issue=" ")
    with pytest.raises(ValueError, match="督办时限"):
        replace(NOTICE, due_on=NOTICE.issued_on)
    with pytest.raises(ValueError, match="通知书文号"):
        replace(REPORT, notice_number="")
    with pytest.raises(ValueError, match="办理进展"):
        replace(REPORT, tracks=(("行政处罚", ""),))


@needs_libreoffice
@pytest.mark.parametrize("variant", sorted(BUILDERS))
def test_libreoffice_converts_them_to_pdf(variant: str, tmp_path: Path) -> None:
    convert(BUILDERS[variant](), tmp_path, variant)
