from django.apps import AppConfig
from django.db.models import ForeignKey, IntegerField
from django.db.models.signals import post_migrate


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "机关与人员"

    def ready(self) -> None:
        from agencies import administrators, checks, permissions, security_log, visibility  # noqa: F401  (registers the system checks; the security log's receivers)
        from agencies.admin import admin_site_confine
        from agencies.lookups import AnyOf
        from agencies.models import Agency

        IntegerField.register_lookup(AnyOf)  # the auto keys too
        ForeignKey.register_lookup(AnyOf)

        permissions.register_object_scoped_model(Agency)
        # The admin modules of every app were imported by the admin app's ready(), which runs first.
        admin_site_confine()
        post_migrate.connect(administrators.roles_ensure_after_migrate, dispatch_uid="agencies.administrator_roles")
        post_migrate.connect(permissions.role_grants_ensure_after_migrate, dispatch_uid="agencies.role_grants")
        post_migrate.connect(visibility.forget_permission_ids, dispatch_uid="agencies.permission_ids")
