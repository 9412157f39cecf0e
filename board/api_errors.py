"""The API's errors: drf-standardized-errors' one shape, a service's refusal
(board.errors.ServiceError) with its own status for every endpoint at once (so no API view needs
to catch one), plus a 503 when the database can't be reached (restarting, or
down) instead of a 500.

Kept apart from api_machinery.py, which REST_FRAMEWORK names for its classes
and so must not import DRF's views (drf-standardized-errors' handler does).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _
from drf_standardized_errors.handler import ExceptionHandler
from drf_standardized_errors.openapi_serializers import ServerErrorEnum
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from board.api_machinery import Conflict
from board.errors import Limited, ServiceError
from board.middleware import mark_database_unavailable

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
    # A declared field (DRF's metaclass moves it off the class), not Serializer.errors.
    errors = Error503Serializer(many=True)  # type: ignore[assignment]


class BoardExceptionHandler(ExceptionHandler):
    """A service's refusal is a 409 in the standard shape. A database that
    can't be reached is a 503 with Retry-After, logged as a warning: an outage
    to ride out, not a bug to report. Nothing was written, since each service
    runs in one transaction."""

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, ServiceError):
            # A rule of the board said no: its status, with the message the web page shows.
            return _api_error(exc)
        if isinstance(exc, OperationalError | InterfaceError):
            logger.warning("The database is unavailable (%s): the API answered 503.", exc)
            return DatabaseUnavailable()
        return super().convert_known_exceptions(exc)

    def get_headers(self, exc: exceptions.APIException) -> dict[str, str]:
        headers = super().get_headers(exc)
        if isinstance(exc, _Refused) and exc.retry_after is not None:
            headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, DatabaseUnavailable):
            headers["Retry-After"] = str(RETRY_AFTER_DATABASE_SECONDS)
        return headers

    def get_response(self, exc: exceptions.APIException, data: dict[str, Any]) -> Response:
        response = super().get_response(exc, data)
        if isinstance(exc, DatabaseUnavailable):
            # Lets board.middleware.DatabaseUnavailableMiddleware run a safe request again.
            mark_database_unavailable(response)
        return response

    def report_exception(self, exc: exceptions.APIException, response: Response) -> None:
        if not isinstance(exc, DatabaseUnavailable):
            super().report_exception(exc, response)


class _Refused(exceptions.APIException):
    """A service's refusal as DRF sees it: the status and code of its class."""

    def __init__(self, error: ServiceError) -> None:
        super().__init__(detail=str(error), code=error.code)
        self.status_code = error.status_code
        self.retry_after = error.retry_after if isinstance(error, Limited) else None


def _api_error(error: ServiceError) -> exceptions.APIException:
    if error.status_code == status.HTTP_409_CONFLICT:
        return Conflict(str(error))
    if error.status_code == status.HTTP_400_BAD_REQUEST and error.field:
        return exceptions.ValidationError({error.field: [str(error)]})
    return _Refused(error)
