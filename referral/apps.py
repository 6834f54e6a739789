from django.apps import AppConfig


class ReferralConfig(AppConfig):
    name = "referral"
    verbose_name = "移送"

    def ready(self) -> None:
        from agencies.permissions import register_object_scoped_model
        from referral.models import Referral, ReferralProcess

        register_object_scoped_model(Referral)
        register_object_scoped_model(ReferralProcess)
