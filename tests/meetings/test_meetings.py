"""联席会议 (domain §8): the bureau sets up the mechanism, convenes, records attendance and issues a
numbered 纪要; each 议定事项 lands in its 牵头单位's queue, and what is overdue or blocked comes back on
the next agenda."""

from __future__ import annotations

import io
from datetime import timedelta

import docx
import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from demo.stories import INVESTIGATING
from meetings.flows import ResolutionFlow
from meetings.models import Meeting, MeetingStatus, Mechanism, Resolution, ResolutionStatus
from notifications.models import Notification
from supervision.flows import SupervisionFlow
from supervision.models import ProposalSource, Supervision

pytestmark = pytest.mark.django_db


def formset(rows: list[dict], *, total: int, blank: dict | None = None) -> dict:
    """POST data of a table of rows as a browser sends it: the blank rows carry their selects' defaults."""
    data = {"rows-TOTAL_FORMS": str(total), "rows-INITIAL_FORMS": "0", "rows-MIN_NUM_FORMS": "0", "rows-MAX_NUM_FORMS": "1000"}
    for index in range(total):
        for key, value in (rows[index] if index < len(rows) else blank or {}).items():
            data[f"rows-{index}-{key}"] = value
    return data


def set_up(cast, login) -> Mechanism:
    a = cast.agencies
    members = [a[code].pk for code in ("zj-psb", "zj-proc", "zj-health", "zj-market", "zj-disc", "zj-fund", "zj-gov")]
    response = login("msb_head").post(reverse("meetings:mechanism_create"), {
        "name": "镇江市医疗保障基金监管工作联席会议", "convenor": "市政府分管副市长", "convenor_agency": a["zj-gov"].pk,
        "members": members, "liaisons": [cast.user("psb_officer").pk, cast.user("health_officer").pk],
        "frequency": "每季度一次", "charter_number": "镇政办发〔2026〕12号",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    return Mechanism.objects.get()


def convene(login, mechanism, *, held_at, cases=(), carried=None, title="基金监管专题会议"):
    data = {"kind": "special", "title": title, "held_at": held_at.strftime("%Y-%m-%d %H:%M"), "venue": "市医保局三楼会议室",
            "chair": "市医保局局长周明", "topics": "通报2026年打击欺诈骗保专项整治进展", "cases": [c.pk for c in cases]}
    if carried is not None:
        data["carried"] = [r.pk for r in carried]
    response = login("msb_officer").post(reverse("meetings:convene", args=[mechanism.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return Meeting.objects.latest("pk")


def attend(cast, login, meeting):
    a = cast.agencies
    rows = [
        {"agency": a["zj-msb"].pk, "name": "周明", "post": "局长", "status": "present"},
        {"agency": a["zj-psb"].pk, "name": "郑伟", "post": "副局长", "status": "present"},
        {"agency": a["zj-health"].pk, "name": "何平", "post": "科员", "status": "leave"},
        {"agency": a["zj-jk-psb"].pk, "name": "钱坤", "post": "分局局长", "status": "observer"},
    ]
    response = login("msb_officer").post(reverse("meetings:attendance", args=[meeting.pk]), formset(rows, total=8, blank={"status": "present"}))
    assert response.status_code == 302


def test_a_resolution_lands_in_the_police_queue_and_comes_back_overdue_on_the_next_agenda(cast, login, flow_client, tell):
    a = cast.agencies
    mechanism = set_up(cast, login)
    case = tell(INVESTIGATING, title="康宁医院虚构住院案")
    held = timezone.now() - timedelta(days=10)
    meeting = convene(login, mechanism, held_at=held, cases=[case])
    assert [i.title for i in meeting.agenda.all()] == ["通报2026年打击欺诈骗保专项整治进展", f"研究康宁医院虚构住院案（{case.number}）"]
    assert Notification.objects.filter(recipient=cast.user("psb_officer"), event="meeting.convened").exists()  # the liaison
    attend(cast, login, meeting)

    due = (timezone.localtime(held) + timedelta(days=3)).date()
    resolutions = [
        {"text": "公安机关对康宁医院虚构住院案提前介入，引导取证", "kind": "case", "owner": a["zj-psb"].pk,
         "co_agencies": [a["zj-msb"].pk], "due_on": due.isoformat(), "case": case.pk, "propose_supervision": "on"},
        {"text": "卫生健康部门加强对定点医疗机构执业行为的日常监管", "kind": "task", "owner": a["zj-health"].pk, "ongoing": "on"},
    ]
    response = login("msb_officer").post(reverse("meetings:minutes", args=[meeting.pk]), {
        "heard": "市医保局关于康宁医院虚构住院案查处情况的汇报。", "views": "该案性质恶劣，应当依法从严从快查处。",
        "distribution": "各成员单位", **formset(resolutions, total=5, blank={"kind": "task"})})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.ISSUED and meeting.issue_label == f"{timezone.localdate().year}年第1期"
    minutes = "\n".join(p.text for p in docx.Document(io.BytesIO(login("psb_officer").get(
        reverse("meetings:minutes_download", args=[meeting.pk])).content)).paragraphs)
    for expected in ("镇江市医疗保障基金监管工作联席会议纪要", f"（{meeting.issue_label}）", "会议听取了市医保局关于", "会议议定：",
                     "牵头单位：镇江市公安局；配合单位：镇江市医疗保障局；完成时限：", "完成时限：长期坚持",
                     "出席：", "请假：镇江市卫生健康委员会科员何平。", "列席：", "分送：各成员单位。"):
        assert expected in minutes, expected

    # The meeting proposed 挂牌督办 of the case: the province's head has the decision in the queue.
    supervision = Supervision.objects.get(case=case)
    assert supervision.source == ProposalSource.MEETING and supervision.supervisor == a["js-msb"]
    assert meeting.issue_label in supervision.reason
    assert Task.objects.queue([SupervisionFlow], cast.user("js_msb_head")).filter(process=supervision.process).exists()

    # The police's item is in the police's queue, and only there.
    police_item = Resolution.objects.get(owner=a["zj-psb"])
    assert Task.objects.queue([ResolutionFlow], cast.user("psb_officer")).filter(process=police_item.process).exists()
    assert not Task.objects.queue([ResolutionFlow], cast.user("health_officer")).filter(process=police_item.process).exists()
    assert Notification.objects.filter(recipient=cast.user("psb_officer"), event="resolution.assigned").exists()
    # The police and the bureau (配合单位) report progress; a member not named on it cannot.
    assert login("psb_officer").post(reverse("meetings:progress", args=[police_item.pk]), {"text": "已派员提前介入。"}).status_code == 302
    assert login("proc_officer").post(reverse("meetings:progress", args=[police_item.pk]), {"text": "x"}).status_code == 403
    police_item.refresh_from_db()
    assert police_item.status == ResolutionStatus.IN_PROGRESS and police_item.updates.count() == 1 and police_item.is_overdue

    # Next meeting: the overdue item is offered and on the agenda; the mechanism page lists it.
    assert "逾期" in login("msb_officer").get(reverse("meetings:convene", args=[mechanism.pk])).content.decode()
    assert police_item.text[:20] in login("msb_head").get(reverse("meetings:mechanism", args=[mechanism.pk])).content.decode()
    second = convene(login, mechanism, held_at=timezone.now(), carried=[police_item], title="第二次联席会议")
    carried = second.agenda.get(carried=police_item)
    assert "逾期未办结" in carried.title and "镇江市公安局" in carried.title

    # The police cannot act on it: it conflicts with their own legal decision (blocked, with reasons).
    flow_client(login("psb_officer")).complete(police_item.process, "carry_out", {
        "done": "no", "text": "经审查已作出不予立案决定（镇公（经）不立字〔2026〕7号），无法按会商意见提前介入。"})
    police_item.refresh_from_db()
    assert police_item.status == ResolutionStatus.BLOCKED and police_item.process.finished
    assert Notification.objects.filter(recipient=cast.user("msb_officer"), event="resolution.blocked").exists()
    assert "无法落实" in login("psb_officer").get(reverse("meetings:resolution", args=[police_item.pk])).content.decode()


def test_bad_minutes_change_nothing(cast, login):
    a = cast.agencies
    mechanism = set_up(cast, login)
    meeting = convene(login, mechanism, held_at=timezone.now())
    row = {"text": "加强协作", "kind": "task", "owner": a["zj-psb"].pk, "due_on": timezone.localdate().isoformat(), "ongoing": "on"}
    response = login("msb_officer").post(reverse("meetings:minutes", args=[meeting.pk]), {"heard": "汇报。", **formset([row], total=1)})
    page = response.content.decode()
    assert response.status_code == 200 and "请先登记出席情况" in page and "二者选一" in page
    attend(cast, login, meeting)
    outsider = {**row, "owner": a["cz-psb"].pk, "ongoing": ""}  # not a member: not even offered
    response = login("msb_officer").post(reverse("meetings:minutes", args=[meeting.pk]), {"heard": "汇报。", **formset([outsider], total=1)})
    assert response.status_code == 200
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and meeting.minutes is None and not Resolution.objects.exists()
    # Only the office may issue; the police see the meeting but cannot.
    assert login("psb_officer").get(reverse("meetings:minutes", args=[meeting.pk])).status_code == 403


def test_another_city_sees_nothing(cast, login):
    mechanism = set_up(cast, login)
    meeting = convene(login, mechanism, held_at=timezone.now())
    outsider = login("cz_msb_officer")
    assert outsider.get(reverse("meetings:mechanism", args=[mechanism.pk])).status_code == 404
    assert outsider.get(reverse("meetings:meeting", args=[meeting.pk])).status_code == 404
    assert mechanism.name not in outsider.get(reverse("meetings:index")).content.decode()
    assert login("msb_officer").get(reverse("meetings:mechanism_create")).status_code == 403  # heads set up mechanisms
