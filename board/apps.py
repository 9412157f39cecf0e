from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoardConfig(AppConfig):
    name = "board"
    verbose_name = _("Board")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        # local import: these modules touch models and settings, so they load
        # once the app registry is ready, not when INSTALLED_APPS is read.
        from board import converters
        from board.middleware import mark_session_seen  # local import: as above

        # The id converters the URLconfs name ("<public_id:...>", "<key:...>", "<token:...>").
        converters.register()
        # A fresh sign-in counts as a visit (see SessionIdleTimeoutMiddleware).
        user_logged_in.connect(
            lambda request, **kwargs: mark_session_seen(request.session),
            dispatch_uid="board.session_seen",
            weak=False,
        )
