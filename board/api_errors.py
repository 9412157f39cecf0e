"""The API's errors: drf-standardized-errors' one shape, a service's refusal
(board.errors.Refusal) as a 409 for every endpoint at once (so no API view needs
to catch one), plus a 503 when the database can't be reached (restarting, or
down) instead of a 500.

Kept apart from api_machinery.py, which REST_FRAMEWORK names for its classes
and so must not import DRF's views (drf-standardized-errors' handler does).
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _
from drf_standardized_errors.handler import ExceptionHandler
from drf_standardized_errors.openapi_serializers import ServerErrorEnum
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from board.api_machinery import Conflict
from board.errors import Refusal

logger = logging.getLogger(__name__)

RETRY_AFTER_DATABASE_SECONDS = 30


class DatabaseUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("We couldn't save this just now. Nothing was saved; please try again soon.")
    default_code = "database_unavailable"


class Error503Serializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=[("database_unavailable", "database_unavailable")])
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ErrorResponse503Serializer(serializers.Serializer):
    """The database could not be reached; nothing was saved. Retry-After says when to try again."""

    type = serializers.ChoiceField(choices=ServerErrorEnum.choices)
    errors = Error503Serializer(many=True)


class BoardExceptionHandler(ExceptionHandler):
    """A service's refusal is a 409 in the standard shape. A database that
    can't be reached is a 503 with Retry-After, logged as a warning: an outage
    to ride out, not a bug to report. Nothing was written, since each service
    runs in one transaction."""

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, Refusal):
            # A rule of the board said no: a 409 with the message the web page shows.
            return Conflict(str(exc))
        if isinstance(exc, OperationalError | InterfaceError):
            logger.warning("The database is unavailable (%s): the API answered 503.", exc)
            return DatabaseUnavailable()
        return super().convert_known_exceptions(exc)

    def get_headers(self, exc: exceptions.APIException) -> dict:
        headers = super().get_headers(exc)
        if isinstance(exc, DatabaseUnavailable):
            headers["Retry-After"] = str(RETRY_AFTER_DATABASE_SECONDS)
        return headers

    def get_response(self, exc: exceptions.APIException, data: dict) -> Response:
        response = super().get_response(exc, data)
        # Lets board.middleware.DatabaseUnavailableMiddleware run a safe request again.
        response.database_unavailable = isinstance(exc, DatabaseUnavailable)
        return response

    def report_exception(self, exc: exceptions.APIException, response: Response) -> None:
        if not isinstance(exc, DatabaseUnavailable):
            super().report_exception(exc, response)
