"""Referrals to the health commission, market regulation, the discipline bodies and the procuratorate
(domain §6.7–6.8, §7): several at once beside the criminal transfer, each with receipt and feedback;
the case closes only when every one has ended or is no longer tracked; discipline referrals are
confidential to the officers named at both ends."""

from __future__ import annotations

import io

import docx
import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import CaseStatus, Deadline, DeadlineStatus
from demo.stories import INVESTIGATING, PENDING_DECISION
from referral.models import Referral, ReferralKind, ReferralStatus
from tests.conftest import SEIZED_ROWS

pytestmark = pytest.mark.django_db


def minute() -> str:
    return timezone.localtime().strftime("%Y-%m-%d %H:%M")


def package(cast, referral, **extra):
    return {"to_agency": referral.to_agency.pk, "facts": "该院医生张某某为参保人虚开处方。", "request": "请依法处理，并将处理结果书面反馈我局。",
            "evidence": [e.pk for e in referral.case.evidence.all()], "contact_name": "王立新", "contact_phone": "0511-84420001",
            **extra}


def run_clue(referral, cast, login, flow_client, *, receiver: str, close: bool = True, **extra):
    """Prepare → head approves → receiver signs → feedback → (bureau closes)."""
    flow_client(login("msb_officer")).complete(referral.process, "prepare", package(cast, referral, **extra))
    flow_client(login("msb_head")).complete(referral.process, "approve", {"approve": "yes", "opinion": "同意。"})
    receiving = flow_client(login(receiver))
    receiving.complete(referral.process, "acknowledge", {"received_at": minute(), "signer_title": "科员"})
    receiving.complete(referral.process, "give_feedback", {"feedback": "已对涉事医师给予警告并暂停执业三个月。", "document_number": "镇卫函〔2026〕8号"})
    if close:
        flow_client(login("msb_officer")).complete(referral.process, "close", {"confirm": "on"})
    referral.refresh_from_db()
    return referral


def decide(case, login, flow_client, handling, also):
    flow_client(login("msb_head")).complete(case.process, "decide", {"handling": handling, "opinion": "同意。", "also_refer_to": also})
    case.refresh_from_db()
    return {r.kind: r for r in case.referrals.all()}


def test_one_decision_opens_the_transfer_and_two_clue_referrals_and_the_case_waits_for_all(
    tell, cast, login, flow_client, hand_over
):
    """Edge cases 6 and 7: PSB for the fraud, health for the doctor, discipline for the official —
    independent clocks, conflicting outcomes allowed; the case ends only after the last one."""
    case = tell(PENDING_DECISION, title="同仁医院套取医保基金案")
    referrals = decide(case, login, flow_client, "criminal", ["health", "discipline"])
    assert set(referrals) == {ReferralKind.CRIMINAL_TRANSFER, ReferralKind.HEALTH, ReferralKind.DISCIPLINE}
    health, discipline = referrals[ReferralKind.HEALTH], referrals[ReferralKind.DISCIPLINE]
    assert discipline.confidential and not health.confidential

    run_clue(health, cast, login, flow_client, receiver="health_officer")
    assert health.status == ReferralStatus.CLOSED
    feedback_clock = Deadline.objects.get(target_type="referral.referral", target_id=str(health.pk), code="clue.feedback")
    assert feedback_clock.amount == 30 and feedback_clock.status == DeadlineStatus.MET

    flow_client(login("msb_officer")).complete(discipline.process, "prepare", package(
        cast, discipline, persons_involved="钱某甲，镇江市医保中心，稽核科科长", recipient=cast.user("disc_officer").pk))
    flow_client(login("msb_head")).complete(discipline.process, "approve", {"approve": "yes", "opinion": "同意，注意保密。"})
    flow_client(login("disc_officer")).complete(discipline.process, "acknowledge", {"received_at": minute(), "signer_title": "干部"})

    # The criminal transfer runs its own course.
    transfer = referrals[ReferralKind.CRIMINAL_TRANSFER]
    police = flow_client(login("psb_officer"))
    flow_client(login("msb_officer")).complete(transfer.process, "prepare_package", {
        "to_agency": cast.agencies["zj-psb"].pk, "facts": "虚构住院。", "suspected_offence": "诈骗罪", "investigation_report": "报告。",
        "task_force": [cast.user("msb_officer").pk, cast.user("msb_officer2").pk], "contact_name": "王立新", "contact_phone": "1",
        "evidence": [e.pk for e in case.evidence.all()], **SEIZED_ROWS})
    flow_client(login("msb_head")).complete(transfer.process, "approve_transfer", {"approve": "yes", "opinion": "同意。"})
    police.complete(transfer.process, "sign_receipt", {"received_at": minute(), "items_received": "3", "signer_title": "民警"})
    police.complete(transfer.process, "decide_filing", {"decision": "file", "document_number": "镇公立字〔2026〕5号", "reason": ""})
    hand_over(transfer)
    case.refresh_from_db()
    assert case.status == CaseStatus.TRANSFERRED and case.process.finished is None  # waiting for the discipline referral

    head = login("msb_head")
    response = head.post(reverse("referrals:stop_tracking", args=[discipline.pk]), {"reason": ""})
    assert "请写明不再跟踪的理由" in response.content.decode()
    response = head.post(reverse("referrals:stop_tracking", args=[discipline.pk]), {"reason": "纪委监委已立案审查，按规定不反馈过程信息。"})
    assert response.status_code == 302
    discipline.refresh_from_db()
    case.refresh_from_db()
    assert discipline.status == ReferralStatus.NOT_TRACKED and discipline.process.finished is not None
    assert case.process.finished is not None  # every referral has ended: the case flow is done


def test_a_discipline_referral_is_seen_only_by_the_officers_named_at_both_ends(tell, cast, login, flow_client):
    case = tell(PENDING_DECISION, title="医保中心人员内外勾结案")
    discipline = decide(case, login, flow_client, "administrative", ["discipline"])[ReferralKind.DISCIPLINE]
    flow_client(login("msb_officer")).complete(discipline.process, "prepare", package(
        cast, discipline, persons_involved="钱某甲，镇江市医保中心，稽核科科长", recipient=cast.user("disc_officer").pk))
    flow_client(login("msb_head")).complete(discipline.process, "approve", {"approve": "yes", "opinion": "同意。"})
    letter = discipline.documents.get()
    detail = reverse("referrals:detail", args=[discipline.pk])
    download = reverse("referrals:document_download", args=[letter.pk])
    for named in ("msb_officer", "msb_head", "disc_officer"):
        assert login(named).get(detail).status_code == 200, named
    for outsider in ("msb_officer2", "msb_chief", "msb_clerk", "health_officer", "psb_officer", "cz_msb_officer"):
        client = login(outsider)
        assert client.get(detail).status_code == 404, outsider
        assert client.get(download).status_code == 404, outsider
        assert all(row["id"] != discipline.pk for row in client.get("/api/referrals/").json()["results"]), outsider
    # Inside the bureau, the case page of an officer not named shows nothing of it.
    page = login("msb_officer2").get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "纪检监察" not in page and letter.number not in page and "钱某甲" not in page
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(login("disc_officer").get(download).content)).paragraphs)
    assert letter.number in text and "钱某甲" in text and "内部" in text


def test_the_case_does_not_close_while_a_clue_referral_is_open(tell, cast, login, flow_client):
    case = tell(PENDING_DECISION, title="安泰药房重复收费案")
    health = decide(case, login, flow_client, "administrative", ["market"])[ReferralKind.MARKET]
    flow_client(login("msb_officer")).complete(case.process, "handle_administratively", {"outcome": "处罚款5000元。"})
    case.refresh_from_db()
    assert case.status == CaseStatus.ADMIN_HANDLING and case.process.finished is None
    run_clue(health, cast, login, flow_client, receiver="market_officer")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.process.finished is not None


def test_an_officer_refers_a_clue_from_the_case_page_at_any_time_while_the_case_is_open(tell, cast, login, flow_client):
    case = tell(INVESTIGATING, title="调查中发现医生问题的案件")
    officer = login("msb_officer")
    response = officer.post(reverse("referrals:clue_start", args=[case.pk]), {"kind": "health"})
    assert response.status_code == 302 and "/prepare/" in response["Location"]
    referral = Referral.objects.get(case=case, kind=ReferralKind.HEALTH)
    assert referral.to_agency == cast.agencies["zj-health"]
    assert login("msb_officer2").post(reverse("referrals:clue_start", args=[case.pk]), {"kind": "market"}).status_code == 302
    assert login("psb_officer").get(reverse("referrals:clue_start", args=[case.pk])).status_code == 404
    run_clue(referral, cast, login, flow_client, receiver="health_officer", close=False)
    assert referral.status == ReferralStatus.FEEDBACK_RECEIVED
    assert "已对涉事医师给予警告" in officer.get(reverse("referrals:detail", args=[referral.pk])).content.decode()


def test_the_head_has_the_handling_agency_suspend_settlement_of_an_uncooperative_institution(tell, cast, login, flow_client):
    """条例 Art. 30: with the 主要负责人's approval, the 经办机构 suspends settlement and confirms it."""
    case = tell(INVESTIGATING, title="拒不配合调查的诊所案")
    assert login("msb_officer").post(reverse("referrals:clue_start", args=[case.pk]), {"kind": "settlement_suspension"}).status_code == 302
    referral = Referral.objects.get(case=case, kind=ReferralKind.SETTLEMENT_SUSPENSION)
    assert referral.to_agency == cast.agencies["zj-fund"]
    flow_client(login("msb_officer")).complete(referral.process, "prepare", package(
        cast, referral, facts="该诊所拒绝提供病历和结算明细。", request="请暂停该诊所医保基金结算，并书面反馈执行情况。"))
    approve = flow_client(login("msb_head")).task(referral.process, "approve")
    assert not approve.flow_task.can_assign(cast.user("msb_chief"), approve)  # only the head (主要负责人) approves
    flow_client(login("msb_head")).complete(referral.process, "approve", {"approve": "yes", "opinion": "同意暂停结算。"})
    letter = referral.documents.get()
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(login("fund_officer").get(
        reverse("referrals:document_download", args=[letter.pk])).content)).paragraphs)
    assert "第三十条" in text and "暂停医保基金结算" in text.replace("\n", "")
    fund = flow_client(login("fund_officer"))
    fund.complete(referral.process, "acknowledge", {"received_at": minute(), "signer_title": "科长"})
    fund.complete(referral.process, "give_feedback", {"feedback": "已自即日起暂停该诊所医保基金结算。", "document_number": ""})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.FEEDBACK_RECEIVED
