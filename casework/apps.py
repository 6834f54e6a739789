from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = "案件办理"

    def ready(self) -> None:
        from agencies.permissions import register_object_scoped_model
        from casework.models import Case, CaseProcess

        register_object_scoped_model(Case)
        register_object_scoped_model(CaseProcess)
