"""Discreet emails name no one, the reader included (issue 8, item 6).

A lock screen shows an email's subject and first lines: "Hello Orla, someone has
offered to help with a request you posted" tells whoever holds the phone that Orla
asked for help. Every kind of email is built here, the board's notifications (plain
and "fuller") and each of allauth's account emails, and none may carry anyone's
display name or email address in its subject or body, the reader's included (their
address is only in the To header).
"""

from __future__ import annotations

from pathlib import Path

import allauth
import pytest
from allauth.core import context as allauth_context
from django.test import RequestFactory

from accounts.adapter import AccountAdapter
from notifications.emails import build_message
from notifications.kinds import REGISTRY
from notifications.models import Notification
from tests.factories import HelpRequestFactory, NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

READER = {"display_name": "Orla Reader", "email": "orla.reader@example.org"}
ASKER = {"display_name": "Quentin Asker", "email": "quentin.asker@example.org"}


def names_in(text: str, *people) -> list[str]:
    found = []
    for person in people:
        for value in (person.display_name, *person.display_name.split(), person.email):
            if value.casefold() in text.casefold():
                found.append(value)
    return found


def readable(message) -> str:
    """What a person (or a lock screen) can read: subject, text and HTML."""
    alternatives = [content for content, _mimetype in getattr(message, "alternatives", [])]
    return "\n".join([message.subject, message.body, *alternatives])


@pytest.mark.parametrize("full_emails", [False, True])
# Account emails come pre-rendered by allauth: test_no_account_email_names_anyone.
@pytest.mark.parametrize("kind", [kind for kind, spec in REGISTRY.items() if spec.has_template])
def test_no_notification_email_names_anyone(kind, full_emails):
    reader = UserFactory(**READER, full_emails=full_emails)
    asker = UserFactory(**ASKER)
    help_request = HelpRequestFactory(author=asker, title="A hard week at work")
    notification = NotificationFactory(
        kind=kind,
        recipient=reader,
        help_request=help_request,
        payload={"excerpt": "Thank you for offering."},
    )
    if kind == Notification.Kind.DIGEST:
        NotificationFactory(recipient=reader, digest=notification)

    message = build_message(notification)

    assert message.to == [reader.email]
    text = readable(message)
    assert not names_in(text, reader, asker), f"{kind}: {names_in(text, reader, asker)}\n{text}"
    assert "Hello," in message.body  # still kind, just nameless


ALLAUTH_EMAILS = sorted(
    path.name.removesuffix("_subject.txt")
    for path in (Path(allauth.__file__).parent / "templates/account/email").glob("*_subject.txt")
)


@pytest.mark.parametrize("name", ALLAUTH_EMAILS)
def test_no_account_email_names_anyone(name, mailoutbox, django_capture_on_commit_callbacks):
    """Each of allauth's emails, with the context allauth gives it (the person
    included, for the templates that would greet or name them)."""
    reader = UserFactory(**READER)
    other = UserFactory(**ASKER)
    request = RequestFactory().get("/")
    request.user = reader
    context = {
        "user": reader,
        "username": reader.display_name,
        "activate_url": "https://board.example/confirm/abc/",
        "password_reset_url": "https://board.example/reset/abc/",
        "signup_url": "https://board.example/accounts/signup/",
        "code": "ABC123",
        "from_email": reader.email,
        "to_email": "orla.new@example.org",
        "deleted_email": "orla.old@example.org",
        "ip": "192.0.2.1",
        "user_agent": "A browser",
        "timestamp": "today",
    }
    with django_capture_on_commit_callbacks(execute=True):
        adapter = AccountAdapter(request)
        with allauth_context.request_context(request):
            adapter.send_mail(f"account/email/{name}", reader.email, context)

    (message,) = mailoutbox
    assert message.to == [reader.email]
    text = readable(message)
    for address in ("orla.new@example.org", "orla.old@example.org"):
        assert address not in text, f"{name}: {address}\n{text}"
    assert not names_in(text, reader, other), f"{name}: {names_in(text, reader, other)}\n{text}"
