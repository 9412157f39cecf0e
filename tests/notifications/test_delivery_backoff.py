"""A second copy of a delivery task must not cut a retry's backoff short.

Found by the chaos run (benchmarks/chaos.py): after a broker outage the sweeper
queues rows again while their first tasks still wait in the queue, and those
extra copies claimed rows whose next try had not come yet, so a row used up its
tries in seconds instead of over the backoff.
"""

import smtplib
from datetime import timedelta

import pytest
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from notifications import delivery
from notifications.models import Notification
from notifications.tasks import deliver_notification
from tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db

State = Notification.State


@pytest.fixture
def smtp_down(monkeypatch):
    tries = []

    def send(self, fail_silently=False):
        tries.append(self)
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    return tries


def test_a_task_leaves_a_row_alone_until_its_next_try(asker, smtp_down):
    row = NotificationFactory(recipient=asker)

    first = delivery.deliver(row.pk)
    early = deliver_notification.apply(args=[row.pk]).get()

    row.refresh_from_db()
    assert first.state == State.QUEUED
    assert early == "not-claimed"
    assert row.state == State.QUEUED
    assert row.attempts == 1
    assert len(smtp_down) == 1

    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver(row.pk).state == State.QUEUED
    row.refresh_from_db()
    assert row.attempts == 2
    assert len(smtp_down) == 2


def test_a_first_try_is_never_early(asker, mailoutbox):
    row = NotificationFactory(recipient=asker, next_attempt_at=timezone.now() + timedelta(hours=1))

    assert deliver_notification.apply(args=[row.pk]).get() == State.SENT
    assert len(mailoutbox) == 1
