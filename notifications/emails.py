"""Building an email from an outbox row, in the manner of healthchecks'
hc/lib/emails.py: one function renders a kind's subject, text and HTML.

A kind's words are in `templates/notifications/emails/<kind>.txt`, in four
blocks (subject, lead, more, action; a variant picks its words with
`{% if variant == ... %}`); the layouts around them (`layout.txt`,
`layout.html`) are shared by every kind. Subjects and opening lines are
discreet: no request text, no names, nothing an inbox preview could betray.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.template.loader_tags import BlockNode
from django.urls import reverse
from django.utils.timesince import timesince
from django.utils.translation import gettext

from accounts.models import User
from notifications.kinds import REGISTRY, Kind
from notifications.models import Notification, UnsubscribeToken

COPY_BLOCKS = ("subject", "lead", "more", "action")


def unsubscribe_token(user: User, kind: str) -> str:
    """The opaque value in one person's "stop emails like this" links for one kind.

    A random value kept in the database, not a signed one: it decodes to nothing
    (no id, no kind, no date) and works for as long as the person's account does,
    so a months-old email's one-click unsubscribe still works."""
    return UnsubscribeToken.objects.get_or_create(user=user, kind=kind)[0].token


def render_copy(kind: str, variant: str = "") -> dict[str, str]:
    """A kind's words, as plain text: each block of its template rendered on its
    own (the HTML layout escapes them, as any text)."""
    # The Django backend's template (get_template wraps it) has the block nodes.
    template = get_template(REGISTRY[kind].template).template  # type: ignore[attr-defined]
    blocks = {node.name: node for node in template.nodelist.get_nodes_by_type(BlockNode)}
    context = Context({"variant": variant}, autoescape=False)
    with context.bind_template(template):
        return {
            name: str(blocks[name].render(context)).strip() if name in blocks else ""
            for name in COPY_BLOCKS
        }


def message_id(notification: Notification) -> str:
    digest = hashlib.sha256(notification.key.encode()).hexdigest()[:40]
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "localhost"
    return f"<{digest}@{domain}>"


def _absolute(path: str) -> str:
    return path if path.startswith("http") else f"{settings.SITE_URL}{path}"


def digest_line(item: Notification, *, now: datetime, full: bool) -> str:
    """One line of a digest. New requests are told apart by category, kind of
    response and age (and their title, for people who chose fuller emails);
    other items by what happened and when."""
    # Plain spaces: "5 hours", not timesince's no-break space, in a plain-text line.
    age = timesince(item.created_at, now, depth=1).replace("\xa0", " ")
    help_request = item.help_request
    if item.kind == Kind.NEW_REQUEST and help_request is not None:
        line = gettext("A request for “%(kind)s” in %(category)s, posted %(age)s ago") % {
            "kind": help_request.get_response_kind_display(),
            "category": help_request.category.name,
            "age": timesince(help_request.created_at, now, depth=1).replace("\xa0", " "),
        }
        if full:
            line = f"{line}: {help_request.title}"
        return line
    what = REGISTRY[item.kind].inbox_title(item.payload.get("variant", ""))
    line = gettext("%(what)s, %(age)s ago") % {"what": what, "age": age}
    if full and help_request is not None:
        line = f"{line}: {help_request.title}"
    return line


def email_context(notification: Notification) -> dict:
    recipient = notification.recipient
    if recipient is None:  # only account emails go to an address without an account
        raise ValueError(f"Notification {notification.pk} has no recipient")
    full = recipient.full_emails
    spec = REGISTRY[notification.kind]
    items = []
    if notification.kind == Kind.DIGEST:
        items = [
            {
                "text": digest_line(item, now=notification.created_at, full=full),
                "url": _absolute(item.url),
            }
            for item in notification.items.select_related("help_request__category").order_by(
                "created_at", "pk"
            )
        ]
    url = reverse(spec.email_url_name) if spec.email_url_name else notification.url
    return {
        "recipient": recipient,
        "variant": notification.payload.get("variant", ""),
        "url": _absolute(url),
        "site_url": settings.SITE_URL,
        "settings_url": _absolute(reverse("accounts:notifications")),
        "unsubscribe_url": _absolute(
            reverse("unsubscribe", args=[unsubscribe_token(recipient, notification.kind)])
        ),
        # Fuller emails, only for people who chose them: the request's title and
        # the words of the offer or message. Never an author's name.
        "title": notification.help_request.title if full and notification.help_request else "",
        "excerpt": notification.payload.get("excerpt", "") if full else "",
        "items": items,
        # Fuller emails (digest lines carry titles too): no "never contains" promise.
        "full": full,
    }


def render_email(notification: Notification) -> tuple[str, str, str, dict]:
    """A row's subject, text and HTML, from its kind's words and the shared
    layouts; and the context they were rendered with."""
    context = email_context(notification)
    context["copy"] = render_copy(notification.kind, context["variant"])
    subject = context["copy"]["subject"]
    if context["title"]:
        subject = f"{subject}: {context['title']}"
    text = render_to_string("notifications/emails/layout.txt", context)
    html = render_to_string("notifications/emails/layout.html", context)
    return subject, text, html, context


def build_message(notification: Notification) -> EmailMultiAlternatives:
    headers = {"Message-ID": message_id(notification)}
    if not REGISTRY[notification.kind].has_template:
        # Account emails: rendered by allauth when they were queued.
        subject = notification.payload["subject"]
        text = notification.payload["text"]
        html = notification.payload.get("html", "")
        to = notification.to_email
    else:
        subject, text, html, context = render_email(notification)
        to = context["recipient"].email
        # RFC 8058 one-click unsubscribe: mail clients POST to this address.
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers,
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message
