"""The board's one error hierarchy: "a rule of the board said no".

Every service refuses with a `ServiceError` subclass whose message is written
for the person. The edges map it once each:

- web pages: board.middleware.RefusalMiddleware renders ``refused.html`` with
  the error's ``status_code`` (views holding a form catch it themselves, so the
  form comes back with what the person typed);
- the API: board.api_errors turns it into the standard error shape with the
  same status code.

    ServiceError        409  the base; "this can't be done now"
    ├── Invalid         400  the input breaks a rule (``field`` names it, if one)
    ├── NotAllowed      403  this person may not do this
    ├── NotFound        404  nothing this person may see is there
    ├── Conflict        409  the thing is not in a state that allows it
    └── Limited         429  too many, too fast (``retry_after`` in seconds)
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.http import HttpResponse


class ServiceError(Exception):
    """A rule of the board said no; str(error) is the message for the person."""

    status_code: int = 409
    code: str = "conflict"

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        # The form or API field the refusal is about, when it is about one.
        self.field = field


class Invalid(ServiceError):
    status_code = 400
    code = "invalid"


class NotAllowed(ServiceError):
    status_code = 403
    code = "permission_denied"


class NotFound(ServiceError):
    status_code = 404
    code = "not_found"


class Conflict(ServiceError):
    status_code = 409
    code = "conflict"


class Limited(ServiceError):
    status_code = 429
    code = "throttled"

    def __init__(self, message: str = "", *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


# The name the code used before the hierarchy; new code raises the classes above.
Refusal = ServiceError


def validate(instance: models.Model, *, fields: Iterable[str]) -> None:
    """Check `fields` of `instance` against the rules declared on the model (validators,
    choices, blank), the one place they are written: services call this before every
    save, so the views, the API, the admin and tasks all get the same answer. The first
    broken rule is raised as Invalid naming its field. (A relation is only checked for
    being there: a service is handed model instances, which exist, so no query is made.)"""
    names = set(fields)
    exclude = [
        field.name
        for field in instance._meta.concrete_fields
        if field.name not in names
        or (field.is_relation and getattr(instance, field.attname) is not None)
    ]
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise Invalid(messages[0], field=None if field == NON_FIELD_ERRORS else field) from None


def refused(
    response: HttpResponse, error: ServiceError, *, only_limits: bool = False
) -> HttpResponse:
    """A page that shows `error` itself (a form given back with the reason and all
    that was typed), answered with the error's status, and with Retry-After for a
    limit. `only_limits`: the page keeps its 200 for other refusals, as the offer
    and conversation pages always have."""
    if isinstance(error, Limited):
        response.status_code = error.status_code
        response["Retry-After"] = str(error.retry_after)
    elif not only_limits:
        response.status_code = error.status_code
    return response
