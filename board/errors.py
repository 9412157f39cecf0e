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
