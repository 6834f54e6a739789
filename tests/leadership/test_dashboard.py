"""领导看板: a leader opens one page and sees what is late, where each case stands and who owes what —
for the bureau and those below it only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from casework.clocks import clocks_fire_breaches
from casework.models import Deadline
from demo.stories import SUPERVISED

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(cast):
    """The demo city, with one of its clocks run out."""
    call_command("demo", "--quiet")
    late = Deadline.objects.filter(code="supervision.report").get()
    Deadline.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=2))
    clocks_fire_breaches(now=timezone.now(), batch=100)
    return cast


def test_the_leader_sees_supervision_completion_steps_and_what_is_late(city, login):
    page = login("msb_leader").get(reverse("leadership:dashboard")).content.decode()
    assert 'data-testid="supervised"' in page and "省级督办" in page and "督办中" in page
    assert 'data-testid="completion"' in page and "镇江市医保局" in page
    assert 'data-testid="steps"' in page and "核查线索" in page  # average days per step of the case flow
    assert "报送督办案件进展报告" in page and SUPERVISED in page  # the overdue clock and its case
    assert "公安机关对博爱医院挂床住院骗保案加快侦办" in page  # the overdue 议定事项 of the joint meeting


def test_any_case_shows_its_flow_chart_with_the_current_step(city, login):
    from casework.models import Case

    case = Case.objects.get(title=SUPERVISED)
    leader = login("msb_leader")
    page = leader.get(reverse("leadership:dashboard"), {"case": case.number}).content.decode()
    assert 'data-testid="case-chart"' in page
    chart_url = page.split('data-testid="case-chart"')[1].split('data-testid="flow-chart" src="')[1].split('"')[0]
    chart = leader.get(chart_url)
    assert chart.status_code == 200
    assert re.search(rb'<g id="\w+"[^>]* class="(new|assigned|started)"', chart.content)  # the current step is marked
    assert "没有找到该案件" in leader.get(reverse("leadership:dashboard"), {"case": "不存在的案件"}).content.decode()


def test_another_city_and_other_agencies_see_none_of_it(city, login):
    page = login("cz_msb_officer").get(reverse("leadership:dashboard")).content.decode()
    assert SUPERVISED not in page and "博爱医院" not in page and "镇江市医保局" not in page
    from casework.models import Case

    number = Case.objects.get(title=SUPERVISED).number
    assert "没有找到该案件" in login("cz_msb_officer").get(reverse("leadership:dashboard"), {"case": number}).content.decode()
    assert login("psb_officer").get(reverse("leadership:dashboard")).status_code == 403


def test_the_application_opens_on_the_dashboard(city, login):
    response = login("msb_leader").get(reverse("leadership:index"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("leadership:dashboard") and "领导看板" in response.content.decode()


def test_the_quarterly_table_counts_supervised_cases(city, login):
    from leadership.statistics import Region, period_between, statistics_report
    from django.utils import timezone as tz

    today = tz.localdate()
    report = statistics_report(period=period_between(today.replace(day=1), today), region=Region("321100", "镇江市"))
    counts = {f.label: f.value for f in report.quarterly if f.group == "挂牌督办"}
    assert counts == {"挂牌督办案件：新挂牌": 1, "挂牌督办案件：审核销号": 0, "挂牌督办案件：督办中（制表时）": 1,
                      "挂牌督办案件：逾期未报（制表时）": 1}  # the fixture ran its report clock out
    other = statistics_report(period=period_between(today.replace(day=1), today), region=Region("320400", "常州市"))
    assert all(f.value == 0 for f in other.quarterly if f.group == "挂牌督办")
    page = login("msb_leader").get(reverse("leadership:statistics")).content.decode()
    assert "挂牌督办案件：逾期未报（制表时）" in page


def test_a_practitioner_suspended_within_the_period_is_counted_once(city):
    """The demo doctor reached 10 points 15 days ago (a 暂停): counted in a period holding that day only."""
    from datetime import timedelta as td

    from leadership.statistics import Region, period_between, statistics_report

    today = timezone.localdate()
    zhenjiang = Region("321100", "镇江市")

    def suspended(start, end):
        report = statistics_report(period=period_between(start, end), region=zhenjiang)
        return report.figure("暂停医保支付资格", table="quarterly").value

    assert suspended(today - td(days=20), today) == 1
    assert suspended(today - td(days=10), today) == 0


def test_days_per_step_average_the_finished_steps(city):
    """Two verifications that took 1 and 3 days average 2 days (averaged in the database)."""
    from datetime import timedelta as td

    from viewflow.workflow.models import Task

    from leadership.dashboard import days_per_step

    zhenjiang = city.agencies["zj-msb"]
    verified = [t for t in Task.objects.filter(status="DONE").order_by("pk") if t.flow_task.name == "verify"]
    for task in verified:
        task.created, task.finished = task.finished - td(days=2), task.finished
        task.save()
    first, second = verified[:2]
    Task.objects.filter(pk=first.pk).update(created=first.finished - td(days=1))
    Task.objects.filter(pk=second.pk).update(created=second.finished - td(days=3))
    bars = {bar.label: bar for bar in days_per_step(zhenjiang)}
    assert bars["核查线索"].value == 2.0 and bars["核查线索"].note == f"{len(verified)} 件"
