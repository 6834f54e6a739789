"""What other agencies hand to the bureau (domain §6.5, §6.6c, §7): a reverse transfer from the police
and a 检察意见 from the procuratorate — signed for, registered as the bureau's own lead, answered in
writing, and tracked until the sender signs for the answer."""

from __future__ import annotations

import io

import docx
import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import CaseSource, CaseStatus, ClockUnit, Deadline, DeadlineStatus
from notifications.models import Notification
from referral.models import Referral, ReferralKind, ReferralStatus
from tests.conftest import item_rows

pytestmark = pytest.mark.django_db


def send(client, cast, kind="reverse_transfer", **extra):
    data = {
        "kind": kind, "to_agency": cast.agencies["zj-msb"].pk, "incoming_number": "镇公（经）反移字〔2026〕4号",
        "incoming_issued_on": timezone.localdate().isoformat(), "case_title": "孙某某冒用他人医保卡就医案",
        "persons_involved": "孙某某", "facts": "孙某某冒用其母医保卡就医12次，金额2400元。",
        "request": "经审查不构成犯罪，需要追究行政责任，依法移送你局处理。", "amount": "2400.00",
        "contact_name": "刘强", "contact_phone": "0511-84440001", **item_rows(total=1), **extra,
    }
    return client.post(reverse("referrals:incoming_send"), data)


def minute() -> str:
    return timezone.localtime().strftime("%Y-%m-%d %H:%M")


def reply_clock(referral):
    return Deadline.objects.get(target_type="referral.referral", target_id=str(referral.pk), code="incoming.reply")


def test_a_reverse_transfer_becomes_the_bureaus_lead_and_ends_when_the_police_sign_for_the_reply(cast, login, flow_client):
    police = login("psb_officer")
    assert send(police, cast).status_code == 302
    referral = Referral.objects.get(kind=ReferralKind.REVERSE_TRANSFER)
    assert referral.status == ReferralStatus.SENT and referral.case is None
    assert Notification.objects.filter(recipient=cast.user("msb_officer"), event="referral.received").exists()
    detail = reverse("referrals:detail", args=[referral.pk])
    for outsider in ("cz_msb_officer", "health_officer", "cz_psb_officer"):
        assert login(outsider).get(detail).status_code == 404, outsider

    flow_client(login("msb_officer")).complete(referral.process, "acknowledge", {"received_at": minute(), "signer_title": "科员"})
    referral.refresh_from_db()
    case = referral.case
    assert case.source == CaseSource.POLICE and case.status == CaseStatus.LEAD and case.agency == cast.agencies["zj-msb"]
    assert "镇公（经）反移字〔2026〕4号" in case.source_detail
    verify = case.process.task_set.get(flow_task_type="HUMAN")
    assert verify.flow_task.name == "verify" and verify.owner == cast.user("msb_officer")  # its own case flow started
    clock = reply_clock(referral)
    assert clock.status == DeadlineStatus.RUNNING and (clock.amount, clock.unit) == (15, ClockUnit.WORKING_DAYS)
    assert police.get(reverse("cases:detail", args=[case.pk])).status_code == 404  # the bureau's case stays the bureau's

    flow_client(login("msb_officer")).complete(referral.process, "reply", {
        "reply": "已立案查处，作出镇医保罚〔2026〕9号行政处罚决定：责令退回2400元，处罚款4800元。", "measures": "责令退回\n罚款"})
    referral.refresh_from_db()
    letter = referral.documents.get(title="复函")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(police.get(
        reverse("referrals:document_download", args=[letter.pk])).content)).paragraphs)
    assert letter.number in text and "镇公（经）反移字〔2026〕4号" in text and "镇医保罚〔2026〕9号" in text
    assert reply_clock(referral).status == DeadlineStatus.MET
    assert Notification.objects.filter(recipient=cast.user("psb_officer"), event="referral.replied").exists()

    flow_client(police).complete(referral.process, "receive_reply", {"confirm": "on"})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED and referral.closed_at and referral.process.finished


def test_a_procuratorial_opinion_is_answered_within_two_months(cast, login, flow_client):
    procuratorate = login("proc_officer")
    assert send(procuratorate, cast, kind="proc_opinion", incoming_number="镇检行意〔2026〕2号",
                request="已作不起诉决定，建议依法给予行政处罚。").status_code == 302
    referral = Referral.objects.get(kind=ReferralKind.PROC_OPINION)
    flow_client(login("msb_officer")).complete(referral.process, "acknowledge", {"received_at": minute(), "signer_title": "科员"})
    referral.refresh_from_db()
    assert referral.case.source == CaseSource.PROCURATORATE
    clock = reply_clock(referral)
    assert (clock.amount, clock.unit) == (2, ClockUnit.MONTHS) and "第一百七十七条" in clock.legal_basis


def test_only_the_police_and_the_procuratorate_may_send_and_bad_input_changes_nothing(cast, login):
    assert login("msb_officer").get(reverse("referrals:incoming_send")).status_code == 403
    assert login("health_officer").get(reverse("referrals:incoming_send")).status_code == 403
    police = login("psb_officer")
    response = send(police, cast, to_agency=cast.agencies["zj-health"].pk)
    assert response.status_code == 200 and not Referral.objects.exists()
    response = send(police, cast, incoming_issued_on=(timezone.localdate().replace(year=timezone.localdate().year + 1)).isoformat())
    assert "不能晚于今天" in response.content.decode() and not Referral.objects.exists()


@pytest.mark.parametrize(
    "sender, kind, source, days",
    [("js_msb_officer", "assigned_clue", CaseSource.ASSIGNED, 30), ("js_msb_officer", "fly_handover", CaseSource.FLYING, 30),
     ("fund_officer", "agency_handover", CaseSource.HANDLING_AGENCY, 15)],
)
def test_a_higher_bureau_and_the_handling_agency_hand_clues_to_the_bureau(cast, login, flow_client, sender, kind, source, days):
    """上级交办 and 飞行检查移交 come down from the province; the 经办机构 hands over what 协议管理 found."""
    assert send(login(sender), cast, kind=kind, incoming_number="苏医保交〔2026〕7号").status_code == 302
    referral = Referral.objects.get(kind=kind)
    flow_client(login("msb_officer")).complete(referral.process, "acknowledge", {"received_at": minute(), "signer_title": "科员"})
    referral.refresh_from_db()
    clock = reply_clock(referral)
    assert referral.case.source == source and (clock.amount, clock.unit) == (days, ClockUnit.WORKING_DAYS)


def test_clues_go_only_down_the_hierarchy_or_to_the_bureau_of_the_same_region(cast, login):
    province = login("js_msb_officer")
    response = send(province, cast, kind="assigned_clue", to_agency=cast.agencies["js-msb"].pk)
    assert "下级医疗保障部门" in response.content.decode()
    response = send(login("fund_officer"), cast, kind="agency_handover", to_agency=cast.agencies["cz-msb"].pk)
    assert "同一行政区域" in response.content.decode()
    assert login("msb_officer").get(reverse("referrals:incoming_send")).status_code == 403  # 镇江 has no bureau below it
    assert not Referral.objects.exists()


def test_police_who_withdraw_a_filed_case_send_it_back_with_the_items(cast, login, flow_client, tell, hand_over):
    """Edge case 11: 撤案 after 立案 is a reverse transfer; the seized items come back on a 交接清单."""
    from demo.stories import PSB_FILED

    original = tell(PSB_FILED, title="撤案后反向移送的案件").referrals.get()
    hand_over(original)
    original.refresh_from_db()
    assert original.status == ReferralStatus.HANDED_OVER
    police = login("psb_officer")
    response = send(police, cast, origin=original.pk, incoming_number="镇公（经）撤字〔2026〕1号",
                    **item_rows({"name": "住院病历原件", "quantity": "58份", "note": "原样退回"}))
    assert response.status_code == 302
    back = Referral.objects.get(kind=ReferralKind.REVERSE_TRANSFER)
    assert back.origin == original and back.seized_items[0]["name"] == "住院病历原件"
    assert original.case.referrals.count() == 1  # the withdrawal is recorded on the original case's timeline
    from casework.selectors import case_timeline
    assert any("撤销案件" in event.summary for event in case_timeline(case=original.case))

    flow_client(login("msb_officer")).complete(back.process, "acknowledge", {"received_at": minute(), "signer_title": "科员"})
    returned = back.documents.get(title="涉案物品交接清单（退回）")
    text = "\n".join(cell.text for table in docx.Document(io.BytesIO(login("msb_officer").get(
        reverse("referrals:document_download", args=[returned.pk])).content)).tables for row in table.rows for cell in row.cells)
    assert "住院病历原件" in text and "原样退回" in text
    # A transfer already sent back cannot be named again: the choice is no longer offered.
    assert "原移送" not in police.get(reverse("referrals:incoming_send")).content.decode()
    send(police, cast, origin=original.pk)
    assert Referral.objects.filter(origin=original).count() == 1
