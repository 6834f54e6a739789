"""Every lead source, registered by hand on the 登记线索 page, starts the clocks domain §3 gives it,
with due dates counted on the holiday calendar, and the lead is in the officer's lists.

The registration is fixed at Monday 2026-09-28 10:00 (recording.as_of); a handoff's document was
issued on Wednesday 2026-09-23 and received on Friday 2026-09-25, and its clocks count from the
receipt. National Day 2026 (10月1日–7日 off, Saturday 10月10日 worked) lies in every count.

| source (CaseSource)        | clocks started on registration                         | due (end of day)     |
|----------------------------|--------------------------------------------------------|----------------------|
| 举报投诉 (12393, web, letter; anonymous or real-name) | 立案 15 working days from registration | 2026-10-23 |
| 日常检查, 专项检查, 大数据模型筛查, 智能监控, 其他部门移送, 媒体曝光, 自查自纠 | the same | 2026-10-23 |
| 公安机关反向移送           | 立案 15 wd + 依法处理并书面答复 15 wd, from receipt     | 2026-10-22, 2026-10-22 |
| 检察意见                   | 立案 15 wd + 书面答复人民检察院 2 months, from receipt   | 2026-10-22, 2026-11-25 |
| 上级交办                   | 立案 15 wd + 办结交办线索并报告 30 wd, from receipt      | 2026-10-22, 2026-11-12 |
| 飞行检查 (移交材料)        | 立案 15 wd + 报送处理进度和整改方案 30 wd, from receipt  | 2026-10-22, 2026-11-12 |
| 经办机构移交               | 立案 15 wd + 决定是否立案并告知经办机构 15 wd, from receipt | 2026-10-22, 2026-10-22 |

Tested elsewhere, not repeated here:
* the real-name reporter's 5-working-day notice, started by the filing decision: tests/casework/test_reporter.py;
* a big-data screening list imported (one lead a hit) and fed back hit by hit: tests/casework/test_screening_import.py,
  tests/casework/test_screening_feedback.py;
* leads pushed by connected systems (签收登记): tests/systems/test_leads_api.py;
* the same five handoffs sent and signed for in Lianban (the clock about the referral, met by the 复函):
  tests/referral/test_incoming.py, tests/referral/test_incoming_followups.py;
* the 15-working-day count itself and the 90-day decision clock after 立案: tests/casework/test_case_clocks.py.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime, time, timedelta

import chinese_calendar
import pytest
from django.urls import reverse
from django.utils import timezone

from agencies import recording
from agencies.models import AuditEvent
from casework import case_clocks
from casework.flows import CaseFlow
from casework.models import Case, CaseSource, ClockUnit, Deadline, DeadlineStatus
from casework.source_clocks import HANDOFF_SOURCES, REPLY_CLOCK

pytestmark = pytest.mark.django_db

REGISTERED = (2026, 9, 28, 10, 0)  # Monday
ISSUED, RECEIVED = date(2026, 9, 23), date(2026, 9, 25)
WORK = "/workflow/work/"

# source → (its own clock: title, amount, unit, due day) — the filing clock comes with every source
OWN_CLOCK = {
    CaseSource.POLICE: ("依法处理反向移送案件并书面答复", 15, ClockUnit.WORKING_DAYS, date(2026, 10, 22)),
    CaseSource.PROCURATORATE: ("书面答复人民检察院", 2, ClockUnit.MONTHS, date(2026, 11, 25)),
    CaseSource.ASSIGNED: ("办结交办线索并报告", 30, ClockUnit.WORKING_DAYS, date(2026, 11, 12)),
    CaseSource.FLYING: ("报送处理进度和整改方案", 30, ClockUnit.WORKING_DAYS, date(2026, 11, 12)),
    CaseSource.HANDLING_AGENCY: ("决定是否立案并告知经办机构", 15, ClockUnit.WORKING_DAYS, date(2026, 10, 22)),
}
FILING_DUE = {False: date(2026, 10, 23), True: date(2026, 10, 22)}  # from registration / from a handoff's receipt

# Each source as an officer would enter it; 举报投诉 three ways (12393 hotline, anonymous letter, real name).
LEADS = [
    pytest.param(CaseSource.TIP, {"source_detail": "12393-20260928-0031"}, id="tip-12393"),
    pytest.param(CaseSource.TIP, {"source_detail": "匿名来信"}, id="tip-anonymous"),
    pytest.param(CaseSource.TIP, {"reporter_real_name": "on", "reporter_name": "周某某", "reporter_contact": "13900001111"},
                 id="tip-real-name"),
    pytest.param(CaseSource.DAILY, {}, id="daily"),
    pytest.param(CaseSource.SPECIAL, {"source_detail": "2026年定点医药机构专项检查"}, id="special"),
    pytest.param(CaseSource.BIG_DATA, {"source_detail": "虚假住院模型"}, id="big-data"),
    pytest.param(CaseSource.SMART_MONITORING, {}, id="smart-monitoring"),
    pytest.param(CaseSource.DEPARTMENT, {"source_detail": "市审计局审计移送"}, id="department-audit"),
    pytest.param(CaseSource.MEDIA, {"source_detail": "镇江日报报道"}, id="media"),
    pytest.param(CaseSource.SELF_INSPECTION, {}, id="self-inspection"),
    pytest.param(CaseSource.POLICE, {"incoming_number": "镇公（经）反移字〔2026〕4号"}, id="police-reverse-transfer"),
    pytest.param(CaseSource.PROCURATORATE, {"incoming_number": "镇检行意〔2026〕2号"}, id="procuratorial-opinion"),
    pytest.param(CaseSource.ASSIGNED, {"incoming_number": "苏医保交〔2026〕7号"}, id="assigned"),
    pytest.param(CaseSource.FLYING, {"incoming_number": "苏医保飞检移〔2026〕3号"}, id="flying-inspection"),
    pytest.param(CaseSource.HANDLING_AGENCY, {"incoming_number": "镇医保中心移〔2026〕5号"}, id="handling-agency"),
]


def local(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def register(client, source: str, **fields):
    data = {"title": f"康乐医院涉嫌骗取医保基金案（{CaseSource(source).label}）", "source": source,
            "summary": "线索反映该院虚构住院。", "amount_involved": "12000.00", **fields}
    if source in HANDOFF_SOURCES:
        data = {"incoming_issued_on": ISSUED.isoformat(), "incoming_received_on": RECEIVED.isoformat(), **data}
    with recording.as_of(local(*REGISTERED)):
        return client.post(CaseFlow.register.reverse("execute"), data)


def clocks_of(case) -> dict[str, Deadline]:
    return {clock.code: clock for clock in Deadline.objects.filter(case=case)}


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def test_every_source_of_the_lead_form_has_a_row_here():
    assert {param.values[0] for param in LEADS} == set(CaseSource.values)
    assert set(OWN_CLOCK) == HANDOFF_SOURCES


@pytest.mark.parametrize("source, fields", LEADS)
def test_a_lead_registered_by_hand_starts_its_sources_clocks_and_is_in_the_officers_lists(cast, login, source, fields):
    officer = login("msb_officer")
    response = register(officer, source, **fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.source == source and case.agency == cast.agencies["zj-msb"]
    assert case.registered_at == local(*REGISTERED)
    handoff = source in HANDOFF_SOURCES

    clocks = clocks_of(case)
    assert set(clocks) == ({case_clocks.FILING, REPLY_CLOCK} if handoff else {case_clocks.FILING})
    filing = clocks[case_clocks.FILING]
    assert filing.status == DeadlineStatus.RUNNING and (filing.amount, filing.unit) == (15, ClockUnit.WORKING_DAYS)
    assert filing.started_at == (local(2026, 9, 25) if handoff else local(*REGISTERED))
    assert filing.due_at == end_of(FILING_DUE[handoff])
    if handoff:
        title, amount, unit, due = OWN_CLOCK[source]
        own = clocks[REPLY_CLOCK]
        assert (own.title, own.amount, own.unit, own.status) == (title, amount, unit, DeadlineStatus.RUNNING)
        assert own.started_at == local(2026, 9, 25) and own.due_at == end_of(due) and not own.provisional
        assert own.agency == case.agency and own.responsible == cast.user("msb_officer")
        assert fields["incoming_number"] in own.start_event and "2026-09-23" in own.start_event
        assert case.source_detail == fields["incoming_number"]
        assert AuditEvent.objects.filter(verb="case.incoming_recorded", summary__contains=fields["incoming_number"]).exists()
    # a real-name reporter's notice starts with the filing decision, not here (tests/casework/test_reporter.py)
    assert not Deadline.objects.filter(code="reporter.notice").exists()

    # the officer's lists: 案件 (search by number), 我的工作 (the verify task with the soonest clock), the case page
    cases = officer.get(reverse("cases:index"), {"q": case.number}).content.decode()
    assert case.number in cases and case.title in cases
    rows = [text_of(row) for row in re.findall(r'<tr data-task="\d+">(.*?)</tr>', officer.get(WORK).content.decode(), re.S)]
    row = next(row for row in rows if case.number in row)
    assert f"{timezone.localtime(filing.due_at):%Y-%m-%d %H:%M}届满" in row
    page = text_of(officer.get(reverse("cases:detail", args=[case.pk])).content.decode())
    for clock in clocks.values():
        assert clock.title in page and f"{timezone.localtime(clock.due_at):%Y-%m-%d %H:%M}" in page


def test_the_due_dates_above_are_the_holiday_calendars():
    """Counted independently with chinese-calendar: the start day is not counted; a month ends on its same day."""

    def working_days_after(start: date, count: int) -> date:
        day = start
        while count:
            day += timedelta(days=1)
            count -= chinese_calendar.is_workday(day)
        return day

    assert working_days_after(date(2026, 9, 28), 15) == FILING_DUE[False]
    assert working_days_after(RECEIVED, 15) == FILING_DUE[True] == OWN_CLOCK[CaseSource.POLICE][3]
    assert working_days_after(RECEIVED, 30) == OWN_CLOCK[CaseSource.ASSIGNED][3] == OWN_CLOCK[CaseSource.FLYING][3]
    assert chinese_calendar.is_workday(OWN_CLOCK[CaseSource.PROCURATORATE][3]) and OWN_CLOCK[CaseSource.PROCURATORATE][3] == date(2026, 11, 25)


@pytest.mark.parametrize("source", sorted(HANDOFF_SOURCES))
def test_a_handoff_without_its_document_or_dated_in_the_future_is_refused_and_nothing_is_saved(cast, login, source):
    officer = login("msb_officer")
    page = register(officer, source, incoming_issued_on="", incoming_received_on="").content.decode()
    assert "请填写来文文号" in page and "请填写来文日期" in page and "请填写收文日期" in page
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    page = officer.post(CaseFlow.register.reverse("execute"), {
        "title": "未来日期的来文", "source": source, "summary": "线索。", "amount_involved": "0", "incoming_number": "镇公〔2026〕1号",
        "incoming_issued_on": tomorrow, "incoming_received_on": tomorrow}).content.decode()
    assert "来文日期不能晚于今天" in page and "收文日期不能晚于今天" in page
    page = register(officer, source, incoming_number="镇公〔2026〕1号", incoming_issued_on="2026-09-25",
                    incoming_received_on="2026-09-24").content.decode()
    assert "收文日期不能早于来文日期" in page
    assert not Case.objects.exists() and not Deadline.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="case.").exists()
