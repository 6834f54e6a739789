"""agencies.permissions: role groups, task permissions on the Agency row, and where grants are stored.

DESIGN.md: task permissions are few and live on the Agency row (guardian's generic tables, which
viewflow's queue reads); case and referral visibility lives in the direct-FK tables of those models;
nothing object-scoped is ever granted globally.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from guardian.exceptions import WrongAppError
from guardian.models import GroupObjectPermission, UserObjectPermission

from agencies.checks import object_scoped_permissions
from agencies.models import Agency, AgencyGroup, Role
from agencies.permissions import (
    ACT_FOR_AGENCY,
    APPROVE_CASE,
    APPROVE_TRANSFER,
    ROLE_AGENCY_PERMISSIONS,
)
from casework.models import CaseGroupObjectPermission
from referral.models import ReferralGroupObjectPermission

pytestmark = pytest.mark.django_db


def scoped_permissions():
    return object_scoped_permissions()


def test_building_the_city_twice_leaves_one_role_group_per_agency_and_role(cast):
    """`manage.py demo` is idempotent: a second run adds no group, link or grant."""
    from demo.scenario import build_city

    rows = (Group.objects.count(), AgencyGroup.objects.count(), GroupObjectPermission.objects.count())
    build_city()
    assert (Group.objects.count(), AgencyGroup.objects.count(), GroupObjectPermission.objects.count()) == rows

    agencies = Agency.objects.all()
    pairs = list(AgencyGroup.objects.values_list("agency__code", "role"))
    assert sorted(pairs) == sorted((agency.code, role) for agency in agencies for role in Role.values)
    assert len(set(AgencyGroup.objects.values_list("group", flat=True))) == len(pairs)
    assert AgencyGroup.objects.get(agency__code="zj-psb", role=Role.HEAD).group.name == "zj-psb:head"


def test_an_officer_belongs_to_their_role_group_and_their_agencys_members_group(cast):
    for officer in cast.officers.values():
        expected = {AgencyGroup.objects.get(agency=officer.agency, role=officer.role).group, officer.agency.members}
        assert set(officer.user.groups.all()) == expected, officer.user.username


def test_what_an_agency_may_see_is_granted_once_not_once_per_role(cast, tell):
    """A case is granted to its bureau's members group: one row, and every role of the bureau sees it."""
    from casework.permissions import VIEW_CASE
    from demo.stories import LEAD

    case = tell(LEAD, title="授权行数测试案")
    assert [grant.group for grant in case.casegroupobjectpermission_set.all()] == [cast.agencies["zj-msb"].members]
    for username in ("msb_officer", "msb_chief", "msb_head", "msb_leader", "msb_clerk"):
        assert cast.user(username).has_perm(VIEW_CASE, case), username
    assert not cast.user("cz_msb_officer").has_perm(VIEW_CASE, case)


def test_the_head_approves_transfers_for_their_own_agency_only(cast):
    """The head's approval is an object permission on the head's own Agency row — nowhere else, never global."""
    head, officer, chief = cast.user("msb_head"), cast.user("msb_officer"), cast.user("msb_chief")
    zj_msb, cz_msb, zj_psb = cast.agencies["zj-msb"], cast.agencies["cz-msb"], cast.agencies["zj-psb"]
    assert head.has_perm(APPROVE_TRANSFER, zj_msb)
    assert not head.has_perm(APPROVE_TRANSFER, cz_msb)
    assert not head.has_perm(APPROVE_TRANSFER, zj_psb)
    assert not head.has_perm(APPROVE_TRANSFER)
    assert not officer.has_perm(APPROVE_TRANSFER, zj_msb)
    assert not chief.has_perm(APPROVE_TRANSFER, zj_msb)
    assert chief.has_perm(APPROVE_CASE, zj_msb) and not officer.has_perm(APPROVE_CASE, zj_msb)
    assert cast.user("psb_head").has_perm(APPROVE_TRANSFER, zj_psb)


@pytest.mark.parametrize("username", ["msb_officer", "msb_chief", "msb_head", "msb_leader", "msb_clerk", "psb_officer"])
def test_each_role_holds_exactly_its_task_permissions_on_its_own_agency(cast, username):
    officer = cast.officers[username]
    user = officer.user
    task_perms = [f"agencies.{codename}" for codename, _ in Agency._meta.permissions]  # every task permission there is
    held = {perm for perm in task_perms if user.has_perm(perm, officer.agency)}
    assert held == set(ROLE_AGENCY_PERMISSIONS[officer.role])
    other = cast.agencies["cz-msb"] if officer.agency.code != "cz-msb" else cast.agencies["zj-msb"]
    assert not any(user.has_perm(perm, other) for perm in task_perms)


def test_no_object_scoped_permission_is_held_globally_even_after_a_case_reaches_the_police(cast, tell):
    from demo.stories import SENT

    tell(SENT)
    assert list(scoped_permissions().filter(group__isnull=False).values_list("codename", "group__name")) == []
    assert list(scoped_permissions().filter(user__isnull=False).values_list("codename", "user__username")) == []


def test_case_and_referral_grants_live_in_their_direct_tables_not_the_generic_ones(cast, tell):
    """The generic tables hold only the few task permissions on Agency rows, however many cases there are."""
    from demo.stories import SENT

    case = tell(SENT)
    referral = case.referrals.get()
    agency_type = ContentType.objects.get_for_model(Agency)
    assert set(GroupObjectPermission.objects.values_list("content_type", flat=True)) == {agency_type.pk}
    assert not UserObjectPermission.objects.exists()

    case_groups = set(CaseGroupObjectPermission.objects.filter(content_object=case).values_list("group__name", flat=True))
    assert case_groups == {"zj-msb:members"}
    referral_groups = set(
        ReferralGroupObjectPermission.objects.filter(content_object=referral).values_list("group__name", flat=True)
    )
    assert referral_groups == {"zj-msb:members", "zj-psb:members"}


def test_the_bureau_menus_ask_the_database_once_a_request(cast, django_assert_num_queries):
    """举报奖励, 典型案例曝光 and 接入线索 each ask whether the user acts for a bureau on every page."""
    from django.contrib.auth import get_user_model

    from agencies.permissions import acts_for_a_bureau

    user = get_user_model().objects.get(username="msb_officer")  # as a request loads it
    assert acts_for_a_bureau(user)
    with django_assert_num_queries(0):
        assert acts_for_a_bureau(user) and acts_for_a_bureau(user)
    assert not acts_for_a_bureau(get_user_model().objects.get(username="psb_officer"))


def user_for_the_sweep(cast, username: str):
    """A fresh user object (as a request loads it): one of the cast, the system administrator (no
    agency, not a superuser), an inactive head or a superuser."""
    from django.contrib.auth import get_user_model

    from demo.scenario import system_admin_ensure

    users = get_user_model().objects
    if username == "sysadmin":
        system_admin_ensure()
    elif username == "inactive_head":
        users.filter(pk=cast.user("msb_head").pk).update(is_active=False)
        username = "msb_head"
    elif username == "superuser":
        users.create_superuser(username="superuser", password="x")
    return users.get(username=username)


@pytest.mark.parametrize(
    "username",
    ["msb_officer", "msb_chief", "msb_head", "msb_leader", "msb_clerk", "psb_head", "cz_msb_officer", "sysadmin",
     "inactive_head", "superuser"],
)
def test_can_act_for_answers_as_guardian_does_for_every_task_permission_and_agency(cast, username, django_assert_num_queries):
    """`can_act_for` is guardian's `user.has_perm(perm, agency)` for every task permission on every
    agency: for an active user who is not a superuser from `agency_grants` — grants to the user alone,
    to the user's role group and to another agency's group (代录) included — read in one query a
    request, with the user's groups; for an inactive user (nothing) and a superuser (everything)
    guardian's own answer, which asks no query."""
    from agencies.permissions import agency_grants, can_act_for, grant_to_agency, group_ids
    from agencies.services import RECORDING_ROLES

    user = user_for_the_sweep(cast, username)
    UserObjectPermission.objects.assign_perm("act_for_agency", user, cast.agencies["zj-health"])  # a grant to the user alone
    grant_to_agency(agency=cast.agencies["zj-msb"], perm=ACT_FOR_AGENCY, obj=cast.agencies["zj-gov"], roles=RECORDING_ROLES)
    task_perms = [f"agencies.{codename}" for codename, _ in Agency._meta.permissions]
    agencies = list(Agency.objects.all())
    guardian = type(user).objects.get(pk=user.pk)  # another fresh object, asked through guardian alone
    expected = {(perm, agency.code) for agency in agencies for perm in task_perms if guardian.has_perm(perm, agency)}

    asks_guardian = not user.is_active or user.is_superuser
    with django_assert_num_queries(0 if asks_guardian else 1):
        answers = {(perm, agency.code) for agency in agencies for perm in task_perms if can_act_for(user, agency, perm)}
    assert answers == expected
    if asks_guardian:
        assert answers == ({(perm, agency.code) for agency in agencies for perm in task_perms} if user.is_superuser else set())
        return
    officer = cast.officers.get(username)
    own = {(perm, officer.agency.code) for perm in ROLE_AGENCY_PERMISSIONS[officer.role]} if officer else set()
    recording = {(ACT_FOR_AGENCY, "zj-gov")} if username == "msb_clerk" else set()
    assert answers == own | recording | {(ACT_FOR_AGENCY, "zj-health")}
    by_pk = {str(agency.pk): agency.code for agency in agencies}
    with django_assert_num_queries(0):  # read with the grants
        grants, groups = agency_grants(user), group_ids(user)
    assert {(perm, by_pk[pk]) for perm, pk in grants} == expected
    assert sorted(groups) == sorted(guardian.groups.values_list("id", flat=True))
    with pytest.raises(WrongAppError):
        can_act_for(user, cast.agencies["zj-msb"], "casework.view_case")


def test_the_user_groups_and_agency_grants_are_read_together_whichever_is_asked_first(cast, django_assert_num_queries):
    """The case and referral lists ask for the user's groups, every page's menu asks `can_act_for`:
    one query answers both, in either order."""
    from django.contrib.auth import get_user_model

    from agencies.permissions import can_act_for, group_ids

    user = get_user_model().objects.get(username="msb_head")
    with django_assert_num_queries(1):
        groups = group_ids(user)
        assert can_act_for(user, cast.agencies["zj-msb"], APPROVE_TRANSFER)
    assert sorted(groups) == sorted([cast.agencies["zj-msb"].members_id, Group.objects.get(name="zj-msb:head").pk])


def test_an_inactive_user_acts_for_nobody(cast):
    from agencies.permissions import can_act_for

    user = cast.user("msb_officer")
    user.is_active = False
    assert not can_act_for(user, cast.agencies["zj-msb"])


def test_a_page_asks_guardian_once_and_the_next_request_sees_a_move_to_another_agency(cast, django_assert_num_queries):
    """can_act_for keeps its answer on the user object, which a request loads afresh (as Django's `_perm_cache`)."""
    from django.contrib.auth import get_user_model

    from agencies.administrators import officer_change
    from agencies.permissions import can_act_for
    from demo.scenario import system_admin_ensure

    def as_a_request_loads_it():
        return get_user_model().objects.get(username="msb_officer")

    user = as_a_request_loads_it()
    zj_msb, cz_msb = cast.agencies["zj-msb"], cast.agencies["cz-msb"]
    assert can_act_for(user, zj_msb) and not can_act_for(user, cz_msb)
    with django_assert_num_queries(0):
        assert can_act_for(user, zj_msb) and not can_act_for(user, cz_msb)
    officer_change(actor=system_admin_ensure(), officer=user.officer, agency=cz_msb, role=Role.OFFICER)
    user = as_a_request_loads_it()
    assert can_act_for(user, cz_msb) and not can_act_for(user, zj_msb)
