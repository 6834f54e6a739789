"""What the bureau owes whoever handed it a lead, and by when (domain §3, §6.5, §6.6c, §6.9, §7).

A lead from the police, the procuratorate, a higher bureau or the handling agency runs a clock of its
own besides the 15-working-day filing clock: a written reply, a report, a progress and rectification
plan. It is the same clock however the handoff arrives — signed for in Lianban (referral.incoming,
the clock is about the referral) or entered by hand from the paper document of an agency not on
Lianban (casework.hand_intake, the clock is about the case) — so the table lives here, below both,
and every period is a setting.
"""

from __future__ import annotations

from django.conf import settings

from casework.clock_spec import ClockSpec
from casework.models import CaseSource, ClockUnit

REPLY_CLOCK = "incoming.reply"
DEFAULT_PERIOD = "（期限为默认值，未见统一规定）"

# The document each handoff comes with; its receipt starts the clock.
DOCUMENT_NAME = {
    CaseSource.POLICE: "反向移送函",
    CaseSource.PROCURATORATE: "检察意见书",
    CaseSource.ASSIGNED: "交办单",
    CaseSource.FLYING: "飞行检查移交材料",
    CaseSource.HANDLING_AGENCY: "移交函",
}
HANDOFF_SOURCES = frozenset(DOCUMENT_NAME)
INCOMING_NUMBER_MAX_LENGTH = 60  # a 来文文号 fits the clock's 起算事件 with the document's name and date
REPLY_NUMBER_MAX_LENGTH = 60  # the 文号 of the paper reply that meets the clock (casework.source_reply)


def reply_clock(source: str) -> ClockSpec:
    """The clock a lead of `source` starts on receipt of its document (a KeyError for a source
    that owes nobody: a tip-off, a screening list, the bureau's own check)."""
    source = CaseSource(source)
    table = {
        CaseSource.POLICE: (
            "依法处理反向移送案件并书面答复", "《行政执法机关移送涉嫌犯罪案件的规定》第十三条" + DEFAULT_PERIOD,
            settings.LIANBAN_REVERSE_TRANSFER_REPLY_WORKING_DAYS, ClockUnit.WORKING_DAYS),
        CaseSource.PROCURATORATE: (
            "书面答复人民检察院", "《中华人民共和国刑事诉讼法》第一百七十七条第三款" + DEFAULT_PERIOD,
            settings.LIANBAN_PROC_OPINION_REPLY_MONTHS, ClockUnit.MONTHS),
        CaseSource.ASSIGNED: (
            "办结交办线索并报告", "国家医保局交办线索办理要求（30个工作日；经负责人批准可延至3个月）",
            settings.LIANBAN_ASSIGNED_CLUE_REPORT_WORKING_DAYS, ClockUnit.WORKING_DAYS),
        CaseSource.FLYING: (
            "报送处理进度和整改方案", "《医疗保障基金飞行检查管理暂行办法》（国家医疗保障局令第6号）",
            settings.LIANBAN_FLY_PROGRESS_WORKING_DAYS, ClockUnit.WORKING_DAYS),
        CaseSource.HANDLING_AGENCY: (
            "决定是否立案并告知经办机构", "《医疗保障行政处罚程序暂行规定》立案期限" + DEFAULT_PERIOD,
            settings.LIANBAN_AGENCY_HANDOVER_INTAKE_WORKING_DAYS, ClockUnit.WORKING_DAYS),
    }
    title, basis, amount, unit = table[source]
    return ClockSpec(REPLY_CLOCK, title, basis, amount, unit, f"签收{DOCUMENT_NAME[source]}")
