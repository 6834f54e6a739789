from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "消息通知"

    def ready(self) -> None:
        from notifications import sessions  # noqa: F401  (connects the logout receiver)
