"""`manage.py demo`: idempotent, and it shows every part of the system with data."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from demo.stories import SUPERVISED
from supervision.models import Supervision, SupervisionStatus

pytestmark = pytest.mark.django_db


def test_the_demo_lists_one_supervised_case_once(cast):
    call_command("demo", "--quiet")
    call_command("demo", "--quiet")
    supervision = Supervision.objects.get()
    assert supervision.case.title == SUPERVISED and supervision.status == SupervisionStatus.ACTIVE
    assert supervision.notice.number.startswith("苏医保督") and supervision.plan
    waiting = [t.flow_task.name for t in supervision.process.task_set.filter(finished__isnull=True)]
    assert waiting == ["await_final_report"]  # the plan is in; the case is under supervision


def test_the_demo_holds_one_joint_meeting_with_an_overdue_police_item(cast):
    from meetings.models import Meeting, Resolution

    call_command("demo", "--quiet")
    call_command("demo", "--quiet")
    meeting = Meeting.objects.get()
    assert meeting.minutes and meeting.resolutions.count() == 2
    police = Resolution.objects.get(owner__code="zj-psb")
    assert police.is_overdue and police.case.title == SUPERVISED


def test_the_demo_holds_the_agreement_side_once(cast):
    from agreements.models import AgreementAction, Institution, Practitioner
    from inspections.models import Inspection

    call_command("demo", "--quiet")
    call_command("demo", "--quiet")
    assert Institution.objects.count() == 8 and Inspection.objects.count() == 4
    assert sorted(AgreementAction.objects.values_list("kind", flat=True)) == ["interview", "suspend"]
    assert Institution.objects.get(name="镇江博爱医院有限公司").get_status_display() == "中止"
    assert Practitioner.objects.get().status == "suspended"  # 10 points this year: 9 or more suspends


def test_a_newcomer_meets_a_few_new_notifications_and_a_meeting_held_in_office_hours(cast):
    """Each demo user's three newest notifications are unread, the older ones read; the joint
    meeting took place at 9:30 on a working day, whatever time the demo was run."""
    from django.utils import timezone

    from casework.calendar import is_working_day
    from meetings.models import Meeting
    from notifications.models import Notification

    call_command("demo", "--quiet")

    for officer in cast.officers.values():
        rows = list(Notification.objects.filter(recipient=officer.user).order_by("-id"))
        assert all(row.read_at is None for row in rows[:3]), officer.user.username
        assert all(row.read_at is not None for row in rows[3:]), officer.user.username
    assert Notification.objects.filter(recipient=cast.user("msb_officer")).count() > 3  # there was history to settle
    held = timezone.localtime(Meeting.objects.get().held_at)
    assert (held.hour, held.minute) == (9, 30) and is_working_day(held.date())


def test_every_head_is_titled_as_the_principal_in_charge(cast):
    """A 正职负责人 approves transfers (310 Art. 5): the demo's heads are 局长 (or 分局局长), not 副局长."""
    from agencies.models import Role

    heads = [officer for officer in cast.officers.values() if officer.role == Role.HEAD]
    assert heads and all(officer.title.endswith("局长") and "副" not in officer.title for officer in heads)


def test_the_demos_cases_took_realistic_days_in_office_hours_and_no_clock_is_overdue(cast):
    """Each story's steps happened on working days, in office hours, days apart (the leaders' chart of
    days per step is not flat); its clocks ran from those times and none is overdue; the case numbers
    follow the registration dates."""
    from django.utils import timezone
    from viewflow.workflow.models import Task

    from casework import calendar
    from casework.models import Case, Deadline, OPEN_DEADLINE_STATUSES
    from leadership.dashboard import days_per_step

    call_command("demo", "--quiet")
    cases = list(Case.objects.filter(agency__code="zj-msb").order_by("registered_at", "pk"))
    serials = [int(case.number.rsplit("〕", 1)[1].removesuffix("号")) for case in cases]
    assert serials == sorted(serials) and len({case.registered_at.date() for case in cases}) >= 4

    bars = {bar.label: bar.value for bar in days_per_step(cast.agencies["zj-msb"])}
    assert bars["调查取证"] > 14 and all(value >= 1 for value in bars.values()), bars

    done = Task.objects.filter(flow_task_type="HUMAN", finished__isnull=False, process__in=[case.process for case in cases])
    assert done.count() > 20
    for task in done:
        moment = timezone.localtime(task.finished)
        assert calendar.is_working_day(moment.date()) and 9 <= moment.hour < 18, (task.flow_task.name, moment)
    now = timezone.now()
    assert not Deadline.objects.filter(status__in=OPEN_DEADLINE_STATUSES, due_at__lt=now).exists()
    assert not Deadline.objects.filter(started_at__gt=now).exists()
