"""System check agencies.E001: an object codename granted globally stops `manage.py check --database`.

Why it matters (DESIGN.md, "Grants follow the handoff"): viewflow's `can_assign` accepts a global
permission as well as the per-object one, so a single global grant of `agencies.act_for_agency`
opens every agency's tasks to the holder.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from viewflow.workflow import STATUS

from agencies.models import AgencyGroup, Role

pytestmark = pytest.mark.django_db

OBJECT_CODENAMES = ["agencies.act_for_agency", "casework.view_case", "referral.view_referral"]


def check_database() -> None:
    call_command("check", "--database", "default")


def permission(perm: str) -> Permission:
    app_label, codename = perm.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def role_group(cast, agency_code: str, role: str = Role.OFFICER) -> Group:
    return AgencyGroup.objects.get(agency=cast.agencies[agency_code], role=role).group


def fresh(user):
    """The user as a new request would load it: no cached permissions."""
    return get_user_model().objects.get(pk=user.pk)


def test_check_passes_for_the_demo_city_and_its_cases(cast, tell):
    """Building the city and driving a case to the police grants nothing globally."""
    from demo.stories import SENT

    tell(SENT)
    check_database()


@pytest.mark.parametrize("perm", OBJECT_CODENAMES)
def test_check_names_the_group_that_holds_an_object_permission_globally(cast, perm):
    group = role_group(cast, "cz-psb")
    group.permissions.add(permission(perm))
    with pytest.raises(SystemCheckError, match=re.escape(f"组 {group.name}: {perm}")) as raised:
        check_database()
    assert "agencies.E001" in str(raised.value)


@pytest.mark.parametrize("perm", OBJECT_CODENAMES)
def test_check_names_the_user_who_holds_an_object_permission_globally(cast, perm):
    cast.user("cz_psb_officer").user_permissions.add(permission(perm))
    with pytest.raises(SystemCheckError, match=re.escape(f"用户 cz_psb_officer: {perm}")):
        check_database()


def test_check_lists_every_offender_and_passes_again_once_the_grant_is_revoked(cast):
    group = role_group(cast, "zj-health")
    user = cast.user("cz_msb_officer")
    group.permissions.add(permission("casework.view_case"))
    user.user_permissions.add(permission("referral.view_referral"))
    with pytest.raises(SystemCheckError) as raised:
        check_database()
    assert f"组 {group.name}: casework.view_case" in str(raised.value)
    assert "用户 cz_msb_officer: referral.view_referral" in str(raised.value)
    group.permissions.clear()
    user.user_permissions.clear()
    check_database()


def test_check_ignores_ordinary_model_permissions_granted_globally(cast):
    """Global grants of permissions that are not object-scoped (e.g. on notifications, auth) are fine."""
    group = role_group(cast, "zj-msb")
    group.permissions.add(Permission.objects.get(content_type__app_label="auth", codename="view_group"))
    check_database()


def test_a_global_grant_would_let_an_outsider_take_another_agencys_task(cast, tell, login):
    """What the check prevents: with `agencies.act_for_agency` granted on the group, viewflow's own
    `can_assign` lets the 常州 police officer take the 镇江 police's 签收回执 task. Over HTTP the
    flow-level visibility guard still refuses (defence in depth), and start-up fails on the check."""
    from demo.stories import SENT

    case = tell(SENT)
    task = case.referrals.get().process.task_set.get(flow_task_type="HUMAN", status=STATUS.NEW)
    node = task.flow_task
    outsider = cast.user("cz_psb_officer")
    assert node.can_assign(fresh(cast.user("psb_officer")), task)  # its own agency may
    assert not node.can_assign(fresh(outsider), task)

    role_group(cast, "cz-psb").permissions.add(permission("agencies.act_for_agency"))

    assert node.can_assign(fresh(outsider), task)
    response = login("cz_psb_officer").post(node.reverse("assign", args=[task.process_id, task.pk]))
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.status == STATUS.NEW and task.owner is None
    with pytest.raises(SystemCheckError, match="cz-psb:officer: agencies.act_for_agency"):
        check_database()


def test_check_names_a_generic_grant_on_anything_but_an_agency(cast):
    """agencies.E003: guardian's generic tables hold task permissions on agencies only — the queue and
    `can_act_for` read nothing else there, so a grant on another object would be silently ignored."""
    from guardian.models import GroupObjectPermission, UserObjectPermission

    group = role_group(cast, "cz-psb")
    other = role_group(cast, "zj-msb")
    UserObjectPermission.objects.assign_perm("change_group", cast.user("cz_psb_officer"), other)
    GroupObjectPermission.objects.assign_perm("view_group", group, other)
    with pytest.raises(SystemCheckError) as raised:
        check_database()
    message = str(raised.value)
    assert "agencies.E003" in message
    assert f"用户 cz_psb_officer: auth.change_group（对象：auth.group #{other.pk}）" in message
    assert f"组 {group.name}: auth.view_group（对象：auth.group #{other.pk}）" in message
    UserObjectPermission.objects.filter(content_type__app_label="auth").delete()
    GroupObjectPermission.objects.filter(content_type__app_label="auth").delete()
    check_database()
