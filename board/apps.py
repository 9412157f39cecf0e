from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoardConfig(AppConfig):
    name = "board"
    verbose_name = _("Board")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from board import (
            converters,
            crisis,  # noqa: F401 (connects the phrase cache's invalidation)
        )
        from board.middleware import mark_session_seen

        # The id converters the URLconfs name ("<public_id:...>", "<key:...>", "<token:...>").
        converters.register()
        # A fresh sign-in counts as a visit (see SessionIdleTimeoutMiddleware).
        user_logged_in.connect(
            lambda request, **kwargs: mark_session_seen(request.session),
            dispatch_uid="board.session_seen",
            weak=False,
        )
