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
