"""The REST API's machinery: token authentication, throttles, pagination, and
the 409 for a rule of the board that said no.

Named in REST_FRAMEWORK (settings), so this module must not import DRF's views:
their class attributes read those settings, which would import this module again.
"""

from __future__ import annotations

import abc
from contextlib import contextmanager
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions, pagination, serializers, status, throttling
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings

from board.middleware import repeatable_write

# --- Authentication ---------------------------------------------------------------------

LAST_USED_PRECISION = timedelta(minutes=5)


class TokenAuthentication(KnoxTokenAuthentication):
    """A personal API token ("Authorization: Token <token>"), checked against its
    stored hash. Notes when it was last used (to the nearest few minutes, so a
    busy script does not write on every call)."""

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            with repeatable_write():
                type(token).objects.filter(pk=token.pk).update(last_used_at=now)
        return user, token


# --- Throttling ---------------------------------------------------------------------------


class _ScopeThrottle(throttling.SimpleRateThrottle, abc.ABC):
    """A DRF rate throttle for one scope of REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
    read when the request comes (so settings overrides apply), for the requests
    `applies` picks. A 429 carries Retry-After."""

    scope = ""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or None

    @abc.abstractmethod
    def applies(self, request, view) -> bool:
        """Whether this throttle counts `request` (each scope says which it counts)."""

    def allow_request(self, request, view):
        if self.rate is None or not self.applies(request, view):
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonReadThrottle(_ScopeThrottle):
    """Reads by visitors who are not signed in, per IP address."""

    scope = "anon_read"

    def applies(self, request, view) -> bool:
        return request.method in SAFE_METHODS and not request.user.is_authenticated


class WriteThrottle(_ScopeThrottle):
    """Every write, per person."""

    scope = "write"

    def applies(self, request, view) -> bool:
        return request.method not in SAFE_METHODS


class OfferThrottle(_ScopeThrottle):
    """Offers of help, per person (on top of the write limit)."""

    scope = "offers"

    def applies(self, request, view) -> bool:
        return request.method == "POST" and getattr(view, "throttle_scope", None) == self.scope


class MessageThrottle(OfferThrottle):
    """Messages in conversations, per person (on top of the write limit)."""

    scope = "messages"


# --- Pagination -------------------------------------------------------------------------


class CursorPagination(pagination.CursorPagination):
    """Newest first; follow `next`. Cursors stay right while rows are added."""

    ordering = ("-created_at", "-pk")
    page_size_query_param = "page_size"
    max_page_size = 100


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
    errors = Error409Serializer(many=True)


@contextmanager
def rules_say_no():
    """A rule of the board said no (services.ServiceError): a 409, with the
    message the web page would show."""
    from requests.services import ServiceError

    try:
        yield
    except ServiceError as error:
        raise Conflict(str(error)) from error


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
    errors = Error400Serializer(many=True)
