from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        # local import: connects the crisis phrase cache's invalidation (post_save,
        # post_delete) once the app registry is ready.
        from moderation import crisis  # noqa: F401
