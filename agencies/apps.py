from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "机关与人员"

    def ready(self) -> None:
        from agencies import checks, permissions  # noqa: F401  (registers the system check)
        from agencies.models import Agency

        permissions.register_object_scoped_model(Agency)
