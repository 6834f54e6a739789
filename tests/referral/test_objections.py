"""When the police decline (310 Arts. 9–10): 复议, 立案监督 by the procuratorate, or acceptance —
each step in the right agency's hands, each with its legal clock."""

from __future__ import annotations

import io

import docx
import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import CaseStatus, Deadline, DeadlineStatus
from demo.stories import PSB_DECLINED, PENDING_APPROVAL
from notifications.models import Notification
from referral.models import ReferralStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def declined(tell):
    referral = tell(PSB_DECLINED).referrals.get()
    assert referral.status == ReferralStatus.DECLINED
    return referral


def clock(referral, code):
    return Deadline.objects.filter(target_type="referral.referral", target_id=str(referral.pk), code=code).latest("id")


def refresh(referral):
    referral.refresh_from_db()
    return referral


def letter_text(client, referral, title) -> tuple[str, str]:
    """The number and the full text of the referral's letter `title`, downloaded as `client`."""
    document = referral.documents.get(title=title)
    response = client.get(reverse("referrals:document_download", args=[document.pk]))
    assert response.status_code == 200
    opened = docx.Document(io.BytesIO(response.content))
    cells = [cell.text for table in opened.tables for row in table.rows for cell in row.cells]
    return document.number, "\n".join([p.text for p in opened.paragraphs] + cells)


def test_reconsideration_upheld_then_supervision_orders_the_police_to_file(declined, login, flow_client, hand_over, cast):
    """The full edge case of domain §12 #1: 3 days → 3 days → 3 days → 7 days → 15 days."""
    referral, bureau = declined, flow_client(login("msb_officer"))
    police, procuratorate = flow_client(login("psb_officer")), flow_client(login("proc_officer"))
    assert clock(referral, "transfer.decline_response").status == DeadlineStatus.RUNNING

    with pytest.raises(AssertionError, match="应当立案的事实"):
        bureau.complete(referral.process, "respond_to_decline", {"response": "reconsider", "reasons": ""})
    bureau.complete(referral.process, "respond_to_decline", {
        "response": "reconsider", "reasons": "涉案金额8600元已达本省数额较大标准。", "new_evidence": "补充询问笔录2份"})
    assert refresh(referral).status == ReferralStatus.RECONSIDERING
    assert clock(referral, "transfer.decline_response").status == DeadlineStatus.MET
    year = timezone.localdate().year
    number, text = letter_text(login("psb_officer"), referral, "提请复议书")
    assert number == f"镇医保复议〔{year}〕1号" and number in text
    assert referral.decision_document_number in text and "补充询问笔录2份" in text
    assert clock(referral, "transfer.reconsideration").agency == cast.agencies["zj-psb"]

    with pytest.raises(AssertionError, match="应当说明理由"):
        police.complete(referral.process, "decide_reconsideration", {"decision": "uphold", "decision_number": "镇公复字〔2026〕2号", "reasons": ""})
    police.complete(referral.process, "decide_reconsideration", {
        "decision": "uphold", "decision_number": "镇公复字〔2026〕2号", "reasons": "仍不能证明非法占有目的。"})
    assert refresh(referral).status == ReferralStatus.UPHELD
    assert Notification.objects.filter(recipient=cast.user("msb_officer"), event="referral.reconsidered").exists()

    # 复议 is used up; only 立案监督 or acceptance remain.
    with pytest.raises(AssertionError):
        bureau.complete(referral.process, "respond_to_decline", {"response": "reconsider", "reasons": "再次复议"})
    detail = reverse("referrals:detail", args=[referral.pk])
    assert login("proc_officer").get(detail).status_code == 404  # not the procuratorate's business yet
    bureau.complete(referral.process, "respond_to_decline", {"response": "supervise", "reasons": "复议维持决定仍有错误。"})
    assert refresh(referral).status == ReferralStatus.SUPERVISING
    assert login("proc_officer").get(detail).status_code == 200
    assert clock(referral, "transfer.upheld_response").status == DeadlineStatus.MET
    number, text = letter_text(login("proc_officer"), referral, "立案监督建议书")
    assert number == f"镇医保监督建议〔{year}〕1号"
    assert "镇公复字〔2026〕2号" in text and f"镇医保复议〔{year}〕1号" in text and "复议维持决定仍有错误" in text

    procuratorate.complete(referral.process, "request_explanation", {"notice_number": "镇检要字〔2026〕5号"})
    explanation_clock = clock(referral, "transfer.explanation")
    assert explanation_clock.amount == 7 and explanation_clock.agency == cast.agencies["zj-psb"]
    police.complete(referral.process, "explain_decline", {"explanation": "当事人已退赔，情节显著轻微。"})
    with pytest.raises(AssertionError, match="通知立案书文号"):
        procuratorate.complete(referral.process, "assess_explanation", {"outcome": "filing_ordered", "opinion": "理由不成立。"})
    procuratorate.complete(referral.process, "assess_explanation", {
        "outcome": "filing_ordered", "notice_number": "镇检通立字〔2026〕1号", "opinion": "退赔不影响犯罪成立，理由不成立。"})
    assert clock(referral, "transfer.ordered_filing").amount == 15
    assert Notification.objects.filter(recipient=cast.user("msb_officer"), event="referral.supervision_concluded").exists()

    police.complete(referral.process, "file_as_ordered", {"document_number": "镇公立字〔2026〕77号", "police_case_number": ""})
    assert refresh(referral).status == ReferralStatus.FILED and referral.decision_document_number == "镇公立字〔2026〕77号"
    assert clock(referral, "transfer.ordered_filing").status == DeadlineStatus.MET
    hand_over(referral)
    assert refresh(referral).status == ReferralStatus.HANDED_OVER
    assert referral.case.status == CaseStatus.TRANSFERRED
    number, text = letter_text(login("psb_officer"), referral, "涉案物品交接清单")
    assert number == f"镇医保交〔{year}〕1号" and number in text
    assert "住院病历原件" in text and "镇医保封〔2026〕3号" in text and "镇公立字〔2026〕77号" in text


def test_the_bureau_may_go_to_the_procuratorate_without_reconsideration(declined, login, flow_client):
    """310 Art. 9 says 也可以: 立案监督 directly. Reasons found valid → the bureau handles the case itself."""
    referral = declined
    flow_client(login("msb_officer")).complete(referral.process, "respond_to_decline", {"response": "supervise", "reasons": "应当立案。"})
    procuratorate = flow_client(login("proc_officer"))
    procuratorate.complete(referral.process, "request_explanation", {"notice_number": "镇检要字〔2026〕6号"})
    flow_client(login("psb_officer")).complete(referral.process, "explain_decline", {"explanation": "金额未达标准。"})
    procuratorate.complete(referral.process, "assess_explanation", {"outcome": "reasons_valid", "opinion": "不立案理由成立。"})
    assert refresh(referral).status == ReferralStatus.DECLINE_ACCEPTED
    assert not hasattr(referral, "reconsideration") or referral.reconsideration is None
    assert referral.case.status == CaseStatus.ADMIN_HANDLING


def test_reconsideration_that_files_goes_straight_to_the_handover(declined, login, flow_client, hand_over):
    referral = declined
    flow_client(login("msb_officer")).complete(referral.process, "respond_to_decline", {"response": "reconsider", "reasons": "应当立案。"})
    flow_client(login("psb_officer")).complete(referral.process, "decide_reconsideration", {
        "decision": "file", "decision_number": "镇公复字〔2026〕3号", "reasons": ""})
    assert refresh(referral).status == ReferralStatus.FILED
    assert clock(referral, "transfer.handover").status == DeadlineStatus.RUNNING
    hand_over(referral)
    assert refresh(referral).case.status == CaseStatus.TRANSFERRED


def test_a_head_refusal_is_visible_to_the_procuratorate_with_its_reasons(tell, login, flow_client, cast):
    """310 Art. 14: a refusal to transfer is a supervisable event — the procuratorate sees it, nobody else outside."""
    referral = tell(PENDING_APPROVAL).referrals.get()
    detail = reverse("referrals:detail", args=[referral.pk])
    assert login("proc_officer").get(detail).status_code == 404
    flow_client(login("msb_head")).complete(referral.process, "approve_transfer", {"approve": "no", "opinion": "证据尚需补强。"})
    page = login("proc_officer").get(detail)
    assert page.status_code == 200 and "证据尚需补强" in page.content.decode()
    assert Notification.objects.filter(recipient=cast.user("proc_officer"), event="referral.refused").exists()
    for outsider in ("psb_officer", "health_officer", "cz_psb_officer"):
        assert login(outsider).get(detail).status_code == 404, outsider


def test_handover_needs_at_least_one_item_with_name_and_quantity(tell, login, flow_client):
    from demo.stories import PSB_FILED

    referral = tell(PSB_FILED).referrals.get()
    bureau = flow_client(login("msb_officer"))
    empty = {"items-TOTAL_FORMS": "2", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "60"}
    with pytest.raises(AssertionError, match="至少应有一项"):
        bureau.complete(referral.process, "hand_over", empty)
    with pytest.raises(AssertionError, match="缺少名称或数量"):
        bureau.complete(referral.process, "hand_over", {**empty, "items-0-name": "病历"})
    assert refresh(referral).status == ReferralStatus.FILED and not hasattr(referral, "handover")


def test_when_the_police_miss_the_review_the_bureau_may_propose_supervision_at_once(tell, login, flow_client, cast):
    """Edge case 2 (310 Art. 17): the review clock is breached and escalated; the bureau goes to the
    procuratorate while the police's decision is still open; a later 不予立案 carries the same proposal on."""
    from datetime import timedelta

    from django.core.management import call_command

    from demo.stories import SENT
    from referral.models import SupervisionProposal

    referral = tell(SENT).referrals.get()
    police = flow_client(login("psb_officer"))
    police.complete(referral.process, "sign_receipt", {"received_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
                                                       "items_received": "6", "signer_title": "民警"})
    url = reverse("referrals:overdue_supervision", args=[referral.pk])
    assert login("msb_officer").get(url).status_code == 403  # not overdue yet
    past = timezone.now() - timedelta(hours=1)
    Deadline.objects.filter(target_id=str(referral.pk), code="transfer.review").update(due_at=past, warn_at=past)
    call_command("run_clocks", "--once")
    assert clock(referral, "transfer.review").status == DeadlineStatus.BREACHED
    detail = login("msb_officer").get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "公安机关已逾期未作出立案决定" in detail
    assert login("psb_officer").get(url).status_code == 403  # the police cannot propose it against themselves

    response = login("msb_officer").post(url, {"reasons": "公安机关逾期未作决定，涉案金额已达立案标准。"})
    assert response.status_code == 302
    number, text = letter_text(login("proc_officer"), referral, "立案监督建议书")
    assert "逾期未作出立案或者不予立案的决定" in text and "第十七条" in text
    assert refresh(referral).status == ReferralStatus.RECEIPTED  # the police still have to decide

    police.complete(referral.process, "decide_filing", {"decision": "decline", "document_number": "镇公不立字〔2026〕9号",
                                                        "reason": "证据不足。", "files_returned": "on"})
    flow_client(login("msb_officer")).complete(referral.process, "respond_to_decline", {"response": "supervise", "reasons": "仍应立案。"})
    assert refresh(referral).status == ReferralStatus.SUPERVISING
    assert SupervisionProposal.objects.filter(referral=referral).count() == 1
