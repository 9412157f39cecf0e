from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        # Connects the crisis phrase cache's invalidation (post_save / post_delete).
        from moderation import crisis  # noqa: F401
