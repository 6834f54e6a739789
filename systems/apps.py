from django.apps import AppConfig


class SystemsConfig(AppConfig):
    name = "systems"
    verbose_name = "接入系统"
