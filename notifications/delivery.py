"""Delivering the outbox: enqueue on commit, claim with a lease, send, retry
with backoff, sweep what a lost task or a dead worker left behind.

Services record a row (notifications.services.notify) inside their transaction.
After commit a Celery task is queued with the row's id; if the broker is
unreachable the person's action still succeeds and the row waits for the
sweeper. The task claims the row with a conditional update, so two workers (or
a redelivered task) never both send it.
"""

from __future__ import annotations

import logging
import os
import random
import smtplib
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db import connection as db_connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from notifications import health
from notifications.emails import build_message
from notifications.models import Notification

logger = logging.getLogger(__name__)

# This run of this process (inherited by a prefork pool's children): part of
# every claim, so a worker restarted under the same name knows its earlier
# run's rows (see reclaim_after_restart).
RUN_ID = uuid.uuid4().hex[:12]

MAX_ATTEMPTS = 6
BASE_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 30 * 60  # well under the broker's visibility timeout (one hour)
SWEEP_BATCH = 500

# The delivery task's registered name (notifications/tasks.py). It is the name
# it had in board/tasks.py, so tasks queued before a deploy still run after it.
DELIVER_TASK = "board.tasks.deliver_notification"


def enqueue_on_commit(notification_id: int) -> None:
    """Queue the delivery task once the current transaction commits."""

    # A named function rather than functools.partial: Django logs a failing
    # robust callback by its __qualname__, which a partial lacks.
    def callback() -> None:
        enqueue(notification_id)

    transaction.on_commit(callback, robust=True)


def enqueue(notification_id: int) -> None:
    """Hand a row to the worker. Never raises: an unreachable broker only
    delays the email (the sweeper re-enqueues it), it never fails the action."""
    try:
        # By name: the task (notifications.tasks) imports this module.
        current_app.tasks[DELIVER_TASK].delay(notification_id)
    except Exception:
        logger.warning("Could not queue notification %s; the sweeper will retry.", notification_id)


# --- Delivery ----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    state: str
    retry_in: int | None = None


def claimer_id(node: str) -> str:
    """Who claims a row: the Celery node ("worker@host"), this run of it and
    the process, so a restarted node knows the rows its earlier run held."""
    return f"{node or socket.gethostname()} {RUN_ID} {os.getpid()}"


def deliver(notification_id: int, *, claimer: str = "") -> Outcome:
    """Claim the row, send it, record the outcome. A row waiting for its next
    try is left alone until then: a second copy of its task (the sweeper's, a
    redelivery) must not cut the backoff short and use up the tries in seconds.
    A first try is never early.

    The claim is a lease, renewed while this worker holds the row, so the
    sweeper can tell a slow send from a dead worker; once SMTP has accepted the
    message, recording "sent" is retried until the database answers."""
    claimer = claimer or claimer_id("")
    now = timezone.now()
    claimed = Notification.objects.filter(
        Q(attempts=0) | Q(next_attempt_at__lte=now),
        pk=notification_id,
        state=Notification.State.QUEUED,
        delivery=Notification.Delivery.IMMEDIATE,
    ).update(
        state=Notification.State.SENDING,
        attempts=F("attempts") + 1,
        claimed_at=now,
        claimed_by=claimer,
        lease_until=now + timedelta(seconds=settings.BOARD_LEASE_SECONDS),
        suspected_at=None,
    )
    if not claimed:
        # Already sent, being sent by another worker, failed, skipped, digested
        # or waiting for its next try.
        return Outcome(state="not-claimed")
    with _lease_renewed(notification_id, claimer):
        notification = Notification.objects.select_related("recipient", "help_request").get(
            pk=notification_id
        )
        if notification.recipient is not None and not notification.recipient.is_active:
            if not _still_claimed(notification.pk, claimer).update(
                state=Notification.State.SKIPPED, lease_until=None
            ):
                return _claim_lost(notification.pk, "skipped")
            return Outcome(state=Notification.State.SKIPPED)
        try:
            message = build_message(notification)
            if notification.withheld:
                # Built like any email, so that it costs the same, but never sent.
                Notification.objects.filter(pk=notification.pk).update(
                    state=Notification.State.SKIPPED, lease_until=None
                )
                return Outcome(state=Notification.State.SKIPPED)
            message.send()
        except Exception as exc:
            # SMTP and network errors are the usual ones; anything else (a template
            # error, the soft time limit) is retried the same way and ends failed,
            # visible to staff, rather than leaving the row stuck in "sending".
            return _record_failure(notification, claimer, exc)
        # SMTP has accepted it: from here on, sending again would duplicate it.
        _record_sent(notification, claimer)
    return Outcome(state=Notification.State.SENT)


def _still_claimed(notification_id: int, claimer: str) -> QuerySet[Notification]:
    """The row, only while `claimer` still holds it. Every write after a claim
    goes through this: if the sweeper took the row from us (a lapsed lease)
    and another worker has claimed or sent it since, our late outcome must not
    overwrite theirs (a failure would queue a sent email again)."""
    return Notification.objects.filter(
        pk=notification_id, state=Notification.State.SENDING, claimed_by=claimer
    )


def _claim_lost(notification_id: int, outcome: str) -> Outcome:
    logger.warning(
        "Notification %s was taken over by another worker; this worker's outcome (%s) "
        "is not recorded.",
        notification_id,
        outcome,
    )
    return Outcome(state="not-claimed")


@contextmanager
def _lease_renewed(notification_id: int, claimer: str) -> Iterator[None]:
    """Renew the row's lease from a thread while the block runs (a slow SMTP
    server, a database that is briefly away), so the sweeper never takes a
    row whose worker is alive. The thread touches the database only after a
    quarter of the lease, by its own connection, which it closes."""
    lease = timedelta(seconds=settings.BOARD_LEASE_SECONDS)
    stop = threading.Event()

    def renew() -> None:
        try:
            while not stop.wait(lease.total_seconds() / 4):
                try:
                    Notification.objects.filter(
                        pk=notification_id, state=Notification.State.SENDING, claimed_by=claimer
                    ).update(lease_until=timezone.now() + lease, suspected_at=None)
                except DatabaseError as exc:
                    logger.warning(
                        "Could not renew the lease of notification %s: %s", notification_id, exc
                    )
                    _drop_broken_connection()
        finally:
            db_connection.close()

    thread = threading.Thread(target=renew, name=f"lease-{notification_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()


def _drop_broken_connection() -> None:
    """After a database error, close this thread's connection if it is broken
    (a restarted PostgreSQL), so the next query opens a fresh one. Never inside
    a transaction, which must end first."""
    if db_connection.in_atomic_block:
        return
    with suppress(DatabaseError):
        db_connection.close_if_unusable_or_obsolete()


def _record_sent(notification: Notification, claimer: str) -> None:
    """Mark the row sent, retrying with backoff while the database is away,
    for up to BOARD_RECORD_SENT_SECONDS: well inside the time the sweeper
    needs to take a row from a worker (its lease, renewed meanwhile, plus a
    confirmation), so a database blip never sends an email twice. Past that
    the row is left "sending" and may be sent again, with the same Message-ID
    (the documented window, together with a worker killed right here)."""
    deadline = time.monotonic() + settings.BOARD_RECORD_SENT_SECONDS
    pause = 0.2
    while True:
        # Account emails can hold one-time keys: keep them no longer than needed.
        account = notification.kind == Notification.Kind.ACCOUNT
        try:
            recorded = Notification.objects.filter(
                pk=notification.pk, state=Notification.State.SENDING, claimed_by=claimer
            ).update(
                state=Notification.State.SENT,
                sent_at=timezone.now(),
                last_error="",
                lease_until=None,
                suspected_at=None,
                payload={} if account else notification.payload,
            )
        except DatabaseError as exc:
            _drop_broken_connection()
            if time.monotonic() + pause > deadline:
                logger.error(
                    "Notification %s was accepted by SMTP but could not be recorded as sent "
                    "for %ss (%s); it may be sent again, with the same Message-ID.",
                    notification.pk,
                    settings.BOARD_RECORD_SENT_SECONDS,
                    exc,
                )
                raise
            logger.warning(
                "Notification %s was sent; recording it failed (%s), trying again in %.1fs.",
                notification.pk,
                exc,
                pause,
            )
            time.sleep(pause)
            pause = min(pause * 2, 5.0)
            continue
        if not recorded:
            logger.warning(
                "Notification %s was sent after another worker took it over.", notification.pk
            )
        return


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def retry_delay(attempts: int) -> int:
    """Exponential backoff with jitter, capped below the broker's visibility timeout."""
    base = settings.BOARD_RETRY_BASE_SECONDS
    ceiling = min(MAX_DELAY_SECONDS, base * 2 ** max(attempts - 1, 0))
    return max(1, int(random.uniform(ceiling / 2, ceiling)))  # noqa: S311


def _record_failure(notification: Notification, claimer: str, exc: Exception) -> Outcome:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    mine = _still_claimed(notification.pk, claimer)
    if _is_permanent(exc) or notification.attempts >= MAX_ATTEMPTS:
        if not mine.update(state=Notification.State.FAILED, last_error=error, lease_until=None):
            return _claim_lost(notification.pk, f"failed: {error}")
        logger.error("Notification %s failed for good: %s", notification.pk, error)
        return Outcome(state=Notification.State.FAILED)
    delay = retry_delay(notification.attempts)
    if not mine.update(
        state=Notification.State.QUEUED,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        last_error=error,
        lease_until=None,
    ):
        return _claim_lost(notification.pk, f"to retry: {error}")
    logger.warning("Notification %s will be retried in %ss: %s", notification.pk, delay, error)
    return Outcome(state=Notification.State.QUEUED, retry_in=delay)


# --- Sweeping ----------------------------------------------------------------------


def sweep() -> int:
    """Re-enqueue rows that are due (lost task, broker outage), and rows whose
    claimer is gone (a worker killed mid-send: the email may go out twice,
    never zero times).

    A lapsed lease alone does not prove its worker gone: after a database
    outage no worker could renew, and a live one renews within a quarter of
    the lease once the database is back. So a lapsed row is first marked
    (`suspected_at`), and taken only if, 40% of a lease later (more than one
    renewal), it still has not been renewed: its claimer failed to renew while
    the database answered. So `now` is read once the database has answered
    (a sweep may have waited on a reconnect through the whole outage)."""
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    now = timezone.now()
    lapsed = Notification.objects.lease_lapsed(now)
    confirm = timedelta(seconds=settings.BOARD_LEASE_SECONDS * 0.4)
    _rescue(lapsed.filter(suspected_at__lte=now - confirm), now)
    lapsed.filter(suspected_at__isnull=True).update(suspected_at=now)
    # A grace period, so rows whose task is simply waiting in the queue are
    # not queued a second time (harmless, since delivery claims once, but wasteful).
    grace = timedelta(seconds=settings.BOARD_SWEEP_GRACE_SECONDS)
    ids = list(
        Notification.objects.due(now - grace)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    # Not again until another grace period has passed: after an outage the
    # backlog is queued once, not on every sweep while it drains. The UPDATE
    # checks again that each row is still due: a worker may have tried it
    # since it was selected and set a retry delay that must not be cut short.
    if ids and Notification.objects.due(now - grace).filter(pk__in=ids).update(
        next_attempt_at=now
    ) < len(ids):
        ids = list(
            Notification.objects.filter(
                pk__in=ids, state=Notification.State.QUEUED, next_attempt_at=now
            ).values_list("pk", flat=True)
        )
    for pk in ids:
        enqueue(pk)
    # Said loudly in the worker's log when the outbox is falling behind.
    health.outbox_health(now=now)
    return len(ids)


def reclaim_after_restart(*, node: str) -> int:
    """At a worker's start: rows an earlier run of this same Celery node left in
    "sending" are queued again now, without waiting for their lease. That run
    is gone (Celery node names are unique; a supervisor restarts a worker under
    the same name), so a killed worker's emails go out as soon as it is back."""
    now = timezone.now()
    earlier = Notification.objects.filter(
        state=Notification.State.SENDING, claimed_by__startswith=f"{node} "
    ).exclude(claimed_by__startswith=f"{node} {RUN_ID} ")
    ids = list(earlier.values_list("pk", flat=True))
    if not ids:
        return 0
    # The conditions are checked again in each UPDATE: a row the sweeper took
    # meanwhile and another worker claimed is that worker's, not ours to take.
    _rescue(earlier.filter(pk__in=ids), now)
    grace = timedelta(seconds=settings.BOARD_SWEEP_GRACE_SECONDS)
    rescued = Notification.objects.filter(
        pk__in=ids, state=Notification.State.QUEUED, claimed_by="", next_attempt_at=now - grace
    )
    queued = list(rescued.values_list("pk", flat=True))
    rescued.filter(pk__in=queued).update(next_attempt_at=now)
    logger.warning(
        "Worker %s restarted: %d notification(s) its earlier run was sending are queued again.",
        node,
        len(queued),
    )
    for pk in queued:
        enqueue(pk)
    return len(queued)


def _rescue(claimed: QuerySet[Notification], now: datetime) -> int:
    """Put rows taken from a gone claimer back in the queue, due at once."""
    released = {"claimed_by": "", "lease_until": None, "suspected_at": None}
    # A row that used its last try and still never finished (a send that kills
    # its worker every time) is failed, where staff see it, not retried forever.
    claimed.filter(attempts__gte=MAX_ATTEMPTS).update(
        state=Notification.State.FAILED,
        last_error="The worker never finished sending, even on the last try.",
        **released,
    )
    grace = timedelta(seconds=settings.BOARD_SWEEP_GRACE_SECONDS)
    return claimed.filter(state=Notification.State.SENDING).update(
        state=Notification.State.QUEUED, next_attempt_at=now - grace, **released
    )


def requeue(queryset: QuerySet[Notification]) -> int:
    """Give failed rows a fresh set of tries (the admin's "send again")."""
    ids = list(queryset.values_list("pk", flat=True))
    Notification.objects.filter(pk__in=ids).update(
        state=Notification.State.QUEUED,
        delivery=Notification.Delivery.IMMEDIATE,
        attempts=0,
        next_attempt_at=timezone.now(),
    )
    for pk in ids:
        enqueue_on_commit(pk)
    return len(ids)
