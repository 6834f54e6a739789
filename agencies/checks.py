"""System checks: object codenames are never granted globally (E001); nobody is a superuser in
production (E002, 三员分立: the administrators hold roles, `agencies.administrators`); guardian's
generic tables hold grants on agencies only (E003)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import DatabaseError

AGENCY_MODEL_PERMISSIONS = ("view_agency", "add_agency", "change_agency", "delete_agency")


def object_scoped_permissions():
    """Every permission that may only be granted per object: all of an object-scoped model's, except
    Agency's own model permissions (view/add/change_agency), which are how the system administrator
    keeps the register of agencies and are never checked per object. Agency's task codenames are."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    from agencies.permissions import object_scoped_models

    content_types = ContentType.objects.get_for_models(*object_scoped_models(), for_concrete_models=False).values()
    return Permission.objects.filter(content_type__in=list(content_types)).exclude(
        content_type__app_label="agencies", codename__in=AGENCY_MODEL_PERMISSIONS
    )


@register(Tags.database)
def check_no_global_object_permissions(app_configs=None, **kwargs):
    from django.contrib.auth import get_user_model

    from agencies.permissions import object_scoped_models

    if not object_scoped_models():
        return []
    try:
        scoped = object_scoped_permissions()
        offenders = [f"组 {name}: {app}.{codename}" for name, app, codename in scoped.filter(group__isnull=False).values_list("group__name", "content_type__app_label", "codename")]
        user_model = get_user_model()
        offenders += [
            f"用户 {username}: {app}.{codename}"
            for username, app, codename in user_model.user_permissions.through.objects.filter(permission__in=scoped).values_list(
                f"{user_model._meta.model_name}__{user_model.USERNAME_FIELD}", "permission__content_type__app_label", "permission__codename"
            )
        ]
    except DatabaseError:
        return []  # tables not created yet (before the first migrate)
    return [
        Error(
            f"对象级权限被全局授予：{offender}",
            hint="对象级权限只能按对象授予（agencies/permissions.py）。全局授予会让 viewflow 向所有机关开放任务；请撤销该全局授权。",
            id="agencies.E001",
        )
        for offender in offenders
    ]


@register(Tags.security, Tags.database)
def check_no_superuser_in_production(app_configs=None, **kwargs):
    """等保2.0 三员分立: with DEBUG off, no active account may be a superuser."""
    if settings.DEBUG:
        return []
    from django.contrib.auth import get_user_model

    try:
        usernames = list(
            get_user_model()._default_manager.filter(is_superuser=True, is_active=True).values_list("username", flat=True)[:20]
        )
    except DatabaseError:
        return []
    if not usernames:
        return []
    return [
        Error(
            f"生产环境存在有效的超级用户：{'、'.join(usernames)}。三员分立要求任何账号都不是超级用户。",
            hint=(
                "用 manage.py create_administrator --role system|security|audit --username 用户名 设立系统、安全、审计管理员，"
                "再停用这些超级用户（或取消其超级用户身份）。"
            ),
            id="agencies.E002",
        )
    ]


@register(Tags.database)
def check_generic_grants_only_on_agencies(app_configs=None, **kwargs):
    """Guardian's generic object-permission tables hold only the task permissions granted on Agency rows
    (agencies/permissions.py): the queue, the menus and `can_act_for` read nothing else from them
    (`agencies.permissions.agency_grants`), so a grant there on any other object would be silently
    ignored by all three. Case and referral visibility lives in those models' own tables."""
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import GroupObjectPermission, UserObjectPermission

    from agencies.models import Agency

    try:
        agency_type = ContentType.objects.get_for_model(Agency)
        offenders = []
        for model, holder, label in ((UserObjectPermission, "user__username", "用户"), (GroupObjectPermission, "group__name", "组")):
            elsewhere = model.objects.exclude(content_type=agency_type, permission__content_type=agency_type)
            offenders += [
                f"{label} {name}: {app}.{codename}（对象：{object_app}.{object_model} #{object_pk}）"
                for name, app, codename, object_app, object_model, object_pk in elsewhere.values_list(
                    holder, "permission__content_type__app_label", "permission__codename",
                    "content_type__app_label", "content_type__model", "object_pk",
                ).order_by("pk")[:20]
            ]
    except DatabaseError:
        return []  # tables not created yet (before the first migrate)
    return [
        Error(
            f"guardian 通用对象权限表中有非机关对象的授权：{offender}",
            hint=(
                "通用表只存放授予在机关（Agency）上的任务权限；待认领、菜单和 can_act_for 读不到其他对象上的授权。"
                "请通过 agencies/permissions.py 授权：案件、移送等对象的可见性授权在其自己的权限表中。"
            ),
            id="agencies.E003",
        )
        for offender in offenders
    ]
