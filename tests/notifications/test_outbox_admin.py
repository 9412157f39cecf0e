"""The outbox in the admin (board/admin.py NotificationAdmin), as a moderator sees it.

A moderator keeps email flowing (state, tries, last error, send again), but must not
be able to tie a person to their anonymous requests there without the audited
break-glass look. Before, the change page showed each row's key (`digest:<user
id>:<day>`, `offer_received:<offer id>`) and the changelist accepted any lookup on
the row's own fields: `?key__startswith=digest:<id>:` found a person's digests and
`?digest=<id>&help_request=<id>` told whether that person was told about (that is,
asked) a given anonymous request.
"""

from __future__ import annotations

import smtplib

import pytest
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from moderation.services import make_moderator
from notifications import digests
from notifications import services as notification_services
from notifications.models import Notification, NotificationPreference
from requests import services
from tests.factories import CategoryFactory

CHANGELIST = "admin:notifications_notification_changelist"


@pytest.fixture
def told(asker, helper, django_capture_on_commit_callbacks):
    """Asha takes offers in a daily digest; Hugo offers on her anonymous request,
    and the day's digest is made."""
    NotificationPreference.objects.create(user=asker, kind="offer_received", delivery="digest")
    with django_capture_on_commit_callbacks(execute=True):
        help_request = services.create_request(
            author=asker, title="A quiet worry tonight", body="Things have been heavy " * 3,
            category=CategoryFactory(), response_kind="listen", is_anonymous=True,
        )  # fmt: skip
        offer = services.make_offer(
            help_request=help_request, helper=helper, message="I can listen, gladly."
        )
        digests.build_digests()
    item = Notification.objects.get(kind="offer_received", recipient=asker)
    digest = Notification.objects.get(kind="digest", recipient=asker)
    assert item.digest == digest and digest.key.startswith(f"digest:{asker.pk}:")
    return {"request": help_request, "offer": offer, "item": item, "digest": digest}


@pytest.fixture
def mod_client(client, moderator):
    make_moderator(user=moderator)
    client.force_login(moderator)
    return client


def test_it_refuses_filters_that_tie_a_row_to_a_person_or_a_request(mod_client, told, asker):
    changelist = reverse(CHANGELIST)
    for query in (
        {"digest": told["digest"].pk},
        {"digest__id__exact": told["digest"].pk},
        {"digest": told["digest"].pk, "help_request": told["request"].pk},
        {"help_request": told["request"].pk},
        {"key__startswith": f"digest:{asker.pk}:"},
        {"key__contains": told["offer"].public_id},
        {"key": told["item"].key},
        {"url__contains": "requests"},
        {"payload__has_key": "excerpt"},
        {"to_email__contains": "@"},
        {"recipient": asker.pk},
        {"items__isnull": "false"},
    ):
        response = mod_client.get(changelist, query)
        assert response.status_code == 400, query


def test_it_still_filters_by_state_kind_and_date(mod_client, told):
    changelist = reverse(CHANGELIST)
    day = told["digest"].created_at
    for query in (
        {"state": "skipped"},
        {"kind": "digest"},
        {"state__exact": "queued", "kind__exact": "offer_received"},
        {"created_at__year": day.year, "created_at__month": day.month},
    ):
        response = mod_client.get(changelist, query)
        assert response.status_code == 200, query
    assert "Daily digest" in mod_client.get(changelist, {"kind": "digest"}).content.decode()


def test_no_page_shows_the_key_or_what_the_row_is_about(mod_client, told, asker):
    pages = [mod_client.get(reverse(CHANGELIST)).content.decode()]
    for row in (told["item"], told["digest"]):
        response = mod_client.get(reverse("admin:notifications_notification_change", args=[row.pk]))
        assert response.status_code == 200
        pages.append(response.content.decode())
    for page in pages:
        for secret in (
            "digest:",
            told["offer"].public_id,
            told["request"].public_id,
            told["request"].alias,
            "A quiet worry",
            "I can listen",
            asker.email,
            asker.display_name,
        ):
            assert secret not in page, secret
    # What staff need is there: the kind and the delivery state.
    assert "Someone offered to help with your request" in pages[1]
    assert "Skipped" in pages[1]


def test_staff_see_the_error_without_the_address_and_can_send_again(
    mod_client, asker, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    refused = smtplib.SMTPRecipientsRefused({asker.email: (550, b"No such mailbox")})

    def send(self, fail_silently=False):
        raise refused

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    with django_capture_on_commit_callbacks(execute=True):
        notification_services.notify(
            kind="moderator_warning", recipient=asker, key="moderator_note:1", url="/"
        )
    row = Notification.objects.get(key="moderator_note:1")
    assert row.state == Notification.State.FAILED
    assert asker.email in row.last_error

    page = mod_client.get(reverse("admin:notifications_notification_change", args=[row.pk]))
    text = page.content.decode()
    assert "SMTPRecipientsRefused" in text and "No such mailbox" in text
    assert asker.email not in text
    assert "&lt;address&gt;" in text

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = mod_client.post(
            reverse(CHANGELIST), {"action": "resend", "_selected_action": [row.pk]}, follow=True
        )
    assert "1 notification queued again." in response.content.decode()
    row.refresh_from_db()
    assert row.state == Notification.State.SENT
    assert [m.to for m in mailoutbox] == [[asker.email]]
