"""挂牌督办 (domain §9.3): the province lists 镇江's case, follows its reports and clocks, urges and
escalates when it is late, sends the 结案报告 back once, then signs it off — and nobody else sees it."""

from __future__ import annotations

import io
from datetime import timedelta

import docx
import pytest
from django.urls import reverse
from django.utils import timezone

from casework.clocks import clocks_fire_breaches
from casework.models import DeadlineStatus
from demo.stories import INVESTIGATING, PSB_FILED
from notifications.models import Notification
from supervision.models import Supervision, SupervisionStatus

pytestmark = pytest.mark.django_db

DESIGNATION = {
    "approve": "yes", "opinion": "涉案金额巨大，同意挂牌督办。", "issue": "查清虚构住院的全部事实，依法从严处理，涉嫌犯罪的及时移送。",
    "requirements": "严格保密。", "term": "3m", "report_every_months": "1",
}
PROGRESS = {"kind": "progress", "administrative": "已调取2024年以来全部住院结算数据，询问当事人5人。", "recovered": "120000", "fines": "0"}
FINAL = {"kind": "final", "administrative": "已作出行政处罚决定（镇医保罚〔2026〕30号）。", "criminal": "公安机关已立案侦查。",
         "recovered": "486320.50", "fines": "972641.00", "next_steps": "镇江康宁医院有限公司：责令退回并处2倍罚款；孙康宁：移送公安机关。"}


def docx_text(client, url) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(client.get(url).content)).paragraphs)


def propose(login, case, user="msb_officer", **extra):
    data = {"criteria": ["amount", "impact"], "reason": "虚构住院骗取医保基金48万余元，媒体已有报道。", **extra}
    return login(user).post(reverse("supervision:propose", args=[case.pk]), data)


def designated(cast, login, flow_client, tell, stage=INVESTIGATING):
    case = tell(stage, title="康宁医院虚构住院案")
    assert propose(login, case).status_code == 302
    supervision = Supervision.objects.get(case=case)
    flow_client(login("js_msb_head")).complete(supervision.process, "designate", DESIGNATION)
    supervision.refresh_from_db()
    return supervision


def clock(supervision, code):
    return supervision.case.deadlines.filter(target_type="supervision.supervision", code=code).latest("started_at")


def test_a_supervised_case_from_listing_to_signoff(cast, login, flow_client, tell):
    case = tell(INVESTIGATING, title="康宁医院虚构住院案")
    officer, head = login("msb_officer"), login("js_msb_head")
    assert propose(login, case).status_code == 302
    supervision = Supervision.objects.get(case=case)
    assert supervision.status == SupervisionStatus.PROPOSED and supervision.supervisor == cast.agencies["js-msb"]
    assert Notification.objects.filter(recipient=cast.user("js_msb_head"), event="supervision.proposed").exists()

    # 1. The province's head lists it: a numbered 挂牌督办通知书 and three clocks.
    flow_client(head).complete(supervision.process, "designate", DESIGNATION)
    supervision.refresh_from_db()
    assert supervision.status == SupervisionStatus.ACTIVE and supervision.notice.number.startswith("苏医保督〔")
    notice = docx_text(officer, reverse("supervision:document_download", args=[supervision.pk, supervision.notice_id]))
    assert "关于对康宁医院虚构住院案实行挂牌督办的通知" in notice.replace("\n", "") and "镇江市医疗保障局：" in notice
    assert "10个工作日内报送查处方案" in notice and "每1个月报送一次进展报告" in notice
    assert {d.code for d in supervision.case.deadlines.filter(target_type="supervision.supervision")} == {
        "supervision.plan", "supervision.report", "supervision.term"}
    assert Notification.objects.filter(recipient=cast.user("msb_officer"), event="supervision.designated").exists()

    # 2. The handling unit submits its plan (its own task).
    flow_client(officer).complete(supervision.process, "submit_plan", {"plan": "一、调取数据；二、询问当事人；三、委托审计。"})
    assert clock(supervision, "supervision.plan").status == DeadlineStatus.MET

    # 3. The month passes without a report: the worker breaches the clock; the province urges, then escalates.
    report_clock = clock(supervision, "supervision.report")
    type(report_clock).objects.filter(pk=report_clock.pk).update(  # as if the month had gone by
        started_at=report_clock.started_at - timedelta(days=32), due_at=timezone.now() - timedelta(days=1))
    clocks_fire_breaches(now=timezone.now(), batch=100)
    assert clock(supervision, "supervision.report").status == DeadlineStatus.BREACHED
    province = login("js_msb_officer")
    assert province.post(reverse("supervision:urge", args=[supervision.pk]), {"reason": "进展报告已逾期，请立即报送。"}).status_code == 302
    assert Notification.objects.filter(recipient=cast.user("msb_officer"), event="supervision.urged").exists()
    assert province.post(reverse("supervision:escalate", args=[supervision.pk]), {"reason": "x"}).status_code == 403  # the head's call
    page = head.get(reverse("supervision:detail", args=[supervision.pk])).content.decode()
    assert "升级督办措施：约谈" in page
    assert head.post(reverse("supervision:escalate", args=[supervision.pk]), {"reason": "逾期未报告。"}).status_code == 302
    supervision.refresh_from_db()
    assert supervision.ladder_step == 1 and [a.measure for a in supervision.actions.all()] == ["催办", "约谈"]
    assert Notification.objects.filter(recipient=cast.user("msb_head"), event="supervision.escalated", title__contains="约谈").exists()

    # 4. A late progress report: the breach stays on record, the cadence starts again, no more escalation.
    assert officer.post(reverse("supervision:report", args=[supervision.pk]), PROGRESS).status_code == 302
    late = supervision.case.deadlines.filter(code="supervision.report").order_by("started_at").first()
    assert late.status == DeadlineStatus.BREACHED and late.met_at is not None
    assert clock(supervision, "supervision.report").status == DeadlineStatus.RUNNING
    assert "升级督办措施" not in head.get(reverse("supervision:detail", args=[supervision.pk])).content.decode()
    assert head.post(reverse("supervision:escalate", args=[supervision.pk]), {"reason": "x"}).status_code == 403

    # 5. The 结案报告 is sent back once, then signed off.
    assert officer.post(reverse("supervision:report", args=[supervision.pk]), FINAL).status_code == 302
    supervision.refresh_from_db()
    assert supervision.status == SupervisionStatus.REVIEW and clock(supervision, "supervision.term").status == DeadlineStatus.MET
    final = supervision.reports.get(kind="final")
    text = docx_text(head, reverse("supervision:document_download", args=[supervision.pk, final.document_id]))
    assert supervision.notice.number in text and "486,320.50元" in text and "各当事人的最终处理结果" in text
    flow_client(head).complete(supervision.process, "review", {"accept": "no", "opinion": "涉案人员处理结果不完整，补充后重报。"})
    supervision.refresh_from_db()
    assert supervision.status == SupervisionStatus.ACTIVE and not supervision.process.finished
    assert Notification.objects.filter(recipient=cast.user("msb_officer"), event="supervision.sent_back").exists()
    assert officer.post(reverse("supervision:report", args=[supervision.pk]), FINAL).status_code == 302
    flow_client(head).complete(supervision.process, "review", {"accept": "yes", "opinion": "处理到位，予以销号。"})
    supervision.refresh_from_db()
    assert supervision.status == SupervisionStatus.CLOSED and supervision.process.finished
    assert [r.accepted for r in supervision.reports.filter(kind="final")] == [False, True]
    assert "江苏省医保局：已审核销号" in officer.get(reverse("cases:detail", args=[case.pk])).content.decode()


def test_the_supervisor_reads_the_case_its_referrals_and_clocks_and_nothing_else(cast, login, flow_client, tell):
    supervision = designated(cast, login, flow_client, tell, stage=PSB_FILED)
    province = login("js_msb_officer")
    page = province.get(reverse("supervision:detail", args=[supervision.pk])).content.decode()
    assert supervision.case.number in page and "涉嫌犯罪案件移送" in page  # the transfer and its clocks
    assert "公安机关立案审查" in page and "报送查处方案" in page
    assert province.get(reverse("cases:detail", args=[supervision.case.pk])).status_code == 404
    referral = supervision.case.referrals.get()
    assert province.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404
    # A leader of another city, and other agencies, see none of it.
    for outsider in ("cz_msb_officer", "health_officer", "psb_officer"):
        client = login(outsider)
        assert client.get(reverse("supervision:detail", args=[supervision.pk])).status_code == 404, outsider
        assert supervision.case.title not in client.get(reverse("supervision:index")).content.decode(), outsider


def test_declined_listing_and_revoked_supervision(cast, login, flow_client, tell):
    case = tell(INVESTIGATING, title="拟挂牌未获批准的案件")
    propose(login, case)
    supervision = Supervision.objects.get(case=case)
    flow_client(login("js_msb_head")).complete(supervision.process, "designate", {"approve": "no", "opinion": "由市局自行督办。"})
    supervision.refresh_from_db()
    assert supervision.status == SupervisionStatus.DECLINED and supervision.process.finished and supervision.notice is None
    assert Notification.objects.filter(recipient=cast.user("msb_officer"), event="supervision.declined").exists()

    # Declined, it may be proposed again; listed, it can be revoked once the plan is in.
    propose(login, case)
    again = Supervision.objects.filter(case=case).latest("pk")
    flow_client(login("js_msb_head")).complete(again.process, "designate", DESIGNATION)
    head = login("js_msb_head")
    assert head.post(reverse("supervision:revoke", args=[again.pk]), {"reason": "并案"}).status_code == 403  # no plan yet
    flow_client(login("msb_officer")).complete(again.process, "submit_plan", {"plan": "方案"})
    assert head.post(reverse("supervision:revoke", args=[again.pk]), {"reason": "已并入省局督办的系列案件。"}).status_code == 302
    again.refresh_from_db()
    assert again.status == SupervisionStatus.REVOKED and again.process.finished
    assert {d.status for d in again.case.deadlines.filter(target_type="supervision.supervision", code__in=[
        "supervision.report", "supervision.term"])} == {DeadlineStatus.CANCELLED}


def test_bad_input_changes_nothing(cast, login, flow_client, tell):
    case = tell(INVESTIGATING, title="输入有误的督办")
    response = propose(login, case, criteria=[])
    assert "请选择挂牌理由" in response.content.decode() and not Supervision.objects.exists()
    propose(login, case)
    assert "该案已在挂牌督办中" in propose(login, case).content.decode()
    supervision = Supervision.objects.get(case=case)
    with pytest.raises(AssertionError, match="issue"):
        flow_client(login("js_msb_head")).complete(supervision.process, "designate", {**DESIGNATION, "issue": ""})
    supervision.refresh_from_db()
    assert supervision.status == SupervisionStatus.PROPOSED and supervision.notice is None
    assert not case.deadlines.filter(target_type="supervision.supervision").exists()
    # An officer of the province cannot decide; the handling unit cannot report before it is listed.
    with pytest.raises(AssertionError, match="403"):
        flow_client(login("js_msb_officer")).complete(supervision.process, "designate", DESIGNATION)
    assert login("msb_officer").post(reverse("supervision:report", args=[supervision.pk]), PROGRESS).status_code == 403


def test_the_province_lists_a_case_of_a_city_directly(cast, login, tell):
    case = tell(INVESTIGATING, title="省局直接挂牌的案件")
    province = login("js_msb_officer")
    assert case.number in province.get(reverse("supervision:list_case")).content.decode()
    assert "省局直接挂牌的案件" not in login("cz_msb_officer").get(reverse("supervision:list_case")).content.decode()
    assert propose(login, case, user="js_msb_officer").status_code == 302
    supervision = Supervision.objects.get(case=case)
    assert supervision.source == "higher" and supervision.supervisor == cast.agencies["js-msb"]
    assert login("cz_msb_officer").post(reverse("supervision:propose", args=[case.pk]), {}).status_code == 404


def test_a_joint_listing_with_the_provincial_police_is_signed_by_both_and_seen_by_both(cast, login, flow_client, tell):
    """联合挂牌 (domain §9.2: NHSA + MPS, and likewise a provincial bureau with the provincial police)."""
    from agencies.models import AgencyKind, AgencyLevel, Role
    from agencies.services import agency_create, officer_create

    province = cast.agencies["js-msb"]
    police = agency_create(code="js-psb", name="江苏省公安厅", short_name="省公安厅", kind=AgencyKind.PSB, level=AgencyLevel.PROVINCE,
                           region_code=province.region_code, region_name=province.region_name, doc_prefix="苏公")
    police_officer = officer_create(username="js_psb_officer", full_name="周警官", agency=police, role=Role.OFFICER)
    case = tell(INVESTIGATING, title="跨市团伙骗保案")
    propose(login, case)
    supervision = Supervision.objects.get(case=case)
    # Only a police organ of the supervisor's own level may co-list.
    with pytest.raises(AssertionError, match="co_supervisor"):
        flow_client(login("js_msb_head")).complete(supervision.process, "designate",
                                                   {**DESIGNATION, "co_supervisor": cast.agencies["zj-psb"].pk})
    flow_client(login("js_msb_head")).complete(supervision.process, "designate", {**DESIGNATION, "co_supervisor": police.pk})
    supervision.refresh_from_db()
    assert supervision.co_supervisor == police
    notice = docx_text(login("msb_officer"), reverse("supervision:document_download", args=[supervision.pk, supervision.notice_id]))
    assert "江苏省医疗保障局 江苏省公安厅" in notice and "经江苏省医疗保障局、江苏省公安厅共同研究" in notice
    from django.test import Client

    provincial_police = Client()
    provincial_police.force_login(police_officer.user)
    assert provincial_police.get(reverse("supervision:detail", args=[supervision.pk])).status_code == 200
    assert provincial_police.get(reverse("cases:detail", args=[case.pk])).status_code == 404
