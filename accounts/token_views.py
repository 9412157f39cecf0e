"""The settings page for personal API tokens: create one with a name (shown
once), see the ones you have, revoke one. The API does the same at /api/v1/me/tokens/."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import tokens
from accounts.models import ApiToken
from board.errors import ServiceError
from board.http import AuthenticatedHttpRequest


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=gettext_lazy("What will use it, e.g. “my phone” or “our group's website”."),
    )


@login_required
def api_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = tokens.create_api_token(
                user=request.user, name=form.cleaned_data["name"]
            )
        except ServiceError as error:
            # The form's one field: a missing name or one token too many.
            form.add_error("name", str(error))
        else:
            # Rendered, not redirected: the token is shown this once and kept nowhere.
            new_token = {"name": token.name, "secret": secret}
            form = ApiTokenForm()
    # Never stored (board.middleware.PrivateCacheMiddleware says so for every page
    # of a signed-in person).
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": tokens.tokens_of(request.user), "new_token": new_token},
    )


@require_POST
@login_required
def api_token_revoke(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    tokens.revoke_api_token(user=request.user, public_id=public_id)
    messages.success(request, _("The token is revoked. Anything using it is refused from now on."))
    return redirect("accounts:api_tokens")
