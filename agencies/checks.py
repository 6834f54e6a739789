"""System checks: object codenames are never granted globally (E001); nobody is a superuser in
production (E002, 三员分立: the administrators hold roles, `agencies.administrators`)."""

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
