from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from notifications.services import queue_account_email

# The links allauth puts in its emails (verify, reset, sign up).
EMAILED_LINKS = ("activate_url", "password_reset_url", "signup_url")


def on_site(url: str) -> str:
    """`url` on the configured site (SITE_URL), whatever host the request that
    caused the email came in on: every link the board emails points at one
    address, as the notifications' links do."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    path += f"#{parts.fragment}" if parts.fragment else ""
    return f"{settings.SITE_URL}{path}"


class AccountAdapter(DefaultAccountAdapter):
    """Sends allauth's emails (verification, password reset...) through the
    board's own mail path: an outbox row, delivered by a Celery task, with
    every link on the configured site."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # The same context allauth's own send_mail gives its templates
        # (they greet with the site's name, "Hello from {{ current_site.name }}!").
        request = allauth_context.request
        context = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            **context,
        }
        for name in EMAILED_LINKS:
            if isinstance(context.get(name), str):
                context[name] = on_site(context[name])
        message = self.render_mail(template_prefix, email, context)
        html = next(
            (
                body
                for body, mimetype in getattr(message, "alternatives", [])
                if mimetype == "text/html"
            ),
            "",
        )
        queue_account_email(
            to=email, subject=message.subject, text=message.body, html=html, kind=template_prefix
        )

    def get_email_confirmation_url(
        self, request: HttpRequest | None, emailconfirmation: Any
    ) -> str:
        """The verification link carries the page the person joined from (a
        request they wanted to offer help on), so that confirming brings them
        back there, even when the link is opened in another browser, where the
        sign-up's session (and its `next`) is not."""
        url = super().get_email_confirmation_url(request, emailconfirmation)
        if request is None:
            return url
        next_url = request.POST.get("next") or request.GET.get("next") or ""
        if next_url and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            url = f"{url}?{urlencode({'next': next_url})}"
        return url


def user_display(user: User) -> str:
    """How allauth names a person (in their own emails and pages): never by email."""
    return user.display_name or str(_("there"))
