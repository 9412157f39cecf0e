"""Personal API tokens: created with a name, shown once, stored hashed, revoked.

The token itself is returned only by `create_api_token`; the database keeps
django-rest-knox's SHA-512 digest and the first characters (to find the row).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import ApiToken, User
from board.errors import Conflict, Invalid, validate

MAX_TOKENS_PER_PERSON = 20


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created", "-pk")


@transaction.atomic
def create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token named `name`; returns the row and the token, to show once."""
    name = " ".join(name.split())
    if not name:
        raise Invalid(_("Please give the token a name, so you know what uses it."), field="name")
    validate(ApiToken(user=user, name=name), fields=["name"])
    # Lock the person's row so two requests at once cannot pass the limit together.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if tokens_of(user).count() >= MAX_TOKENS_PER_PERSON:
        raise Conflict(
            _("You have %(count)d tokens already. Please revoke one you no longer use.")
            % {"count": MAX_TOKENS_PER_PERSON}
        )
    return ApiToken.objects.create(user=user, name=name, expiry=None)


def get_token_for(user: User, public_id: str) -> ApiToken:
    try:
        return tokens_of(user).get(public_id=public_id)
    except ApiToken.DoesNotExist:
        raise Http404 from None


def revoke_api_token(*, user: User, public_id: str) -> None:
    """Delete the token: from the next request on, it is refused."""
    get_token_for(user, public_id).delete()
