from typing import Any

from django.conf import settings
from django.http import HttpRequest

from notifications.selectors import unread_count


def board(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "SITE_URL": settings.SITE_URL,
        "CRISIS_URL": settings.BOARD_CRISIS_URL,
        "LOCAL_MAIL": settings.DEBUG and settings.EMAIL_BACKEND == "board.mail.LocalFileBackend",
        # Lazy: the count is only queried on pages that show the header.
        "unread_notifications": (lambda: unread_count(user))
        if user is not None and user.is_authenticated
        else 0,
    }
