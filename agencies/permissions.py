"""Who may do what — the ONLY module that grants or revokes object permissions.

Two kinds of permission, two storages (DESIGN.md, "Decisions that matter"):

* Task permissions (`act_for_agency`, `approve_case`, ...) are few: one codename per action, granted on
  the Agency row to that agency's role groups, in guardian's generic tables, because viewflow's queue
  reads those tables. Nothing else is granted there: the queue, the menus and `can_act_for` read only
  agency grants from them (`agency_grants`), and `agencies.checks` (E003) refuses any other.
* Visibility of cases and referrals is granted per object in guardian's direct-foreign-key tables of
  those models. The functions here are generic over the object, so this module never imports the
  apps above it.

No object codename is ever granted globally (on a Group or User without an object): viewflow's
`can_assign` accepts a global permission, which would open every agency's tasks. `agencies.checks`
refuses to start when one is found.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import assign_perm, remove_perm

from agencies.models import Agency, AgencyGroup, AgencyKind, Officer, Role

T = TypeVar("T")

ACT_FOR_AGENCY = "agencies.act_for_agency"
APPROVE_CASE = "agencies.approve_case"
APPROVE_TRANSFER = "agencies.approve_transfer"
ISSUE_DOCUMENTS = "agencies.issue_documents"
HANDLE_ESCALATION = "agencies.handle_escalation"
APPROVE_EXTENSION = "agencies.approve_extension"
APPROVE_REWARD = "agencies.approve_reward"
APPROVE_PUBLICATION = "agencies.approve_publication"

# What each role may do for its own agency (granted on that agency's row).
ROLE_AGENCY_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.OFFICER: (ACT_FOR_AGENCY, ISSUE_DOCUMENTS),
    Role.SECTION_CHIEF: (ACT_FOR_AGENCY, APPROVE_CASE, ISSUE_DOCUMENTS),
    Role.HEAD: (ACT_FOR_AGENCY, APPROVE_CASE, APPROVE_TRANSFER, ISSUE_DOCUMENTS, HANDLE_ESCALATION, APPROVE_EXTENSION,
                 APPROVE_REWARD, APPROVE_PUBLICATION),
    Role.LEADER: (),
    Role.CLERK: (ISSUE_DOCUMENTS,),
}
ALL_ROLES: tuple[str, ...] = tuple(Role.values)

_object_scoped_models: set[type[models.Model]] = set()

User = AbstractBaseUser | AnonymousUser


def register_object_scoped_model(model: type[models.Model]) -> None:
    """Declare that every permission on `model` may only ever be granted per object."""
    _object_scoped_models.add(model)


def object_scoped_models() -> frozenset[type[models.Model]]:
    return frozenset(_object_scoped_models)


# --- role groups -----------------------------------------------------------------------------------


def group_name(agency: Agency, role: str) -> str:
    return f"{agency.code}:{role}"


def members_group_name(agency: Agency) -> str:
    return f"{agency.code}:members"


@transaction.atomic
def agency_setup_groups(agency: Agency) -> dict[str, Group]:
    """Create the agency's role groups and its members group (idempotent), put every officer of the
    agency in the members group, and grant each role group its task permissions on the agency."""
    if agency.members_id is None:
        agency.members, _ = Group.objects.get_or_create(name=members_group_name(agency))
        agency.save(update_fields=["members"])
    agency.members.user_set.add(*Officer.objects.filter(agency=agency).values_list("user_id", flat=True))
    groups: dict[str, Group] = {}
    for role in ALL_ROLES:
        link = AgencyGroup.objects.filter(agency=agency, role=role).select_related("group").first()
        if link is None:
            group, _ = Group.objects.get_or_create(name=group_name(agency, role))
            link = AgencyGroup.objects.create(agency=agency, role=role, group=group)
        groups[role] = link.group
        for perm in ROLE_AGENCY_PERMISSIONS[role]:
            assign_perm(perm, link.group, agency)
    return groups


def agency_groups(agency: Agency, roles: Iterable[str] = ALL_ROLES) -> list[Group]:
    return [
        link.group
        for link in AgencyGroup.objects.filter(agency=agency, role__in=list(roles)).select_related("group")
    ]



def role_grants_ensure() -> int:
    """Give every existing agency's role groups the task permissions their role has today; returns how
    many grants were missing. A permission added to a role later (举报奖励's approval, say) thereby
    reaches the agencies made before it, at the next `migrate`, as `agency_setup_groups` gives it to new ones."""
    agency_type = ContentType.objects.get_for_model(Agency)
    codenames = {perm for perms in ROLE_AGENCY_PERMISSIONS.values() for perm in perms}
    permission = {p.codename: p for p in Permission.objects.filter(
        content_type=agency_type, codename__in=[perm.split(".", 1)[1] for perm in codenames])}
    held = set(GroupObjectPermission.objects.filter(content_type=agency_type).values_list("group_id", "permission_id", "object_pk"))
    missing = [
        GroupObjectPermission(group_id=link.group_id, permission=permission[perm.split(".", 1)[1]], content_type=agency_type,
                              object_pk=str(link.agency_id))
        for link in AgencyGroup.objects.only("group_id", "agency_id", "role")
        for perm in ROLE_AGENCY_PERMISSIONS.get(link.role, ())
        if (link.group_id, permission[perm.split(".", 1)[1]].pk, str(link.agency_id)) not in held
    ]
    GroupObjectPermission.objects.bulk_create(missing)
    return len(missing)


def role_grants_ensure_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """post_migrate receiver (after auth has created the permissions)."""
    if using == "default":
        role_grants_ensure()

# --- per-object grants ------------------------------------------------------------------------------


def members_group(agency: Agency) -> Group:
    """The group of all the agency's officers (set up on first use for an agency made without it)."""
    if agency.members_id is None:
        agency_setup_groups(agency)
    return agency.members


def _holders(agency: Agency, roles: Iterable[str]) -> list[Group]:
    """Who holds a grant made to `roles` of the agency: its members group when that is every role."""
    roles = list(roles)
    return [members_group(agency)] if set(roles) == set(ALL_ROLES) else agency_groups(agency, roles)


def grant_to_agency(*, agency: Agency, perm: str, obj: models.Model, roles: Iterable[str] = ALL_ROLES) -> None:
    """Let the agency's officers (in `roles`) hold `perm` on `obj` (direct-FK table of obj's model):
    one row for the whole agency, or one per role group when only some roles may."""
    for group in _holders(agency, roles):
        assign_perm(perm, group, obj)


def revoke_from_agency(*, agency: Agency, perm: str, obj: models.Model, roles: Iterable[str] = ALL_ROLES) -> None:
    for group in _holders(agency, roles):
        remove_perm(perm, group, obj)


def grant_to_user(*, user: AbstractBaseUser, perm: str, obj: models.Model) -> None:
    assign_perm(perm, user, obj)


def revoke_from_user(*, user: AbstractBaseUser, perm: str, obj: models.Model) -> None:
    remove_perm(perm, user, obj)


# --- predicates ---------------------------------------------------------------------------------------


def officer_of(user: User) -> Officer | None:
    """The officer record of an authenticated user, or None (anonymous users, admins without an agency)."""
    if not user.is_authenticated:
        return None
    link = Officer._meta.get_field("user").remote_field  # the reverse accessor, user.officer
    if not link.is_cached(user):
        # Read with its agency, which every page shows beside the user's name: one query, not two.
        officer = Officer.objects.select_related("agency").filter(user_id=user.pk).first()
        link.set_cached_value(user, officer)
        if officer is not None:
            Officer._meta.get_field("user").set_cached_value(officer, user)
    try:
        return user.officer  # type: ignore[union-attr]
    except Officer.DoesNotExist:
        return None


def remembered(user: User) -> dict:
    """Answers about the user's permissions, kept on the user object — which lives for one request —
    like Django's own `_perm_cache`: a page asks the same question in its menu, its view and its
    buttons. As with `_perm_cache`, a user object loaded before a change of the user's groups keeps
    the old answers; the next request loads the user afresh."""
    return user.__dict__.setdefault("_remembered", {})


def remembered_once(user: User, key, answer: Callable[[], T]) -> T:
    """`answer()`, worked out the first time the request asks it of the user and kept (`remembered`)."""
    known = remembered(user)
    if key not in known:
        known[key] = answer()
    return known[key]


def _read_groups_and_agency_grants(user: AbstractBaseUser) -> None:
    """Read, in one query, the user's groups and the task permissions the user holds on Agency rows
    (given to the user, or to one of the user's groups), and remember both for the request.

    Guardian's generic tables hold nothing but those task permissions (case and referral visibility
    lives in the direct-foreign-key tables of those models): a handful of rows a role group. Every
    page asks about them (the menus, `can_act_for`, the queue), and the case and referral lists then
    read their grants group by group (agencies.visibility) — so the groups come in the same query, a
    branch of their own, and the group grants are filtered by the user's memberships without
    joining auth_group. The statement is written once (`_groups_and_agency_grants`): built through
    the ORM, its three-branch UNION cost a page 1.1 ms more of Python than the database took."""
    known = remembered(user)
    if not user.is_authenticated:
        known["group_ids"], known["agency_grants"] = [], frozenset()
        return
    with connection.cursor() as cursor:
        cursor.execute(_groups_and_agency_grants(), {"user": user.pk, "type": ContentType.objects.get_for_model(Agency).pk})
        rows = cursor.fetchall()
    app_label = Agency._meta.app_label
    known["group_ids"] = [group_id for codename, _, group_id in rows if codename is None]
    known["agency_grants"] = frozenset((f"{app_label}.{codename}", str(object_pk)) for codename, object_pk, _ in rows if codename is not None)


@functools.cache
def _groups_and_agency_grants() -> str:
    """The SQL of `_read_groups_and_agency_grants`, rows of `(codename, object_pk, group_id)`: first the
    user's groups `(NULL, NULL, group id)` (first, so that the UNION's NULL columns take their types from
    the branches after it), then the grants on rows of a content type held by the user and by the user's
    groups, `(codename, object pk, NULL)`. Parameters by name: `user` and `type` (the content type)."""
    def name(model, field: str | None = None) -> str:
        return connection.ops.quote_name(model._meta.get_field(field).column if field else model._meta.db_table)

    membership = get_user_model().groups.through
    groups = f"{name(membership, 'group')} FROM {name(membership)} WHERE {name(membership, 'user')} = %(user)s"  # the user's

    def grants(model, holder: str, held_by: str) -> str:
        """Guardian's generic grants of `model` (its user or group table) whose `holder` column is `held_by`."""
        return (
            f"SELECT p.{name(Permission, 'codename')}, g.{name(model, 'object_pk')}, NULL FROM {name(model)} g"
            f" JOIN {name(Permission)} p ON p.{name(Permission, 'id')} = g.{name(model, 'permission')}"
            f" WHERE g.{name(model, holder)} {held_by} AND g.{name(model, 'content_type')} = %(type)s"
            f" AND p.{name(Permission, 'content_type')} = %(type)s"
        )

    return (  # noqa: S608 — table and column names, not input
        f"SELECT NULL, NULL, {groups}"
        f" UNION ALL {grants(UserObjectPermission, 'user', '= %(user)s')}"
        f" UNION ALL {grants(GroupObjectPermission, 'group', f'IN (SELECT {groups})')}"
    )


def agency_grants(user: User) -> frozenset[tuple[str, str]]:
    """The `("agencies.<codename>", str(agency pk))` pairs of every task permission the user holds on
    an Agency row, directly or through a group; read once a request (with `group_ids`)."""
    known = remembered(user)
    if "agency_grants" not in known:
        _read_groups_and_agency_grants(user)
    return known["agency_grants"]


def group_ids(user: User) -> list[int]:
    """The ids of the user's groups; read once a request (with `agency_grants`)."""
    known = remembered(user)
    if "group_ids" not in known:
        _read_groups_and_agency_grants(user)
    return known["group_ids"]


def can_act_for(user: User, agency: Agency, perm: str = ACT_FOR_AGENCY) -> bool:
    """May the user act for the agency (`perm` on the agency object)? Guardian's `user.has_perm(perm,
    agency)`, answered for an active user who is not a superuser from `agency_grants` (no query past
    the first of the request); anyone else is asked through guardian itself (nothing for an inactive
    user, everything for a superuser: no query either)."""
    if not user.is_authenticated:
        return False
    app_label, _, codename = perm.rpartition(".")
    if not user.is_active or user.is_superuser or (app_label and app_label != Agency._meta.app_label):
        return user.has_perm(perm, agency)  # guardian's answer, or its WrongAppError for another app's permission
    return (f"{Agency._meta.app_label}.{codename}", str(agency.pk)) in agency_grants(user)


def acts_for_a_bureau(user: User) -> bool:
    """An officer who acts for a 医疗保障局 (the menus of what only a bureau does: rewards, publication,
    connected systems)."""
    def answer() -> bool:
        officer = officer_of(user)
        return officer is not None and officer.agency.kind == AgencyKind.MSB and can_act_for(user, officer.agency)

    return remembered_once(user, "acts_for_a_bureau", answer)
