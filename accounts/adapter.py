from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.utils.translation import gettext_lazy as _

from board.notifications import queue_account_email


class AccountAdapter(DefaultAccountAdapter):
    """Sends allauth's emails (verification, password reset...) through the
    board's own mail path: an outbox row, delivered by a Celery task."""

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


def user_display(user) -> str:
    """How allauth names a person (in their own emails and pages): never by email."""
    return user.display_name or str(_("there"))
