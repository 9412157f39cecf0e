"""Issue 14: unsubscribe links keep working and reveal nothing; allauth's own
emails speak in the board's voice, with discreet subjects, through the outbox."""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
import time
import zlib

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from notifications import emails
from notifications import kinds as notification_kinds
from notifications import services as notification_services
from notifications.models import Delivery, Notification
from requests import services
from tests.factories import HelpRequestFactory, UserFactory

pytestmark = pytest.mark.django_db

NINETY_DAYS = 90 * 24 * 3600


def _one_click_link(message) -> str:
    return message.extra_headers["List-Unsubscribe"].strip("<>")


def test_a_90_day_old_link_still_unsubscribes_by_one_click_post(
    asker, helper, mailoutbox, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.BOARD_EMAIL_LINK_MAX_AGE_DAYS = 60
    with django_capture_on_commit_callbacks(execute=True):
        services.make_offer(
            help_request=HelpRequestFactory(author=asker), helper=helper, message="Glad to help."
        )
    link = _one_click_link(mailoutbox[0])

    # Ninety days later the mail client POSTs, signed out, without a CSRF token.
    later = time.time() + NINETY_DAYS
    monkeypatch.setattr(time, "time", lambda: later)
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(
        link.removeprefix(settings.SITE_URL), {"List-Unsubscribe": "One-Click"}
    )

    assert response.status_code == 200
    assert notification_services.preferences_for(asker)["offer_received"] == Delivery.NEVER


def test_a_link_sent_before_the_opaque_tokens_keeps_working(client, asker):
    """Emails already in people's inboxes carry the old signed value."""
    old = signing.dumps({"u": asker.pk, "k": "offer_received"}, salt="board.unsubscribe")
    response = client.post(reverse("unsubscribe", args=[old]))
    assert response.status_code == 200
    assert notification_services.preferences_for(asker)["offer_received"] == Delivery.NEVER


def _decodings(token: str) -> list[bytes]:
    """Everything a curious person might try to read a token's parts as: base64,
    and zlib inside base64 (how Django's signing compresses a payload)."""
    found = []
    for part in re.split(r"[:.]", token):
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            try:
                raw = decode(part + "=" * (-len(part) % 4))
            except (binascii.Error, ValueError):
                continue
            found.append(raw)
            with contextlib.suppress(zlib.error):
                found.append(zlib.decompress(raw))
    return found


def _readable(data: bytes) -> bool:
    return bool(data) and all(32 <= byte < 127 for byte in data)


def test_no_token_decodes_to_anything_readable(asker, helper):
    users = [asker, helper, *(UserFactory() for _ in range(5))]
    kinds = [*notification_kinds.CONFIGURABLE_KINDS, Notification.Kind.DIGEST]
    tokens = {
        (user, kind): emails.unsubscribe_token(user, kind) for user in users for kind in kinds
    }
    assert len(set(tokens.values())) == len(tokens)  # one value per person and kind
    for (user, kind), token in tokens.items():
        assert len(token) >= 40  # 256 random bits
        assert ":" not in token  # not a signed value carrying its payload
        assert kind not in token and user.email not in token
        decodings = _decodings(token)
        assert decodings  # it is base64: try reading it...
        for decoded in decodings:
            # ...and find nothing: no JSON, no id, no kind, just random bytes.
            assert not _readable(decoded), decoded
        # The same link every time for the same person and kind.
        assert emails.unsubscribe_token(user, kind) == token


def test_the_old_signed_tokens_were_readable(asker):
    """What the test above guards against: the old value decoded to the user id."""
    old = signing.dumps(
        {"u": asker.pk, "k": "offer_received"}, salt="board.unsubscribe", compress=True
    )
    assert any(
        _readable(decoded) and f'"u":{asker.pk}'.encode() in decoded for decoded in _decodings(old)
    )


def test_a_made_up_token_changes_nothing(client, asker):
    emails.unsubscribe_token(asker, "offer_received")
    for token in ("x" * 43, "eyJ1IjoxLCJrIjoib2ZmZXJfcmVjZWl2ZWQifQ", "1"):
        response = client.post(reverse("unsubscribe", args=[token]))
        assert response.status_code == 400
    assert notification_services.preferences_for(asker)["offer_received"] == Delivery.IMMEDIATE


def test_a_deleted_account_link_names_nobody(client, asker):
    token = emails.unsubscribe_token(asker, "offer_received")
    asker.is_active = False
    asker.save(update_fields=["is_active"])
    assert client.post(reverse("unsubscribe", args=[token])).status_code == 400


# --- allauth's own emails ---------------------------------------------------------------


def test_the_password_reset_email_speaks_in_the_boards_voice(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(email="rae@example.org", display_name="Rae Distinctive")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "rae@example.org"})

    [message] = mailoutbox
    assert message.subject == "Your link to choose a new password"
    assert "Password Reset" not in message.subject
    assert "Rae" not in message.subject
    assert message.body.startswith("Hello from the Peer Support Board,")
    assert "example.com" not in message.body
    assert "/password/reset/key/" in message.body
    # Through the same outbox as every other email.
    row = Notification.objects.get(kind=Notification.Kind.ACCOUNT)
    assert row.state == Notification.State.SENT


def test_a_reset_for_an_unknown_address_is_discreet_and_kind(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    [message] = mailoutbox
    assert message.subject == "About your request to sign in"
    assert "Unknown Account" not in message.subject
    assert "nobody@example.org" not in message.body
    assert "no account on the board" in message.body


def test_the_email_change_confirmation_speaks_in_the_boards_voice(
    client, asker, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(asker)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_email"), {"action_add": "", "email": "asha.new@example.org"})
    [message] = mailoutbox
    assert message.to == ["asha.new@example.org"]
    assert message.subject == "Please confirm your email address"
    assert message.body.startswith("Hello from the Peer Support Board,")
    assert "Asha" not in message.body
    assert "example.com" not in message.body
