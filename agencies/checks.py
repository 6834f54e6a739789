"""System check: object codenames must never be granted globally."""

from __future__ import annotations

from django.core.checks import Error, Tags, register
from django.db import DatabaseError


@register(Tags.database)
def check_no_global_object_permissions(app_configs=None, **kwargs):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    from agencies.permissions import object_scoped_models

    models = object_scoped_models()
    if not models:
        return []
    try:
        content_types = ContentType.objects.get_for_models(*models, for_concrete_models=False).values()
        scoped = Permission.objects.filter(content_type__in=list(content_types))
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
