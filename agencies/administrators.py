"""三员分立 (等保2.0 第三级): the system, security and audit administrators.

Three auth Groups hold the model permissions of each administrator; nobody in production is a
superuser (`agencies.checks`, E002). The groups are brought to exactly these permissions after every
`migrate` (`roles_ensure`, connected to post_migrate in `AgenciesConfig.ready`), so a permission
added here reaches existing installations without a data migration.

* 系统管理员 keeps the register of agencies and officers and the holiday calendar, and reads the
  document-number registers. No case data, no passwords, no permission editing.
* 安全管理员 keeps the accounts: creates them, activates and deactivates them, resets passwords,
  assigns an officer's role, and unlocks accounts locked out by django-axes.
* 审计管理员 reads the audit trail (with case contents masked) and the security log.

Every change the admin site makes goes through a service here or in `agencies.services`, or is
audited by `agencies.admin.AuditedAdmin`; all of it lands in the audit chain under thread "security".
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet

from agencies.audit import audit_append
from agencies.models import Agency, AgencyGroup, Officer, Role
from agencies.permissions import members_group

User = get_user_model()

THREAD = "security"


class AdminRole(models.TextChoices):
    SYSTEM = "system", "系统管理员"
    SECURITY = "security", "安全管理员"
    AUDIT = "audit", "审计管理员"


# Model permissions of each administrator. Those of apps that are not installed (axes) are skipped.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    AdminRole.SYSTEM: (
        "agencies.view_agency", "agencies.add_agency", "agencies.change_agency",
        "agencies.view_officer", "agencies.add_officer", "agencies.change_officer",
        "agencies.view_documentregister",
        "casework.view_holidayyear", "casework.add_holidayyear", "casework.change_holidayyear",
        "casework.view_calendarday", "casework.add_calendarday", "casework.change_calendarday",
        "casework.delete_calendarday",
        "rewards.view_rewardpolicy", "rewards.add_rewardpolicy", "rewards.change_rewardpolicy",
    ),
    AdminRole.SECURITY: (
        "auth.view_user", "auth.add_user", "auth.change_user",
        "agencies.view_officer", "agencies.change_officer",
        "axes.view_accessattempt", "axes.delete_accessattempt", "axes.view_accesslog", "axes.view_accessfailurelog",
        "systems.view_connectedsystem", "systems.add_connectedsystem", "systems.change_connectedsystem",
    ),
    AdminRole.AUDIT: (
        "agencies.view_auditevent",
        "axes.view_accessattempt", "axes.view_accesslog", "axes.view_accessfailurelog",
    ),
}

# Only the system administrator moves an officer to another agency or edits the officer's details;
# the security administrator may change the role alone.
MOVE_OFFICER = "agencies.add_officer"


def group_name(role: str) -> str:
    return AdminRole(role).label


def _permissions(perms: tuple[str, ...]) -> list[Permission]:
    wanted = {tuple(perm.split(".", 1)) for perm in perms}
    found = Permission.objects.filter(content_type__app_label__in={app for app, _ in wanted}).select_related("content_type")
    return [perm for perm in found if (perm.content_type.app_label, perm.codename) in wanted]


def roles_ensure() -> dict[str, Group]:
    """Create the three groups (idempotent) and give each exactly its permissions."""
    groups: dict[str, Group] = {}
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name(role))
        group.permissions.set(_permissions(perms))
        groups[role] = group
    return groups


def roles_ensure_after_migrate(sender, using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver: runs after each app's permissions exist (auth's receiver is connected first)."""
    if using != "default":
        return
    roles_ensure()


def role_of(user) -> str | None:
    """The administrator role of `user`, or None."""
    names = {AdminRole(role).label: role for role in AdminRole.values}
    for name in user.groups.values_list("name", flat=True):
        if name in names:
            return names[name]
    return None


def administrators(role: str) -> QuerySet:
    """The active holders of an administrator role (e.g. who is told that a holiday year is missing)."""
    return User.objects.filter(groups__name=group_name(role), is_active=True).distinct()


def _audit(*, actor, verb: str, target: models.Model, summary: str, agency: Agency | None = None, data: dict | None = None) -> None:
    audit_append(actor=actor, verb=verb, target=target, agency=agency, thread=THREAD, summary=summary, data=data)


def _name(user) -> str:
    full = user.get_full_name()
    return f"{full}（{user.get_username()}）" if full else user.get_username()


@transaction.atomic
def administrator_create(
    *, actor=None, role: str, username: str, password: str, full_name: str = "", enforce_password_policy: bool = True
):
    """A staff account holding one administrator role; never a superuser. The password must pass
    AUTH_PASSWORD_VALIDATORS (only the demo's well-known password is let through)."""
    if role not in AdminRole.values:
        raise ValidationError({"role": f"管理员角色应为 {'、'.join(AdminRole.values)} 之一。"})
    user = User(username=username, first_name=full_name or AdminRole(role).label, is_staff=True, is_superuser=False)
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"用户名 {username} 已存在。"})
    user.full_clean(exclude=["password"])
    if enforce_password_policy:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    user.groups.add(roles_ensure()[role])
    _audit(
        actor=actor, verb="administrator.created", target=user,
        summary=f"设立{AdminRole(role).label} {_name(user)}", data={"role": role, "username": username},
    )
    return user


@transaction.atomic
def administrator_assign(*, actor=None, user, role: str) -> None:
    """Give an existing account exactly one administrator role and take away superuser status."""
    groups = roles_ensure()
    previous = role_of(user)
    user.groups.remove(*groups.values())
    user.groups.add(groups[role])
    was_superuser = user.is_superuser
    user.is_staff, user.is_superuser = True, False
    user.save(update_fields=["is_staff", "is_superuser"])
    if previous != role or was_superuser:
        _audit(
            actor=actor, verb="administrator.assigned", target=user,
            summary=f"{_name(user)} 改任{AdminRole(role).label}", data={"role": role, "from": previous, "was_superuser": was_superuser},
        )


@transaction.atomic
def account_set_active(*, actor, user, active: bool) -> bool:
    """Activate or deactivate an account (a deactivated officer can no longer sign in). True if it changed."""
    if user.is_active == active:
        return False
    user.is_active = active
    user.save(update_fields=["is_active"])
    officer = Officer.objects.select_related("agency").filter(user=user).first()
    _audit(
        actor=actor, verb="account.activated" if active else "account.deactivated", target=user,
        agency=officer.agency if officer else None, summary=f"{'启用' if active else '停用'}账号 {_name(user)}",
    )
    return True


def account_audit(*, actor, verb: str, user, summary: str, data: dict | None = None) -> None:
    """Record an account change the admin site made itself (created, details changed, password reset)."""
    officer = Officer.objects.select_related("agency").filter(user=user).first()
    _audit(actor=actor, verb=verb, target=user, agency=officer.agency if officer else None, summary=f"{summary} {_name(user)}", data=data)


OFFICER_DETAILS = ("title", "badge_number", "phone")


@transaction.atomic
def officer_change(*, actor, officer: Officer, agency: Agency, role: str, **details: str) -> Officer:
    """Change an officer's agency, role or details; the officer's groups follow the agency and role.

    `officer` is the row as stored. The role group of the old (agency, role) is left and the new one
    joined; on a move to another agency the members group is swapped too, so what the officer may
    see and do follows at once.
    """
    officer = Officer.objects.select_for_update().select_related("user", "agency").get(pk=officer.pk)
    if role not in Role.values:
        raise ValidationError({"role": "请选择有效的角色。"})
    before = {"agency": officer.agency.code, "role": officer.role}
    old_agency, old_role = officer.agency, officer.role
    changed = [field for field in OFFICER_DETAILS if field in details and details[field] != getattr(officer, field)]
    for field in changed:
        setattr(officer, field, details[field])
    officer.agency, officer.role = agency, role
    officer.full_clean()
    officer.save()
    user = officer.user
    moved = old_agency.pk != agency.pk or old_role != role
    if moved:
        old_group = AgencyGroup.objects.filter(agency=old_agency, role=old_role).values_list("group_id", flat=True).first()
        if old_group is not None:
            user.groups.remove(old_group)
        if old_agency.pk != agency.pk:
            user.groups.remove(members_group(old_agency))
        user.groups.add(AgencyGroup.objects.get(agency=agency, role=role).group, members_group(agency))
        _audit(
            actor=actor, verb="officer.reassigned", target=officer, agency=agency,
            summary=f"{officer.display_name} 由{old_agency.short_name}{Role(old_role).label}调整为{agency.short_name}{officer.get_role_display()}",
            data={"from": before, "to": {"agency": agency.code, "role": role}},
        )
    if changed:
        _audit(
            actor=actor, verb="officer.changed", target=officer, agency=agency,
            summary=f"修改 {officer.display_name} 的人员信息", data={"fields": changed},
        )
    return officer
