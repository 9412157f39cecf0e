"""Request types for views only signed-in members reach.

Behind `login_required` (or DRF's `IsAuthenticated`) `request.user` is always an
`accounts.models.User`, but Django types it `User | AnonymousUser`. Member views
take an `AuthenticatedHttpRequest` (as healthchecks' `hc/accounts/http.py`
does), so the type checker knows; nothing changes at run time.

`accounts` sits above `board` in the import order, so `User` is imported for
the type checker only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.request import Request

if TYPE_CHECKING:
    from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind `login_required`."""

    user: User


class AuthenticatedRequest(Request):
    """A DRF request of a view behind `IsAuthenticated`."""

    user: User


def member(request: HttpRequest | Request) -> User:
    """The signed-in person making `request`, for code that gets the plain request
    type (a DRF view's `self.request`); refuses a visitor rather than guess."""
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied
    return user
