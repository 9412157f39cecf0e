from allauth.account.adapter import DefaultAccountAdapter

from board.notifications import queue_account_email


class AccountAdapter(DefaultAccountAdapter):
    """Sends allauth's emails (verification, password reset...) through the
    board's own mail path: an outbox row, delivered by a Celery task."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
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
