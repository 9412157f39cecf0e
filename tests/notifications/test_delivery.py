"""The outbox: at-least-once, idempotent email delivery (notifications/delivery.py).

In the fast tier the Celery task runs in-process (eager) once the transaction
commits; the integration tier runs the same code against a real broker and SMTP.
"""

import logging
import os
import smtplib
from datetime import timedelta

import pytest
from django.core.mail import EmailMultiAlternatives
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from notifications import delivery, emails, services
from notifications.models import Notification
from notifications.tasks import deliver_notification
from requests.models import Offer
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

State = Notification.State


@pytest.fixture
def row(asker):
    """A notification for the asker, recorded and waiting for its task."""
    return NotificationFactory(recipient=asker)


@pytest.fixture
def smtp_fails(monkeypatch):
    """Make every send raise the given exception; returns how many sends were tried."""
    tries = []

    def install(exc: Exception):
        def send(self, fail_silently=False):
            tries.append(self)
            raise exc

        monkeypatch.setattr(EmailMultiAlternatives, "send", send)
        return tries

    return install


def _fresh(notification: Notification) -> Notification:
    notification.refresh_from_db()
    return notification


# --- Recording ------------------------------------------------------------------------------


def test_it_records_one_row_and_one_email_per_key(
    asker, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.notify(
            kind=Notification.Kind.OFFER_RECEIVED, recipient=asker, key="event:1", url="/x/"
        )
        again = services.notify(
            kind=Notification.Kind.OFFER_RECEIVED, recipient=asker, key="event:1", url="/x/"
        )

    assert first is not None
    assert again is None
    assert Notification.objects.filter(key="event:1").count() == 1
    assert len(mailoutbox) == 1
    assert _fresh(first).state == State.SENT


def test_it_does_not_send_before_the_transaction_commits(
    asker, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = services.notify(
            kind=Notification.Kind.OFFER_RECEIVED, recipient=asker, key="event:2", url="/x/"
        )

    assert len(callbacks) == 1
    assert mailoutbox == []
    assert _fresh(notification).state == State.QUEUED


# --- Delivering ------------------------------------------------------------------------------


def test_it_sends_a_row_once_however_often_it_is_delivered(row, asker, mailoutbox):
    first = delivery.deliver(row.pk)
    second = delivery.deliver(row.pk)

    assert first.state == State.SENT
    assert second.state == "not-claimed"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [asker.email]
    row = _fresh(row)
    assert row.state == State.SENT
    assert row.attempts == 1
    assert row.sent_at is not None


def test_it_leaves_a_row_another_worker_is_sending(row, mailoutbox):
    now = timezone.now()
    Notification.objects.filter(pk=row.pk).update(
        state=State.SENDING, claimed_at=now, claimed_by="other@host", lease_until=now
    )

    outcome = delivery.deliver(row.pk)

    assert outcome.state == "not-claimed"
    assert mailoutbox == []
    assert _fresh(row).state == State.SENDING


@pytest.mark.parametrize("state", [State.FAILED, State.SKIPPED])
def test_it_never_sends_a_failed_or_skipped_row_by_itself(row, mailoutbox, state):
    Notification.objects.filter(pk=row.pk).update(state=state)

    assert delivery.deliver(row.pk).state == "not-claimed"
    assert mailoutbox == []


def test_it_gives_up_quietly_on_a_row_that_no_longer_exists(mailoutbox):
    assert delivery.deliver(987654).state == "not-claimed"
    assert mailoutbox == []


def test_it_keeps_the_same_message_id_across_tries(row):
    other = NotificationFactory()

    assert emails.message_id(row) == emails.message_id(_fresh(row))
    assert emails.message_id(row) != emails.message_id(other)
    assert emails.build_message(row).extra_headers["Message-ID"] == (emails.message_id(row))


def test_it_runs_the_task_eagerly_in_the_fast_tier(row, mailoutbox):
    result = deliver_notification.delay(row.pk)

    assert result.get() == State.SENT
    assert len(mailoutbox) == 1


# --- Failures -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exc",
    [
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        smtplib.SMTPDataError(451, b"Try again later"),
        smtplib.SMTPRecipientsRefused({"asha@example.org": (450, b"Mailbox busy")}),
        ConnectionRefusedError(111, "Connection refused"),
    ],
    ids=["disconnected", "451", "recipient-450", "refused"],
)
def test_it_retries_a_transient_error_later(row, mailoutbox, smtp_fails, exc):
    smtp_fails(exc)
    before = timezone.now()

    outcome = delivery.deliver(row.pk)

    row = _fresh(row)
    assert outcome.state == State.QUEUED
    assert outcome.retry_in and outcome.retry_in > 0
    assert row.state == State.QUEUED
    assert row.attempts == 1
    assert row.next_attempt_at > before
    assert type(exc).__name__ in row.last_error
    assert row.sent_at is None
    assert mailoutbox == []


def _time_for_next_try(row) -> None:
    """As if the backoff delay had passed."""
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())


def test_it_succeeds_on_a_later_try_and_clears_the_error(row, mailoutbox, monkeypatch):
    real_send = EmailMultiAlternatives.send
    calls = []

    def flaky_send(self, fail_silently=False):
        calls.append(1)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky_send)

    assert delivery.deliver(row.pk).state == State.QUEUED
    _time_for_next_try(row)
    assert delivery.deliver(row.pk).state == State.SENT

    row = _fresh(row)
    assert row.attempts == 2
    assert row.last_error == ""
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    "exc",
    [
        smtplib.SMTPRecipientsRefused({"asha@example.org": (550, b"No such user")}),
        smtplib.SMTPDataError(554, b"Message rejected"),
        smtplib.SMTPSenderRefused(553, b"Sender not allowed", "board@localhost"),
    ],
    ids=["recipient-550", "554", "sender-553"],
)
def test_it_marks_a_permanent_error_failed_at_once(row, smtp_fails, exc):
    tries = smtp_fails(exc)

    outcome = delivery.deliver(row.pk)

    row = _fresh(row)
    assert outcome.state == State.FAILED
    assert outcome.retry_in is None
    assert row.state == State.FAILED
    assert row.attempts == 1
    assert type(exc).__name__ in row.last_error
    # A failed row is never picked up again by itself.
    assert delivery.deliver(row.pk).state == "not-claimed"
    assert len(tries) == 1


def test_it_marks_a_row_failed_after_the_last_try(row, smtp_fails):
    tries = smtp_fails(smtplib.SMTPServerDisconnected("Connection unexpectedly closed"))

    outcomes = []
    for _ in range(delivery.MAX_ATTEMPTS):
        outcomes.append(delivery.deliver(row.pk).state)
        _time_for_next_try(row)

    assert outcomes == [State.QUEUED] * (delivery.MAX_ATTEMPTS - 1) + [State.FAILED]
    row = _fresh(row)
    assert row.state == State.FAILED
    assert row.attempts == delivery.MAX_ATTEMPTS
    assert "SMTPServerDisconnected" in row.last_error
    assert delivery.deliver(row.pk).state == "not-claimed"
    assert len(tries) == delivery.MAX_ATTEMPTS


def test_it_keeps_the_error_short(row, smtp_fails):
    smtp_fails(smtplib.SMTPServerDisconnected("x" * 10_000))

    delivery.deliver(row.pk)

    assert len(_fresh(row).last_error) <= 2000


def test_it_caps_the_retry_delay(settings, monkeypatch):
    settings.BOARD_RETRY_BASE_SECONDS = 30
    # The top of the jitter range, so the growth is visible.
    monkeypatch.setattr(delivery.random, "uniform", lambda low, high: high)

    delays = [delivery.retry_delay(attempts) for attempts in range(1, 12)]

    assert delays[:4] == [30, 60, 120, 240]
    assert max(delays) == delivery.MAX_DELAY_SECONDS
    assert delivery.retry_delay(10_000) == delivery.MAX_DELAY_SECONDS


def test_it_jitters_the_retry_delay_within_bounds(settings):
    settings.BOARD_RETRY_BASE_SECONDS = 30

    for attempts in (0, 1, 2, 5, 50):
        for _ in range(20):
            delay = delivery.retry_delay(attempts)
            assert 1 <= delay <= delivery.MAX_DELAY_SECONDS
    # Well under the broker's visibility timeout, or Redis would hand the task on twice.
    assert (
        settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > delivery.MAX_DELAY_SECONDS
    )


# --- The sweeper ----------------------------------------------------------------------------


@pytest.fixture
def sweeper(settings):
    settings.BOARD_SWEEP_GRACE_SECONDS = 60
    settings.BOARD_LEASE_SECONDS = 20
    return timedelta(seconds=60), timedelta(seconds=20)


def _later(seconds: int) -> None:
    """Time passes for the outbox: every queued row's next try, and every
    lapsed lease's first sighting by the sweeper, move back."""
    for notification in Notification.objects.filter(state=State.QUEUED):
        Notification.objects.filter(pk=notification.pk).update(
            next_attempt_at=notification.next_attempt_at - timedelta(seconds=seconds)
        )
    for notification in Notification.objects.filter(suspected_at__isnull=False):
        Notification.objects.filter(pk=notification.pk).update(
            suspected_at=notification.suspected_at - timedelta(seconds=seconds),
            lease_until=notification.lease_until
            and notification.lease_until - timedelta(seconds=seconds),
        )


def _claimed(*, lease_left: timedelta, attempts: int = 1, by: str = "worker-1@host run 42"):
    now = timezone.now()
    return NotificationFactory(
        state=State.SENDING,
        attempts=attempts,
        claimed_at=now - timedelta(minutes=1),
        claimed_by=by,
        lease_until=now + lease_left,
    )


def test_it_sweeps_up_rows_whose_task_was_lost(sweeper, mailoutbox):
    grace, _lease = sweeper
    now = timezone.now()
    due = NotificationFactory(next_attempt_at=now - grace - timedelta(seconds=1))
    just_queued = NotificationFactory(next_attempt_at=now)
    later = NotificationFactory(next_attempt_at=now + timedelta(minutes=5))
    sent = NotificationFactory(state=State.SENT, sent_at=now)
    failed = NotificationFactory(state=State.FAILED)

    swept = delivery.sweep()

    assert swept == 1
    assert _fresh(due).state == State.SENT
    # Its task is probably still in the queue: not queued a second time yet.
    assert _fresh(just_queued).state == State.QUEUED
    assert _fresh(later).state == State.QUEUED
    assert _fresh(sent).state == State.SENT
    assert _fresh(failed).state == State.FAILED
    assert [m.to for m in mailoutbox] == [[due.recipient.email]]


def test_it_rescues_a_row_whose_worker_stopped_renewing_its_lease(sweeper, mailoutbox):
    _grace, lease = sweeper
    gone = _claimed(lease_left=-timedelta(seconds=1))
    busy = _claimed(lease_left=lease)

    # First seen lapsed: marked, not taken (its worker may only have lost the
    # database for a while).
    delivery.sweep()
    assert _fresh(gone).state == State.SENDING
    assert _fresh(gone).suspected_at is not None
    assert mailoutbox == []

    # Still not renewed 40% of a lease later: its claimer is gone.
    _later(int(lease.total_seconds() / 2))
    delivery.sweep()

    gone = _fresh(gone)
    assert (gone.state, gone.attempts) == (State.SENT, 2)
    # Sent by the worker that took it over.
    assert gone.claimed_by == delivery.claimer_id("")
    # A send whose lease is being renewed is left to its worker.
    assert _fresh(busy).state == State.SENDING
    assert _fresh(busy).suspected_at is None
    assert [m.to for m in mailoutbox] == [[gone.recipient.email]]


def test_it_rescues_a_row_claimed_without_a_lease_by_older_code(sweeper, mailoutbox):
    _grace, lease = sweeper
    row = NotificationFactory(state=State.SENDING, attempts=1, claimed_at=timezone.now())

    delivery.sweep()
    _later(int(lease.total_seconds()))
    delivery.sweep()

    assert _fresh(row).state == State.SENT
    assert [m.to for m in mailoutbox] == [[row.recipient.email]]


def test_it_leaves_a_lapsed_row_whose_worker_renews_once_the_database_is_back(sweeper, mailoutbox):
    """A database outage longer than the lease: nobody could renew. The worker,
    alive, renews within a quarter of a lease once the database answers, before
    the sweeper can take the row, so the email is not sent a second time."""
    _grace, lease = sweeper
    row = _claimed(lease_left=-timedelta(seconds=30))
    delivery.sweep()
    assert _fresh(row).suspected_at is not None

    # The worker's lease thread renews (as delivery._lease_renewed does).
    Notification.objects.filter(pk=row.pk).update(
        lease_until=timezone.now() + lease, suspected_at=None
    )
    _later(int(lease.total_seconds()))
    delivery.sweep()

    assert _fresh(row).state == State.SENDING
    assert mailoutbox == []


def test_it_gives_up_on_a_row_that_keeps_getting_stuck(sweeper, mailoutbox):
    # A send that kills its worker every time must not loop forever: after the
    # last try the row is failed, where staff can see it.
    _grace, _lease = sweeper
    poison = _claimed(lease_left=-timedelta(seconds=1), attempts=delivery.MAX_ATTEMPTS)

    delivery.sweep()
    _later(3600)
    delivery.sweep()

    poison = _fresh(poison)
    assert poison.state == State.FAILED
    assert poison.attempts == delivery.MAX_ATTEMPTS
    assert poison.last_error
    assert mailoutbox == []


def test_a_restarted_worker_takes_back_its_earlier_runs_rows_at_once(sweeper, mailoutbox):
    node = "worker-1@host"
    lease = sweeper[1]
    # Killed a moment ago: its lease has not lapsed, but this node restarted.
    killed = _claimed(lease_left=lease, by=f"{node} 0123456789ab 4242")
    mine = _claimed(lease_left=lease, by=delivery.claimer_id(node))
    other_node = _claimed(lease_left=lease, by="worker-2@host 0123456789ab 4242")
    # A node whose name merely starts like this one's is another node.
    longer_name = _claimed(lease_left=lease, by=f"{node}x 0123456789ab 4242")

    assert delivery.reclaim_after_restart(node=node) == 1

    assert _fresh(killed).state == State.SENT
    assert _fresh(killed).attempts == 2
    for row in (mine, other_node, longer_name):
        assert _fresh(row).state == State.SENDING
    assert [m.to for m in mailoutbox] == [[killed.recipient.email]]


def test_a_claim_names_the_node_this_run_and_the_process(row):
    delivery.deliver(row.pk, claimer=delivery.claimer_id("worker-1@host"))

    row = _fresh(row)
    node, run, pid = row.claimed_by.split(" ")
    assert (node, run, pid) == ("worker-1@host", delivery.RUN_ID, str(os.getpid()))
    # Sent: the lease is given up.
    assert (row.state, row.lease_until, row.suspected_at) == (State.SENT, None, None)


def test_it_sweeps_nothing_when_all_is_well(sweeper):
    NotificationFactory(state=State.SENT, sent_at=timezone.now())

    assert delivery.sweep() == 0


def test_it_leaves_digest_rows_to_the_digest(sweeper, mailoutbox):
    NotificationFactory(
        delivery=Notification.Delivery.DIGEST, next_attempt_at=timezone.now() - timedelta(hours=1)
    )

    assert delivery.sweep() == 0
    assert mailoutbox == []


# --- Sending again -------------------------------------------------------------------------------


def test_it_gives_a_failed_row_a_fresh_set_of_tries(
    row, mailoutbox, django_capture_on_commit_callbacks
):
    Notification.objects.filter(pk=row.pk).update(
        state=State.FAILED, attempts=delivery.MAX_ATTEMPTS, last_error="SMTPDataError: 554"
    )

    with django_capture_on_commit_callbacks(execute=True):
        count = delivery.requeue(Notification.objects.filter(pk=row.pk))

    assert count == 1
    row = _fresh(row)
    assert row.state == State.SENT
    assert row.attempts == 1
    assert len(mailoutbox) == 1


def test_it_lets_staff_send_failed_rows_again_from_the_admin(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    failed = NotificationFactory(state=State.FAILED, attempts=delivery.MAX_ATTEMPTS)
    sent = NotificationFactory(state=State.SENT, sent_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:notifications_notification_changelist"),
            {"action": "resend", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )

    assert response.status_code == 200
    assert "1 notification queued again." in response.content.decode()
    assert _fresh(failed).state == State.SENT
    # A row already sent is not sent twice.
    assert [m.to for m in mailoutbox] == [[failed.recipient.email]]


# --- Account emails ---------------------------------------------------------------------------


def test_it_forgets_an_account_emails_content_once_sent(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.queue_account_email(
            to="someone@example.org",
            subject="Reset your password",
            text="Your one-time link: https://example.org/reset/abc123/",
            html="<p>Your one-time link</p>",
            kind="account/email/password_reset_key",
        )

    notification = _fresh(notification)
    assert notification.state == State.SENT
    assert notification.payload == {}
    assert notification.recipient is None
    email = mailoutbox[0]
    assert email.to == ["someone@example.org"]
    assert email.subject == "Reset your password"
    assert "abc123" in email.body
    assert email.alternatives[0][1] == "text/html"


def test_it_keeps_a_failed_account_email_for_its_retry(smtp_fails):
    smtp_fails(smtplib.SMTPServerDisconnected("gone"))
    notification = services.queue_account_email(
        to="someone@example.org", subject="Confirm", text="Key: k1", html="", kind="confirm"
    )

    delivery.deliver(notification.pk)

    assert _fresh(notification).payload["text"] == "Key: k1"


def test_it_skips_a_person_who_has_left(row, asker, mailoutbox):
    asker.is_active = False
    asker.save(update_fields=["is_active"])

    delivery.deliver(row.pk)

    assert _fresh(row).state == State.SKIPPED
    assert mailoutbox == []


# --- An unreachable broker ---------------------------------------------------------------------


@pytest.fixture
def broker_down(monkeypatch):
    def delay(*args, **kwargs):
        raise OperationalError("Error 111 connecting to localhost:6379. Connection refused.")

    monkeypatch.setattr(deliver_notification, "delay", delay)


def test_it_never_raises_when_the_broker_is_unreachable(row, broker_down, caplog):
    with caplog.at_level(logging.WARNING, logger="notifications.delivery"):
        delivery.enqueue(row.pk)

    assert _fresh(row).state == State.QUEUED
    assert "the sweeper will retry" in caplog.text


def test_it_still_takes_the_offer_when_the_broker_is_down(
    client,
    outsider,
    help_request,
    broker_down,
    sweeper,
    mailoutbox,
    caplog,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    client.force_login(outsider)

    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("requests:make_offer", args=[help_request.public_id]),
            {"message": "I'd be glad to listen, any evening."},
        )

    offer = Offer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == offer.get_absolute_url()
    notification = Notification.objects.get()
    assert notification.state == State.QUEUED
    assert notification.attempts == 0
    assert mailoutbox == []
    assert "the sweeper will retry" in caplog.text
    # enqueue handled the outage itself; nothing escaped into on_commit's error log.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    # The broker is back, and a while later the sweeper sends what waited.
    monkeypatch.undo()
    _later(3600)
    assert delivery.sweep() == 1
    assert _fresh(notification).state == State.SENT
    assert [m.to for m in mailoutbox] == [[help_request.author.email]]


def test_it_sweeps_with_the_broker_down_without_failing(row, broker_down, sweeper):
    _later(3600)

    assert delivery.sweep() == 1
    assert _fresh(row).state == State.QUEUED


def test_it_does_not_email_someone_about_their_own_inactive_account():
    ghost = UserFactory(is_active=False)

    assert (
        services.notify(
            kind=Notification.Kind.OFFER_RECEIVED, recipient=ghost, key="ghost:1", url="/x/"
        )
        is None
    )
    assert not Notification.objects.exists()


def test_it_queues_a_backlog_once_per_grace_period(sweeper, broker_down):
    """After an outage the backlog is queued again once, not on every sweep."""
    grace, _lease = sweeper
    NotificationFactory.create_batch(3, next_attempt_at=timezone.now() - grace * 2)

    assert delivery.sweep() == 3
    assert delivery.sweep() == 0
    _later(int(grace.total_seconds()) + 1)
    assert delivery.sweep() == 3


def test_it_retries_an_unexpected_error_instead_of_leaving_the_row_stuck(row, monkeypatch):
    def broken(notification):
        raise RuntimeError("template went wrong")

    monkeypatch.setattr(delivery, "build_message", broken)

    outcome = delivery.deliver(row.pk)

    row = _fresh(row)
    assert outcome.state == State.QUEUED
    assert row.state == State.QUEUED
    assert "RuntimeError: template went wrong" in row.last_error


def test_a_failing_enqueue_after_commit_never_fails_the_action(
    asker, helper, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    """robust on-commit: even if queuing itself blew up, the offer stands."""
    from requests import services
    from tests.factories import HelpRequestFactory

    def explode(notification_id):
        raise RuntimeError("queueing broke")

    monkeypatch.setattr(delivery, "enqueue", explode)
    with django_capture_on_commit_callbacks(execute=True):
        offer = services.make_offer(
            help_request=HelpRequestFactory(author=asker), helper=helper, message="Glad to help."
        )
    assert offer.pk is not None
    assert Notification.objects.get().state == State.QUEUED


# --- Two claimers: a late outcome never overwrites the row's new holder ---------------------------

WORKER_A = "worker-a@host 0123456789ab 1111"


@pytest.fixture
def slow_send_taken_over(monkeypatch, sweeper):
    """Worker A's SMTP send hangs past its lease and then fails with `exc`.
    While it hangs, the sweeper finds A's lease lapsed and unrenewed, takes the
    row, and another worker (this process, eagerly) sends it. Returns the
    messages SMTP accepted."""
    accepted: list[EmailMultiAlternatives] = []

    def install(exc: Exception) -> list[EmailMultiAlternatives]:
        def send(self, fail_silently=False):
            if accepted or not Notification.objects.filter(claimed_by=WORKER_A).exists():
                accepted.append(self)
                return 1
            # A is stuck in SMTP; its lease lapsed and was seen lapsed before.
            long_ago = timezone.now() - timedelta(minutes=1)
            Notification.objects.filter(claimed_by=WORKER_A).update(
                lease_until=long_ago, suspected_at=long_ago
            )
            delivery.sweep()
            raise exc

        monkeypatch.setattr(EmailMultiAlternatives, "send", send)
        return accepted

    return install


@pytest.mark.parametrize(
    "exc",
    [smtplib.SMTPDataError(451, b"Try again later"), smtplib.SMTPDataError(550, b"No such user")],
    ids=["transient", "permanent"],
)
def test_a_late_failure_never_undoes_another_workers_send(
    row, slow_send_taken_over, exc, mailoutbox, caplog
):
    accepted = slow_send_taken_over(exc)

    with caplog.at_level(logging.WARNING, logger="notifications.delivery"):
        outcome = delivery.deliver(row.pk, claimer=WORKER_A)

    row = _fresh(row)
    # The other worker's "sent" stands: not queued again (a second email), not failed.
    assert (row.state, row.attempts, row.last_error) == (State.SENT, 2, "")
    assert row.claimed_by == delivery.claimer_id("")
    assert outcome.state == "not-claimed"
    assert len(accepted) == 1
    assert f"Notification {row.pk} was taken over by another worker" in caplog.text

    # Nothing left for a sweep to send again.
    delivery.sweep()
    assert len(accepted) == 1


def test_a_late_skip_never_overwrites_another_workers_outcome(row, asker, monkeypatch, caplog):
    """A reads the recipient as gone; before it records "skipped", the row was
    taken from it and sent by another worker (the person came back)."""
    asker.is_active = False
    asker.save(update_fields=["is_active"])
    update = QuerySet.update
    taken = []

    def interleaved(self, **fields):
        if fields.get("state") == State.SKIPPED and not taken:
            taken.append(True)
            update(
                Notification.objects.filter(pk=row.pk),
                state=State.SENT,
                claimed_by="worker-b@host 0123456789ab 2222",
                sent_at=timezone.now(),
            )
        return update(self, **fields)

    monkeypatch.setattr(QuerySet, "update", interleaved)

    with caplog.at_level(logging.WARNING, logger="notifications.delivery"):
        outcome = delivery.deliver(row.pk, claimer=WORKER_A)

    assert taken
    assert _fresh(row).state == State.SENT
    assert outcome.state == "not-claimed"
    assert "was taken over by another worker" in caplog.text


def test_a_sweep_never_cuts_short_a_retry_delay_set_after_it_chose_its_rows(
    sweeper, monkeypatch, smtp_fails, mailoutbox
):
    """The sweeper picks a due row; before its UPDATE, a worker tries the row,
    fails, and sets a retry delay. The sweep must not make it due again."""
    grace, _lease = sweeper
    row = NotificationFactory(next_attempt_at=timezone.now() - grace - timedelta(seconds=1))
    tries = smtp_fails(smtplib.SMTPDataError(451, b"Try again later"))
    update = QuerySet.update
    interleaved = []

    def sweep_update(self, **fields):
        if set(fields) == {"next_attempt_at"} and not interleaved:
            interleaved.append(True)
            delivery.deliver(row.pk, claimer=WORKER_A)
        return update(self, **fields)

    monkeypatch.setattr(QuerySet, "update", sweep_update)

    swept = delivery.sweep()

    row = _fresh(row)
    assert interleaved
    assert swept == 0
    # One try (the worker's), and its backoff intact: the sweep sent nothing early.
    assert len(tries) == 1
    assert (row.state, row.attempts) == (State.QUEUED, 1)
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=5)


def test_a_restarted_worker_leaves_a_row_another_worker_claimed_meanwhile(
    sweeper, monkeypatch, mailoutbox
):
    """The restarted node lists its earlier run's rows; before it takes them,
    the sweeper took one and another worker claimed it: that one is left alone."""
    node = "worker-1@host"
    killed = _claimed(lease_left=sweeper[1], by=f"{node} 0123456789ab 4242")
    other = "worker-2@host 0123456789ab 5555"
    values_list = QuerySet.values_list
    interleaved = []

    def listing(self, *fields, **kwargs):
        result = values_list(self, *fields, **kwargs)
        if not interleaved and fields == ("pk",):
            interleaved.append(True)
            result = list(result)
            Notification.objects.filter(pk=killed.pk).update(
                claimed_by=other, attempts=2, lease_until=timezone.now() + sweeper[1]
            )
        return result

    monkeypatch.setattr(QuerySet, "values_list", listing)

    assert delivery.reclaim_after_restart(node=node) == 0

    killed = _fresh(killed)
    assert (killed.state, killed.claimed_by, killed.attempts) == (State.SENDING, other, 2)
    assert mailoutbox == []
