"""The notification pipeline: outbox rows, enqueue on commit, idempotent delivery.

Services call `notify(...)` inside their transaction. After commit a Celery task
is queued with the row's id; if the broker is unreachable the person's action
still succeeds and the row waits for the sweeper. The task claims the row with
a conditional update, so two workers (or a redelivered task) never both send it.
"""

from __future__ import annotations

import hashlib
import logging
import random
import smtplib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from board.models import Notification

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BASE_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 30 * 60  # well under the broker's visibility timeout
STUCK_AFTER = timedelta(minutes=10)


def notify(*, kind: str, recipient: User, key: str, url: str = "") -> Notification | None:
    """Record that `recipient` must be told about something; send after commit.

    `key` makes the notification idempotent: recording the same event twice
    creates one row and one email.
    """
    notification, created = Notification.objects.get_or_create(
        key=key, defaults={"kind": kind, "recipient": recipient, "url": url}
    )
    if not created:
        return None
    transaction.on_commit(partial(enqueue, notification.pk), robust=True)
    return notification


def queue_account_email(*, to: str, subject: str, text: str, html: str, kind: str) -> Notification:
    """Queue an already rendered account email (allauth's verification, reset...)."""
    recipient = User.objects.filter(email__iexact=to).first()
    notification = Notification.objects.create(
        # Each account email is its own event (a second reset link is a new email).
        key=f"account:{kind}:{uuid.uuid4().hex}",
        kind=Notification.Kind.ACCOUNT,
        recipient=recipient,
        to_email=to,
        payload={"subject": subject, "text": text, "html": html},
    )
    transaction.on_commit(partial(enqueue, notification.pk), robust=True)
    return notification


def enqueue(notification_id: int) -> None:
    """Hand a row to the worker. Never raises: an unreachable broker only
    delays the email (the sweeper re-enqueues it), it never fails the action."""
    from board.tasks import deliver_notification

    try:
        deliver_notification.delay(notification_id)
    except Exception:
        logger.warning("Could not queue notification %s; the sweeper will retry.", notification_id)


@dataclass(frozen=True)
class Outcome:
    state: str
    retry_in: int | None = None


def deliver(notification_id: int) -> Outcome:
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, state=Notification.State.QUEUED
    ).update(state=Notification.State.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    if not claimed:
        # Already sent, being sent by another worker, failed or skipped.
        return Outcome(state="not-claimed")
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        message = build_message(notification)
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        return _record_failure(notification, exc)
    Notification.objects.filter(pk=notification.pk).update(
        state=Notification.State.SENT,
        sent_at=timezone.now(),
        last_error="",
        # Account emails can hold one-time keys: keep them no longer than needed.
        payload={} if notification.kind == Notification.Kind.ACCOUNT else notification.payload,
    )
    return Outcome(state=Notification.State.SENT)


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def retry_delay(attempts: int) -> int:
    """Exponential backoff with full jitter, capped below the visibility timeout."""
    ceiling = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** max(attempts - 1, 0))
    return max(1, int(random.uniform(ceiling / 2, ceiling)))  # noqa: S311


def _record_failure(notification: Notification, exc: Exception) -> Outcome:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if _is_permanent(exc) or notification.attempts >= MAX_ATTEMPTS:
        logger.error("Notification %s failed for good: %s", notification.pk, error)
        Notification.objects.filter(pk=notification.pk).update(
            state=Notification.State.FAILED, last_error=error
        )
        return Outcome(state=Notification.State.FAILED)
    delay = retry_delay(notification.attempts)
    logger.warning("Notification %s will be retried in %ss: %s", notification.pk, delay, error)
    Notification.objects.filter(pk=notification.pk).update(
        state=Notification.State.QUEUED,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        last_error=error,
    )
    return Outcome(state=Notification.State.QUEUED, retry_in=delay)


def sweep() -> int:
    """Re-enqueue rows that are due (lost task, broker outage) or stuck in sending."""
    Notification.objects.stuck(timezone.now() - STUCK_AFTER).update(
        state=Notification.State.QUEUED, next_attempt_at=timezone.now()
    )
    ids = list(Notification.objects.due().values_list("pk", flat=True)[:500])
    for pk in ids:
        enqueue(pk)
    return len(ids)


def message_id(notification: Notification) -> str:
    digest = hashlib.sha256(notification.key.encode()).hexdigest()[:40]
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "localhost"
    return f"<{digest}@{domain}>"


def build_message(notification: Notification) -> EmailMultiAlternatives:
    if notification.kind == Notification.Kind.ACCOUNT:
        subject = notification.payload["subject"]
        text = notification.payload["text"]
        html = notification.payload.get("html", "")
        to = notification.to_email
    else:
        recipient = notification.recipient
        context = {
            "recipient": recipient,
            "url": f"{settings.SITE_URL}{notification.url}",
            "site_url": settings.SITE_URL,
        }
        prefix = f"email/{notification.kind}"
        subject = render_to_string(f"{prefix}.subject.txt", context).strip()
        text = render_to_string(f"{prefix}.txt", context)
        html = render_to_string(f"{prefix}.html", context)
        to = recipient.email
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": message_id(notification)},
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message


def requeue(queryset) -> int:
    """Give failed rows a fresh set of tries (the admin's "send again")."""
    ids = list(queryset.values_list("pk", flat=True))
    Notification.objects.filter(pk__in=ids).update(
        state=Notification.State.QUEUED, attempts=0, next_attempt_at=timezone.now()
    )
    for pk in ids:
        transaction.on_commit(partial(enqueue, pk), robust=True)
    return len(ids)
