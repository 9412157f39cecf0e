"""The REST API's machinery: token authentication, the JSON parser, throttles,
pagination, and the 409 for a rule of the board that said no.

Named in REST_FRAMEWORK (settings), so this module must not import DRF's views:
their class attributes read those settings, which would import this module again.
"""

from __future__ import annotations

import abc
import io
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions, pagination, parsers, serializers, status, throttling
from rest_framework.authentication import get_authorization_header
from rest_framework.pagination import Cursor
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.settings import api_settings

from board.middleware import repeatable_write

if TYPE_CHECKING:
    from rest_framework.views import APIView

# --- Authentication ---------------------------------------------------------------------

LAST_USED_PRECISION = timedelta(minutes=5)
PRINTABLE_TOKEN = re.compile(rb"[\x21-\x7e]+")


class TokenAuthentication(KnoxTokenAuthentication):
    """A personal API token ("Authorization: Token <token>"), checked against its
    stored hash. Notes when it was last used (to the nearest few minutes, so a
    busy script does not write on every call)."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        """A "Token" header whose token is not printable ASCII is refused with a
        401 here: knox would decode it as UTF-8 (a server error for other bytes)
        and look a NUL byte up in the database (which PostgreSQL refuses)."""
        parts = get_authorization_header(request).split()
        is_token = len(parts) == 2 and parts[0].lower() == b"token"
        if is_token and not PRINTABLE_TOKEN.fullmatch(parts[1]):
            raise exceptions.AuthenticationFailed(
                _("Invalid token header. The token has characters no token has.")
            )
        return super().authenticate(request)

    def validate_user(self, auth_token: Any) -> tuple[Any, Any]:
        user, token = super().validate_user(auth_token)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            with repeatable_write():
                type(token).objects.filter(pk=token.pk).update(last_used_at=now)
        return user, token


# --- Parsing ------------------------------------------------------------------------------

MAX_JSON_DEPTH = 32
# A JSON string (skipped whole, so brackets inside it don't count) or a bracket.
_JSON_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def json_depth(text: str) -> int:
    """How deeply `text`'s arrays and objects nest, counted without parsing it."""
    depth = deepest = 0
    for match in _JSON_STRING_OR_BRACKET.finditer(text):
        found = match.group()
        if found in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif found in "]}":
            depth -= 1
    return deepest


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a body nested deeper than any of the API's
    inputs could be (MAX_JSON_DEPTH) with a 400 before Python's recursive JSON
    decoder runs out of stack, for every API write at once."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read()
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as error:
            raise exceptions.ParseError(_("The JSON is not valid text.")) from error
        if json_depth(text) > MAX_JSON_DEPTH:
            raise exceptions.ParseError(
                _("The JSON is nested more than %(depth)d levels deep.") % {"depth": MAX_JSON_DEPTH}
            )
        return super().parse(io.BytesIO(raw), media_type, parser_context)


# --- Throttling ---------------------------------------------------------------------------


class _ScopeThrottle(throttling.SimpleRateThrottle, abc.ABC):
    """A DRF rate throttle for one scope of REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
    read when the request comes (so settings overrides apply), for the requests
    `applies` picks. A 429 carries Retry-After."""

    scope = ""

    def get_rate(self) -> str | None:
        # drf-stubs type the rates as numbers; they are strings like "100/hour".
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return str(rate) if rate else None

    @abc.abstractmethod
    def applies(self, request: Request, view: Any) -> bool:
        """Whether this throttle counts `request` (each scope says which it counts)."""

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None or not self.applies(request, view):
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str:
        if request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonReadThrottle(_ScopeThrottle):
    """Reads by visitors who are not signed in, per IP address."""

    scope = "anon_read"

    def applies(self, request: Request, view: Any) -> bool:
        return request.method in SAFE_METHODS and not request.user.is_authenticated


class WriteThrottle(_ScopeThrottle):
    """Every write, per person."""

    scope = "write"

    def applies(self, request: Request, view: Any) -> bool:
        return request.method not in SAFE_METHODS


# --- Pagination -------------------------------------------------------------------------


class CursorPagination(pagination.CursorPagination):
    """Newest first; follow `next`. Cursors stay right while rows are added.

    A cursor is only base64 the client sends back: its position ("p") is checked
    against the ordering field here, once for every list, so a forged or damaged
    cursor is DRF's 404 "Invalid cursor" instead of a database error."""

    ordering = ("-created_at", "-pk")
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(
        self,
        queryset: QuerySet[Any, Any] | Sequence[Any],
        request: Request,
        view: APIView | None = None,
    ) -> list[Any] | None:
        if not isinstance(queryset, QuerySet):
            raise TypeError("Cursor pagination pages a QuerySet, not a list.")
        # DRF reads the view with getattr (None is fine); the stubs require one.
        ordering = self.get_ordering(request, queryset, view)  # type: ignore[arg-type]
        self._position_field = queryset.model._meta.get_field(ordering[0].lstrip("-"))
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> Cursor | None:
        cursor = super().decode_cursor(request)
        position = None if cursor is None else cursor.position
        # drf-stubs type the position as int; DRF decodes it from the cursor as str.
        if position is not None and not self._position_is_valid(position):  # type: ignore[arg-type]
            raise exceptions.NotFound(self.invalid_cursor_message)
        return cursor

    def _position_is_valid(self, position: str) -> bool:
        """Whether `position` is a value the ordering field could hold, as DRF
        itself writes it (a datetime with its time zone)."""
        if "\x00" in position:
            return False
        try:
            value = self._position_field.to_python(position)
        except (DjangoValidationError, ValueError, TypeError, OverflowError):
            return False
        if isinstance(value, datetime):
            return timezone.is_aware(value)
        return value is not None


# --- Errors -------------------------------------------------------------------------------


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This can't be done now.")
    default_code = "conflict"


class Error409Serializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=[("conflict", "conflict")])
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ErrorResponse409Serializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    # A declared field, moved off the class by DRF's metaclass: it does not
    # replace Serializer.errors, whatever the stubs think.
    errors = Error409Serializer(many=True)  # type: ignore[assignment]


class Error400Serializer(serializers.Serializer):
    code = serializers.CharField(help_text="e.g. required, invalid, max_length, parse_error.")
    detail = serializers.CharField(help_text="A message fit to show the person.")
    attr = serializers.CharField(
        allow_null=True,
        help_text='The field, dotted for nested ones ("deliveries.offer_received", '
        '"response_kinds.0"); null for the request as a whole.',
    )


class ErrorResponse400Serializer(serializers.Serializer):
    """Bad input: one entry per problem, each naming its field in `attr`."""

    type = serializers.ChoiceField(
        choices=[("validation_error", "validation_error"), ("client_error", "client_error")]
    )
    errors = Error400Serializer(many=True)  # type: ignore[assignment]  # as above
