"""Response headers Django and django-csp do not set themselves."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# The board uses none of these browser features; saying so stops an injected
# frame or script from asking for them.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "interest-cohort",
    )
)


class SecurityHeadersMiddleware:
    """Adds Permissions-Policy (and X-Frame-Options where Django's own
    middleware did not run) to every response, and a Retry-After to a 429
    that lacks one (allauth's own rate limits answer without it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        # Django's clickjacking middleware sits inside CommonMiddleware, so a
        # response CommonMiddleware answers itself (a bad Host: 400) lacks it.
        if not getattr(response, "xframe_options_exempt", False):
            response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        if response.status_code == 429:
            response.headers.setdefault("Retry-After", str(settings.BOARD_RETRY_AFTER_SECONDS))
        return response


SEEN_KEY = "_board_seen"


def mark_session_seen(session) -> None:
    session[SEEN_KEY] = int(time.time())


class SessionIdleTimeoutMiddleware:
    """Signs people out after SESSION_COOKIE_AGE without a visit.

    The session's expiry (and the cookie's) moves forward when the session is
    saved. Saving on every request (SESSION_SAVE_EVERY_REQUEST) would cost a
    database write per page view; here a visit renews it at most once per
    BOARD_SESSION_RENEW_SECONDS, so the idle timeout holds to within that.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # No session cookie, or a session on its way out: nothing to renew.
        if session is None or session.session_key is None or session.modified:
            return response
        if response.status_code >= 500 or session.is_empty():
            return response
        if session.get(SEEN_KEY, 0) < time.time() - settings.BOARD_SESSION_RENEW_SECONDS:
            # SessionMiddleware (outside this one) saves it and resends the cookie.
            mark_session_seen(session)
        return response
