from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # local import: at ready(), to register the delivery tasks in web
        # processes too, so that notifications.delivery can queue them by name
        # (tasks.py imports delivery.py, never the other way round).
        from notifications import tasks  # noqa: F401
