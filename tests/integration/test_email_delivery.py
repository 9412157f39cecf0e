"""Notifications end to end over real services: an action on the board commits
an outbox row, the task travels through Redis to a Celery worker process, and
the worker sends the email to an SMTP server, once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications import delivery, emails
from notifications.models import Notification
from requests import services
from tests.factories import HelpRequestFactory, OfferFactory, UserFactory
from tests.support.integration import SITE_URL, wait_for

pytestmark = [
    pytest.mark.integration,
    # Committed data, and the seeded rows put back for whoever comes next.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ASKER_NAME, ASKER_EMAIL = "Asha Quietwater", "asha.quietwater@example.org"
HELPER_NAME, HELPER_EMAIL = "Hugo Brightside", "hugo.brightside@example.org"
TITLE = "Struggling to talk to my landlord about the damp flat"


@pytest.fixture
def people(worker):
    asker = UserFactory(display_name=ASKER_NAME, email=ASKER_EMAIL)
    helper = UserFactory(display_name=HELPER_NAME, email=HELPER_EMAIL)
    help_request = HelpRequestFactory(author=asker, title=TITLE)
    return asker, helper, help_request


def _sent(kind: str) -> Notification | None:
    return Notification.objects.filter(kind=kind, state=Notification.State.SENT).first()


def _parts(message) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_content()
        for part in message.walk()
        if not part.is_multipart()
    }


def _assert_discreet(message, *private: str) -> None:
    """Nothing personal in what an inbox or a lock screen shows."""
    subject = str(message["Subject"])
    for text in private:
        assert text.casefold() not in subject.casefold(), f"{text!r} is in the subject"


def test_an_offer_over_http_emails_the_asker_once(client, smtp, people):
    _asker, helper, help_request = people
    client.force_login(helper)

    response = client.post(
        reverse("requests:make_offer", args=[help_request.public_id]),
        {"message": "I went through this last winter and would be glad to help."},
    )

    assert response.status_code == 302
    notification = wait_for(
        lambda: _sent(Notification.Kind.OFFER_RECEIVED), "the offer notification to be sent"
    )
    received = smtp.received()
    assert len(received) == 1
    mail = received[0]
    assert mail.rcpt_tos == [ASKER_EMAIL]
    message = mail.message
    assert message["To"] == ASKER_EMAIL
    assert HELPER_EMAIL not in message.as_string()
    assert message["Message-ID"] == emails.message_id(notification)
    _assert_discreet(message, TITLE, ASKER_NAME, HELPER_NAME, "landlord")
    parts = _parts(message)
    assert set(parts) >= {"text/plain", "text/html"}
    link = f"{SITE_URL}{notification.url}"
    assert link in parts["text/plain"]
    assert link in parts["text/html"]
    assert notification.attempts == 1
    assert notification.sent_at is not None
    # One-click unsubscribe (RFC 8058), as the mail client receives it.
    # (The long header is folded: unfolded, its value starts with a space.)
    unsubscribe = message["List-Unsubscribe"].strip()
    token = unsubscribe.removeprefix(f"<{SITE_URL}/unsubscribe/").removesuffix("/>")
    assert unsubscribe == f"<{SITE_URL}{reverse('unsubscribe', args=[token])}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_accepting_an_offer_emails_the_helper_once(client, smtp, people):
    asker, helper, help_request = people
    offer = OfferFactory(request=help_request, helper=helper)
    client.force_login(asker)

    response = client.post(reverse("requests:accept", args=[offer.public_id]))

    assert response.status_code == 302
    notification = wait_for(
        lambda: _sent(Notification.Kind.OFFER_ACCEPTED), "the acceptance notification to be sent"
    )
    received = smtp.received()
    assert [mail.rcpt_tos for mail in received] == [[HELPER_EMAIL]]
    message = received[0].message
    assert ASKER_EMAIL not in message.as_string()
    assert message["Message-ID"] == emails.message_id(notification)
    _assert_discreet(message, TITLE, ASKER_NAME, HELPER_NAME, "landlord")
    assert set(_parts(message)) >= {"text/plain", "text/html"}


def test_a_transient_smtp_error_is_retried_and_the_mail_sent_once(smtp, people):
    _asker, helper, help_request = people
    smtp.fail_next.append("451 4.3.0 Mailbox busy, please try again later")

    services.make_offer(help_request=help_request, helper=helper, message="Happy to listen, truly.")

    notification = wait_for(
        lambda: _sent(Notification.Kind.OFFER_RECEIVED), "the retried notification to be sent"
    )
    assert notification.attempts == 2
    assert notification.last_error == ""
    assert smtp.data_attempts == 2
    assert [mail.rcpt_tos for mail in smtp.received()] == [[ASKER_EMAIL]]


def test_a_redelivered_task_sends_nothing_twice(smtp, people):
    asker, helper, help_request = people
    services.make_offer(help_request=help_request, helper=helper, message="Happy to listen, truly.")
    first = wait_for(lambda: _sent(Notification.Kind.OFFER_RECEIVED), "the first email")

    # The broker hands the same task out again (a worker died before acking it).
    delivery.enqueue(first.pk)
    delivery.enqueue(first.pk)
    # The worker takes one task at a time, in order: once a later email is
    # out, the repeats before it have been handled.
    offer = services.make_offer(
        help_request=HelpRequestFactory(author=helper), helper=asker, message="And I for you."
    )
    wait_for(
        lambda: Notification.objects.filter(
            key=f"offer_received:{offer.public_id}", state=Notification.State.SENT
        ).exists(),
        "the later email",
    )

    assert sorted(mail.rcpt_tos[0] for mail in smtp.received()) == [ASKER_EMAIL, HELPER_EMAIL]
    first.refresh_from_db()
    assert first.attempts == 1
