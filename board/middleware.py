"""Response headers Django and django-csp do not set themselves, and the site-wide
answers to bad input (a NUL byte in the query string) and to a service's refusal."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.functional import LazyObject, empty
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from board.errors import Limited, ServiceError

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase
    from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

# Where the REST API lives (board/urls.py): its errors are JSON.
API_PREFIX = "/api/"

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


def depends_on_person(request: HttpRequest) -> bool:
    """Whether a response may differ with who is signed in: the request carried
    credentials (a session cookie or an `Authorization` header), the view read the
    session, or someone is signed in (by session or, in the API, by token)."""
    if "HTTP_AUTHORIZATION" in request.META:
        return True
    session = getattr(request, "session", None)
    if session is not None and (session.accessed or session.session_key):
        return True
    # Without evaluating a lazy user the view never looked at (that would cost queries).
    user = request.__dict__.get("user")
    if isinstance(user, LazyObject):
        user = None if user._wrapped is empty else user._wrapped
    return bool(user is not None and user.is_authenticated)


class PrivateCacheMiddleware:
    """Every response that depends on who is signed in says `Cache-Control: private,
    no-store`, so that no shared cache (a proxy, a CDN) keeps a conversation, a
    request page as its asker sees it, or an API answer, and no browser keeps them on
    disk. The one place this is decided: views do not set it themselves. Directives
    a view did set (`max-age=0`...) are kept; `public` is never left beside `private`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if depends_on_person(request):
            patch_cache_control(response, private=True, no_store=True)
        return response


SEEN_KEY = "_board_seen"


def mark_session_seen(session: SessionBase) -> None:
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


# Fields a person typed that are worth showing back (prose), as opposed to ids,
# flags and tokens, which ride along hidden so "Try again" sends the same form.
# Never written back into a page: the CSRF token (the page has its own) and
# anything secret (a password typed on the sign-up or sign-in form).
NOT_KEPT = {"csrfmiddlewaretoken"}
SECRET_FIELDS = ("password", "secret", "token")
# What the board's own forms call their text fields (others get their field name).
KEPT_LABELS = {
    "message": _("Your message"),
    "body": _("What you wrote"),
    "title": _("Title"),
    "reason": _("Your reason"),
    "display_name": _("Display name"),
}
RETRY_AFTER_DATABASE_SECONDS = 30


def _looks_typed(value: str) -> bool:
    return len(value) > 40 or any(character.isspace() for character in value.strip())


def database_unavailable_page(request: HttpRequest, *, maybe_saved: bool = False) -> HttpResponse:
    """The kind 503 page for when the database can't be reached. A POST's fields
    come back: when nothing was saved, in a form that sends them again; when
    something may have been (`maybe_saved`: a commit was attempted, whose answer
    the failure may have cut off), the page says so, asks the person to check
    first, and shows what they typed only to copy, with no button that could
    post it twice.

    Rendered without context processors or the database (they may be what
    failed); the CSRF token comes from the request's cookie.
    """
    from django.middleware.csrf import get_token
    from django.template import loader
    from django.utils.text import capfirst

    kept: list[dict[str, str]] = []
    hidden: list[tuple[str, str]] = []
    if request.method == "POST":
        for name, values in request.POST.lists():
            if name in NOT_KEPT or any(word in name.lower() for word in SECRET_FIELDS):
                continue
            for value in values:
                if _looks_typed(value):
                    label = str(KEPT_LABELS.get(name) or capfirst(name.replace("_", " ")))
                    kept.append({"name": name, "value": value, "label": label})
                else:
                    hidden.append((name, value))
    posted = request.method == "POST"
    context = {
        "posted": posted,
        "maybe_saved": posted and maybe_saved,
        "kept": kept,
        "hidden": hidden,
        "action": request.get_full_path(),
        "back": _same_site_referer(request),
        "csrf_token": get_token(request),
    }
    response = HttpResponse(loader.get_template("503.html").render(context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_DATABASE_SECONDS)
    mark_database_unavailable(response)
    return response


# Notes on the request and the response, between this module's middleware and
# the API's error handler (attributes of our own, so set and read by name).
_WRITES_ATTRIBUTE = "_board_writes"
_UNAVAILABLE_ATTRIBUTE = "database_unavailable"


def mark_database_unavailable(response: HttpResponseBase) -> None:
    """Marks `response` as the answer to a database that could not be reached,
    so DatabaseUnavailableMiddleware may run a safe request again."""
    setattr(response, _UNAVAILABLE_ATTRIBUTE, True)


def _database_was_unavailable(response: HttpResponseBase) -> bool:
    return bool(getattr(response, _UNAVAILABLE_ATTRIBUTE, False))


def _writes_of(request: HttpRequest) -> _Writes | None:
    writes: _Writes | None = getattr(request, _WRITES_ATTRIBUTE, None)
    return writes


# Statements that change nothing; any other statement run outside a
# transaction is committed by the server there and then.
READ_ONLY_SQL = ("SELECT", "SHOW", "SET", "SAVEPOINT", "RELEASE", "ROLLBACK")


_repeatable = contextvars.ContextVar("board_repeatable_write", default=False)


@contextlib.contextmanager
def repeatable_write() -> Iterator[None]:
    """Statements run in this block are harmless to run twice (noting when a
    token was last used), so they don't stop a cut-off request being run again."""
    token = _repeatable.set(True)
    try:
        yield
    finally:
        _repeatable.reset(token)


def _commits(connection: BaseDatabaseWrapper) -> int | None:
    """How many COMMITs `connection` attempted (board/dbcommits.py); None for a
    backend that doesn't count. Read by name: `django.db.connection` is a proxy,
    not the backend's class."""
    commits: int | None = getattr(connection, "commits", None)
    return commits


class _Writes:
    """What one run of a request may have saved: the commits it attempted
    (counted by the backend, board/dbcommits.py) and the statements committed on
    their own (run outside any transaction), counted here."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.autocommitted = 0
        self.commits_before = _commits(connection)

    def maybe_saved(self) -> bool:
        """True unless certainly nothing was committed; a backend that doesn't
        count its commits can't tell, so it counts as maybe."""
        if self.commits_before is None or self.autocommitted:
            return True
        return _commits(self.connection) != self.commits_before

    def __call__(
        self,
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        if (
            not self.connection.in_atomic_block
            and not _repeatable.get()
            and not sql.lstrip().upper().startswith(READ_ONLY_SQL)
        ):
            self.autocommitted += 1
        return execute(sql, params, many, context)


class DatabaseUnavailableMiddleware:
    """When a page can't reach the database (it is restarting, or down), the
    person gets a kind 503 with everything they typed kept, instead of a
    server error; the API answers 503 in its own error shape
    (board.api_errors). Services run in one transaction, so nothing is
    half-written.

    A request whose connection a restart cut mid-way is first run once more,
    on a new connection (which waits up to DATABASE_CONNECT_RETRY_SECONDS for
    the server), but only when that is certainly safe: nothing was committed
    (no transaction reached COMMIT and no statement ran on its own outside
    one) and no transaction is open. The board's backends (board.postgresql,
    board.sqlite3) count their commits; with another backend the 503 stands.

    The same knowledge makes the 503 page truthful: when nothing was committed
    it says nothing was saved and offers to send the form again; when a commit
    was attempted (its answer may be what the failure cut off) it says the post
    may have been saved, asks the person to check first, and leaves out the
    button that would send it again (which could post it twice).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.core.exceptions import RequestDataTooBig
        from django.db import DatabaseError, connection
        from django.http.request import RawPostDataException

        try:
            # Read the body now, so that a second run can parse it again.
            request.body  # noqa: B018
        except (RawPostDataException, RequestDataTooBig):
            return self.get_response(request)
        response = self._watched(request)
        if not _database_was_unavailable(response):
            return response
        writes = _writes_of(request)
        if writes is None or writes.maybe_saved() or connection.in_atomic_block:
            return response
        logger.warning(
            "Running %s %s again on a new database connection; nothing was committed.",
            request.method,
            request.path,
        )
        with contextlib.suppress(DatabaseError):  # it is most likely broken already
            connection.close()
        return self._watched(request)

    def _watched(self, request: HttpRequest) -> HttpResponse:
        """One run of the request, noting what it may have saved (for the page
        and for whether it may run again)."""
        from django.db import connection

        writes = _Writes(connection)
        setattr(request, _WRITES_ATTRIBUTE, writes)
        with connection.execute_wrapper(writes):
            return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.db import InterfaceError, OperationalError

        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning(
            "The database is unavailable (%s) for %s %s: answered 503.",
            exception,
            request.method,
            request.path,
        )
        writes = _writes_of(request)
        return database_unavailable_page(
            request, maybe_saved=writes is None or writes.maybe_saved()
        )


class RefusalMiddleware:
    """Answers, once for every page, a service's refusal (board.errors.ServiceError)
    that its view did not catch: a page saying why, with the error's own status
    (400, 403, 404, 409 or 429), rather than a server error. (Views that hold a
    form catch it themselves, so the form comes back with what the person typed.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ServiceError):
            return None
        context = {"reason": str(exception), "back": _same_site_referer(request)}
        response = render(request, "refused.html", context, status=exception.status_code)
        if isinstance(exception, Limited):
            response["Retry-After"] = str(exception.retry_after)
        return response


def _same_site_referer(request: HttpRequest) -> str | None:
    """The page the person came from, when it is on this site (for "Go back")."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return None


class QueryStringGuardMiddleware:
    """A NUL byte in the query string (`?status=%00`) is answered with a 400 for
    every page and API list at once: no filter, search or admin list has a use
    for one, and PostgreSQL refuses to compare text with it (a server error)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in key or "\x00" in "".join(values) for key, values in request.GET.lists()):
            return _bad_query(request)
        return self.get_response(request)


def _bad_query(request: HttpRequest) -> HttpResponse:
    detail = str(_("This address has a character in it that it can't have."))
    if request.path_info.startswith(API_PREFIX):
        # The API's standard error shape (drf-standardized-errors).
        error = {"code": "invalid", "detail": detail, "attr": None}
        return JsonResponse({"type": "client_error", "errors": [error]}, status=400)
    return render(request, "400.html", {"reason": detail}, status=400)
