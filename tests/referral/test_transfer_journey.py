"""The criminal-transfer journey of issue #2, over HTTP, as the three officers click through it."""

from __future__ import annotations

import io
from datetime import timedelta

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from casework.flows import CaseFlow
from casework.models import Case, CaseStatus
from notifications.models import Notification
from referral.models import ReferralStatus
from tests.conftest import SEIZED_ROWS

pytestmark = pytest.mark.django_db


def minute(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


def test_msb_officer_hands_a_case_to_the_police_and_sees_the_decision(cast, login, flow_client, hand_over):
    """Register → verify → file → investigate → decide criminal → package → head approves (letter numbered,
    police see it from now on) → PSB signs the receipt to the minute → PSB files → MSB sees 立案."""
    officer, chief, head, police = (login(name) for name in ("msb_officer", "msb_chief", "msb_head", "psb_officer"))
    msb_officer, msb_officer2 = cast.user("msb_officer"), cast.user("msb_officer2")

    # 1. 登记线索
    response = officer.post(
        CaseFlow.register.reverse("execute"),
        {"title": "康泰医院涉嫌虚构医药服务骗取医保基金案", "source": "tip", "summary": "群众举报康泰医院虚构住院。",
         "violation_types": ["V-IN3"], "amount_involved": "250000.00"},
    )
    assert response.status_code == 302
    case = Case.objects.get(title="康泰医院涉嫌虚构医药服务骗取医保基金案")
    year = timezone.localdate().year
    assert case.number == f"镇医保案〔{year}〕1号"
    assert case.status == CaseStatus.LEAD and case.agency == cast.agencies["zj-msb"]

    # parties and evidence, on the case page's forms
    response = officer.post(reverse("cases:subject_add", args=[case.pk]), {
        "kind": "institution", "name": "镇江康泰医院有限公司", "identifier_type": "uscc",
        "identifier": "91321100MA1Q3M6T41", "address": "镇江市京口区学府路1号", "legal_representative": "康某",
    })
    assert response.status_code == 302
    response = officer.post(reverse("cases:evidence_add", args=[case.pk]), {
        "kind": "electronic", "title": "结算数据明细", "pages": "12",
        "upload": SimpleUploadedFile("settlement.csv", "姓名,金额\n张三,1000\n".encode(), content_type="text/csv"),
    })
    assert response.status_code == 302
    evidence = case.evidence.get()
    assert len(evidence.sha256) == 64

    flows = {name: flow_client(client) for name, client in
             {"officer": officer, "chief": chief, "head": head, "police": police}.items()}
    process = case.process
    flows["officer"].complete(process, "verify", {"propose_filing": "yes", "opinion": "内部核查意见：线索属实。"})
    flows["chief"].complete(process, "file_case", {
        "approve": "yes", "opinion": "同意立案。", "investigators": [msb_officer.pk, msb_officer2.pk]})
    flows["officer"].complete(process, "investigate", {
        "findings": "经查，康泰医院虚构住院 52 人次。", "amount_involved": "250000.00", "violation_types": ["V-IN3"],
        "proposed_handling": "criminal", "handling_reason": "数额巨大，涉嫌诈骗罪。"})
    flows["head"].complete(process, "decide", {"handling": "criminal", "opinion": "局内讨论意见：同意移送。"})
    case.refresh_from_db()
    assert case.status == CaseStatus.TRANSFERRING
    referral = case.referrals.get()
    assert referral.status == ReferralStatus.PREPARING
    transfer = referral.process

    # The police cannot see anything before the transfer is sent.
    assert police.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404

    flows["officer"].complete(transfer, "prepare_package", {
        "to_agency": cast.agencies["zj-psb"].pk, "facts": "康泰医院虚构住院 52 人次，骗取医保基金 250000.00 元。",
        "suspected_offence": "诈骗罪（《中华人民共和国刑法》第二百六十六条）",
        "investigation_report": "一、当事人基本情况……八、结论及移送建议。",
        "task_force": [msb_officer.pk, msb_officer2.pk], "evidence": [evidence.pk],
        "contact_name": "王立新", "contact_phone": "0511-84420001", **SEIZED_ROWS})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.PENDING_APPROVAL
    assert police.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404

    # 2. The head approves: the letter is issued with its number and the police are notified.
    flows["head"].complete(transfer, "approve_transfer", {"approve": "yes", "opinion": "同意移送。"})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    letter = referral.documents.get(title="涉嫌犯罪案件移送书")
    assert letter.number == f"镇医保移〔{year}〕1号"
    item_list = referral.documents.get(title="涉案物品清单")  # attached to the 移送书 (310 Art. 6)
    assert item_list.number == f"镇医保物〔{year}〕1号"
    report = referral.documents.get(title="涉嫌犯罪案件情况的调查报告")  # T2, an attachment without its own 文号
    assert report.number is None
    report_text = "\n".join(p.text for p in docx.Document(io.BytesIO(bytes(report.content))).paragraphs)
    assert "一、当事人基本情况……八、结论及移送建议。" in report_text and "镇江康泰医院有限公司" in report_text
    assert Notification.objects.filter(recipient=cast.user("psb_officer"), event="referral.received").exists()

    # 3. The police see the package — not the bureau's internal deliberations, and not the case file.
    page = police.get(reverse("referrals:detail", args=[referral.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "康泰医院虚构住院 52 人次" in text and "镇江康泰医院有限公司" in text and letter.number in text
    assert "内部核查意见" not in text and "局内讨论意见" not in text
    assert police.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    download = police.get(reverse("referrals:document_download", args=[letter.pk]))
    assert download.status_code == 200
    assert letter.number in "\n".join(p.text for p in docx.Document(io.BytesIO(download.content)).paragraphs)

    # 4. The police officer takes the task from the agency queue and signs the receipt, to the minute.
    received = timezone.now()
    flows["police"].complete(transfer, "sign_receipt", {
        "received_at": minute(received), "items_received": "4", "signer_title": "经侦支队民警"})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIPTED
    assert referral.received_at == received.replace(second=0, microsecond=0)
    assert referral.receipt_signed_by == cast.user("psb_officer")
    # The signed 回执 is a document of its own, issued by the police, that both sides can download.
    receipt = referral.documents.get(title=f"回执（{letter.number}）")
    assert receipt.agency == referral.to_agency and receipt.issued_by == cast.user("psb_officer")
    for side in (police, officer):
        download = side.get(reverse("referrals:document_download", args=[receipt.pk]))
        assert download.status_code == 200
        cells = [cell.text for table in docx.Document(io.BytesIO(download.content)).tables for cell in table._cells]
        assert letter.number in cells and "经侦支队民警" in cells and "合计：4份" in "\n".join(cells)
        local = timezone.localtime(received)
        assert f"{local.year}年{local.month}月{local.day}日{local.hour}时{local.minute:02d}分" in cells

    # 5. The police decide to file the case.
    flows["police"].complete(transfer, "decide_filing", {
        "decision": "file", "document_number": "镇公（经）立字〔2026〕88号", "police_case_number": "A32110000000088", "reason": ""})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.FILED and referral.decision_document_number == "镇公（经）立字〔2026〕88号"

    # 7. Within 3 days the bureau hands over the seized items; the police sign the 交接清单 (310 Art. 12).
    hand_over(referral)
    for row in (referral, case, transfer):
        row.refresh_from_db()
    assert referral.status == ReferralStatus.HANDED_OVER
    assert [item["name"] for item in referral.handover.items] == ["住院病历原件", "结算数据光盘"]
    assert referral.handover.confirmed_by == cast.user("psb_officer")
    assert case.status == CaseStatus.TRANSFERRED
    assert case.process.finished is not None and transfer.finished is not None  # both flows ended

    # 6. The MSB officer sees the outcome: a notification and the decision on the referral page.
    decided = Notification.objects.get(recipient=msb_officer, event="referral.decided")
    assert "立案" in decided.title
    page = officer.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "镇公（经）立字〔2026〕88号" in page


def test_police_decline_with_reasons_sends_the_case_back_for_administrative_handling(cast, login, flow_client, tell):
    """不予立案 needs written reasons; then the bureau must handle the case administratively (310 Art. 10)."""
    from demo.stories import SENT

    case = tell(SENT)
    referral = case.referrals.get()
    police = flow_client(login("psb_officer"))
    police.complete(referral.process, "sign_receipt", {
        "received_at": minute(timezone.now()), "items_received": "6", "signer_title": "民警"})
    with pytest.raises(AssertionError, match="书面说明理由"):
        police.complete(referral.process, "decide_filing", {
            "decision": "decline", "document_number": "镇公不立字〔2026〕1号", "reason": "", "files_returned": "on"})
    with pytest.raises(AssertionError, match="退回案卷材料"):
        police.complete(referral.process, "decide_filing", {
            "decision": "decline", "document_number": "镇公不立字〔2026〕1号", "reason": "证据不足以证明非法占有目的。"})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIPTED

    police.complete(referral.process, "decide_filing", {
        "decision": "decline", "document_number": "镇公不立字〔2026〕1号", "reason": "证据不足以证明非法占有目的。",
        "files_returned": "on"})
    referral.refresh_from_db()
    assert referral.files_returned and referral.decision_reason == "证据不足以证明非法占有目的。"
    assert referral.status == ReferralStatus.DECLINED
    flow_client(login("msb_officer")).complete(referral.process, "respond_to_decline", {"response": "accept"})
    case.refresh_from_db()
    assert case.status == CaseStatus.ADMIN_HANDLING
    officer = flow_client(login("msb_officer"))
    officer.complete(case.process, "handle_administratively", {"outcome": "责令退回并处罚款。"})
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_head_refusal_needs_reasons_and_keeps_the_case_with_the_bureau(cast, login, flow_client, tell):
    """不批准移送 is recorded with its reasons; nothing reaches the police; the case continues administratively."""
    from demo.stories import PENDING_APPROVAL

    case = tell(PENDING_APPROVAL)
    referral = case.referrals.get()
    head = flow_client(login("msb_head"))
    with pytest.raises(AssertionError, match="写明理由"):
        head.complete(referral.process, "approve_transfer", {"approve": "no", "opinion": ""})
    head.complete(referral.process, "approve_transfer", {"approve": "no", "opinion": "证据尚需补强。"})
    referral.refresh_from_db()
    case.refresh_from_db()
    assert referral.status == ReferralStatus.REFUSED and referral.approval_opinion == "证据尚需补强。"
    assert not referral.documents.exists()
    assert case.status == CaseStatus.ADMIN_HANDLING
    assert login("psb_officer").get(reverse("referrals:detail", args=[referral.pk])).status_code == 404


def test_receipt_time_cannot_precede_the_transfer_or_lie_in_the_future(cast, login, flow_client, tell):
    from demo.stories import SENT

    case = tell(SENT)
    referral = case.referrals.get()
    police = flow_client(login("psb_officer"))
    for when, message in [(referral.sent_at - timedelta(days=1), "不能早于移送时间"), (timezone.now() + timedelta(hours=2), "不能晚于当前时间")]:
        with pytest.raises(AssertionError, match=message):
            police.complete(referral.process, "sign_receipt", {"received_at": minute(when), "items_received": "6", "signer_title": "民警"})
    referral.refresh_from_db()
    assert referral.received_at is None and referral.status == ReferralStatus.SENT


def test_an_incomplete_package_is_refused_with_the_list_of_what_is_missing(tell, login, flow_client):
    """310 Art. 6: no investigation report, no item list, no evidence — the head never sees it."""
    from demo.stories import PENDING_DECISION

    case = tell(PENDING_DECISION)
    flow_client(login("msb_head")).complete(case.process, "decide", {"handling": "criminal", "opinion": "同意。"})
    referral = case.referrals.get()
    with pytest.raises(AssertionError) as refused:
        flow_client(login("msb_officer")).complete(referral.process, "prepare_package", {
            "to_agency": referral.to_agency.pk, "facts": "虚构住院。", "suspected_offence": "诈骗罪", "investigation_report": "报告。",
            "task_force": [], "contact_name": "王立新", "contact_phone": "1", "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0"})
    assert "专案组不少于2名执法人员" in str(refused.value)
    msb = [user.pk for user in (referral.created_by, case.investigators.exclude(pk=referral.created_by_id).first())]
    with pytest.raises(AssertionError) as refused:
        flow_client(login("msb_officer")).complete(referral.process, "prepare_package", {
            "to_agency": referral.to_agency.pk, "facts": "虚构住院。", "suspected_offence": "诈骗罪", "investigation_report": "报告。",
            "task_force": msb, "contact_name": "王立新", "contact_phone": "1", "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0"})
    message = str(refused.value)
    assert "移送材料不全" in message and "涉案物品清单" in message and "证据材料" in message
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.PREPARING and not referral.package_items.exists()


def test_the_receiver_is_told_when_a_file_no_longer_matches_the_manifest(tell, login, flow_client, cast, django_capture_on_commit_callbacks):
    """The package carries each file's SHA-256; on receipt every file is hashed again and a mismatch flagged."""
    from demo.stories import SENT
    from notifications.models import Notification

    case = tell(SENT)
    referral = case.referrals.get()
    tampered = referral.package_items.select_related("evidence").first()
    with tampered.evidence.file.open("ab") as handle:
        handle.write(b"altered after packaging")
    with django_capture_on_commit_callbacks(execute=True):  # the check runs once the receipt has committed
        flow_client(login("psb_officer")).complete(referral.process, "sign_receipt", {
            "received_at": minute(timezone.now()), "items_received": "6", "signer_title": "民警"})
    results = {item.pk: item.verified_ok for item in referral.package_items.all()}
    assert results.pop(tampered.pk) is False and all(results.values())
    assert Notification.objects.filter(recipient=cast.user("msb_officer"), event="referral.manifest_mismatch").exists()
    page = login("psb_officer").get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "不一致" in page


def test_the_task_force_must_hold_enforcement_certificates(tell, login, flow_client, cast):
    """Only certified enforcement officers (执法证) may form the 专案组 whose names go on the report."""
    from demo.stories import PENDING_DECISION

    case = tell(PENDING_DECISION)
    flow_client(login("msb_head")).complete(case.process, "decide", {"handling": "criminal", "opinion": "同意。"})
    referral = case.referrals.get()
    with pytest.raises(AssertionError, match="未登记执法证号：孙悦"):
        flow_client(login("msb_officer")).complete(referral.process, "prepare_package", {
            "to_agency": referral.to_agency.pk, "facts": "虚构住院。", "suspected_offence": "诈骗罪", "investigation_report": "报告。",
            "task_force": [cast.user("msb_officer").pk, cast.user("msb_clerk").pk], "evidence": [e.pk for e in case.evidence.all()],
            "contact_name": "王立新", "contact_phone": "1", **SEIZED_ROWS})
