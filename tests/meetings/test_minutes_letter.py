"""T9 联席会议纪要 (domain §10.3 T9): the 纪要 mark with its 期号, the numbered 议定事项 with their triple,
the attendance blocks, 分送; refusals; LibreOffice prints it."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import pytest

from meetings.letters.minutes import Attendee, Decided, Minutes, build_minutes
from tests.libreoffice import convert, needs_libreoffice

MINUTES = Minutes(
    mechanism="镇江市医疗保障基金监管工作联席会议", issue_label="2026年第3期", office="镇江市医疗保障局（联席会议办公室）",
    issued_on=date(2026, 11, 25), meeting_title="2026年第四季度联席会议",
    held_at=datetime(2026, 11, 23, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")), venue="市政府第一会议室", chair="副市长张某",
    heard="市医保局关于打击欺诈骗保专项整治工作情况的汇报。", views="各成员单位要强化协同，形成监管合力。",
    resolutions=(Decided("公安机关对重大案件提前介入", "镇江市公安局", ("镇江市医疗保障局",), "2026年12月31日前"),
                 Decided("卫生健康部门加强执业监管", "镇江市卫生健康委员会", (), "长期坚持")),
    present=(Attendee("镇江市医疗保障局", "周明", "局长"), Attendee("镇江市公安局", "郑伟", "副局长")),
    leave=(Attendee("镇江市市场监督管理局", "高远", "科员"),), observers=(Attendee("镇江市公安局京口分局", "钱坤", "分局局长"),),
    distribution=("各成员单位", "市政府办公室"),
)


def lines(content: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]


def test_minutes_carry_the_mark_the_issue_the_resolutions_and_the_attendance() -> None:
    printed = lines(build_minutes(MINUTES))
    assert printed[0] == "镇江市医疗保障基金监管工作联席会议纪要" and printed[1] == "（2026年第3期）"
    text = "\n".join(printed)
    for expected in ("2026年11月23日9时30分，镇江市医疗保障基金监管工作联席会议在市政府第一会议室召开2026年第四季度联席会议，会议由副市长张某主持。",
                     "会议听取了市医保局关于", "会议认为，各成员单位要强化协同", "会议议定：",
                     "一、公安机关对重大案件提前介入。（牵头单位：镇江市公安局；配合单位：镇江市医疗保障局；完成时限：2026年12月31日前）",
                     "二、卫生健康部门加强执业监管。（牵头单位：镇江市卫生健康委员会；配合单位：无；完成时限：长期坚持）",
                     "出席：镇江市医疗保障局局长周明；镇江市公安局副局长郑伟。", "请假：镇江市市场监督管理局科员高远。",
                     "列席：镇江市公安局京口分局分局局长钱坤。", "分送：各成员单位，市政府办公室。"):
        assert expected in text, expected


def test_incomplete_minutes_are_refused() -> None:
    with pytest.raises(ValueError, match="出席人员"):
        replace(MINUTES, present=())
    with pytest.raises(ValueError, match="第2项议定事项"):
        replace(MINUTES, resolutions=(MINUTES.resolutions[0], Decided("事项", "", (), "长期坚持")))


@needs_libreoffice
def test_libreoffice_prints_the_minutes(tmp_path: Path) -> None:
    convert(build_minutes(MINUTES), tmp_path, "minutes")
