"""The legal clocks of the criminal transfer (310 Arts. 5 and 8), started and stopped by its services."""

from __future__ import annotations

from datetime import datetime

from agencies.models import Agency
from casework.clock_spec import CRIMINAL_DAYS, ClockSpec
from casework.clocks import clock_cancel, clock_meet, clock_start
from casework.models import ClockUnit, Deadline
from referral.models import Referral

APPROVAL = ClockSpec(
    "transfer.approval", "负责人审批移送", "《行政执法机关移送涉嫌犯罪案件的规定》第五条", 3, CRIMINAL_DAYS,
    "收到移送涉嫌犯罪案件的书面报告",
)
SEND = ClockSpec(
    "transfer.send", "移送同级公安机关", "《行政执法机关移送涉嫌犯罪案件的规定》第五条", 24, ClockUnit.HOURS, "负责人批准移送"
)
REVIEW = ClockSpec(
    "transfer.review", "公安机关立案审查", "《行政执法机关移送涉嫌犯罪案件的规定》第八条", 3, CRIMINAL_DAYS,
    "接受移送（签收回执）",
)


FORWARD = ClockSpec(
    "transfer.forward", "转送有管辖权的机关", "《行政执法机关移送涉嫌犯罪案件的规定》第七条", 24, ClockUnit.HOURS,
    "接受移送（签收回执）",
)


def start(spec: ClockSpec, *, referral: Referral, agency: Agency, url: str, started_at: datetime | None = None, responsible=None) -> Deadline:
    return clock_start(
        case=referral.case, target=referral, code=spec.code, title=spec.title, legal_basis=spec.legal_basis,
        agency=agency, amount=spec.amount, unit=spec.resolved_unit, start_event=spec.start_event, url=url,
        started_at=started_at, responsible=responsible,
    )


def meet(spec: ClockSpec, *, referral: Referral, at: datetime | None = None) -> Deadline | None:
    return clock_meet(target=referral, code=spec.code, at=at)


def cancel(spec: ClockSpec, *, referral: Referral, reason: str) -> Deadline | None:
    """Stop a clock that no longer applies; the row stays, with its history, for the record."""
    return clock_cancel(target=referral, code=spec.code, reason=reason)


DECLINE_RESPONSE = ClockSpec(
    "transfer.decline_response", "决定是否提请复议或建议立案监督", "《行政执法机关移送涉嫌犯罪案件的规定》第九条", 3,
    CRIMINAL_DAYS, "收到不予立案通知书",
)
RECONSIDERATION = ClockSpec(
    "transfer.reconsideration", "公安机关作出复议决定", "《行政执法机关移送涉嫌犯罪案件的规定》第九条", 3, CRIMINAL_DAYS,
    "收到提请复议书",
)
UPHELD_RESPONSE = ClockSpec(
    "transfer.upheld_response", "决定是否建议立案监督", "《行政执法机关移送涉嫌犯罪案件的规定》第九条", 3, CRIMINAL_DAYS,
    "收到复议决定",
)
PROC_RULE = "《人民检察院办理行政执法机关移送涉嫌犯罪案件的规定》（高检发释字〔2001〕4号）"
EXPLANATION = ClockSpec(
    "transfer.explanation", "公安机关说明不立案理由", f"{PROC_RULE}第十条第一款", 7, CRIMINAL_DAYS, "收到要求说明不立案理由通知书",
)
ORDERED_FILING = ClockSpec(
    "transfer.ordered_filing", "公安机关依通知立案", f"{PROC_RULE}第十条第二款", 15, CRIMINAL_DAYS, "收到通知立案书",
)
HANDOVER = ClockSpec(
    "transfer.handover", "移交涉案物品及材料", "《行政执法机关移送涉嫌犯罪案件的规定》第十二条", 3, CRIMINAL_DAYS,
    "收到立案通知书",
)
