"""allauth's sign-up form, doing the same work whether or not the address is taken.

A new address costs a password hash (PBKDF2, about half a second by design) and a
taken one cost nothing, so the time of the answer told who has an account (17 ms
against 550 ms). Both now hash the password once; both queue one email in the
outbox (a verification link, or word that the address already has an account,
through accounts.adapter.AccountAdapter.send_mail); both answer with the same page.

A module of its own because allauth's forms module imports
`ACCOUNT_SIGNUP_FORM_CLASS` (accounts.forms.SignupExtraForm) while it loads.
"""

from __future__ import annotations

from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest


class SignupForm(AllauthSignupForm):
    def try_save(self, request: HttpRequest) -> tuple[Any, Any]:
        if self.account_already_exists:
            # The hash a new account's set_password() computes, thrown away: the
            # taken address's account is never touched.
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)
