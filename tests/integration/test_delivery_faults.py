"""Delivery when the broker, a worker or the database fails at the worst moment.

- Redis is killed while the worker holds an unacknowledged task (a send in
  progress): the worker keeps running, reconnects and keeps consuming; every
  email arrives once.
- SMTP accepts a message and the database goes away before "sent" is recorded:
  the task keeps trying to record it, and the email is never sent again.
- A worker is SIGKILLed holding a claimed row: its email goes out within 60 s
  of a new worker starting (at once when its supervisor restarts it).
- A send slower than the lease is never taken for a dead worker's.

Each runs a stack of its own (`own_stack`): a redis-server on a free port,
workers and beat. The machine's Redis and PostgreSQL are never stopped.
"""

from __future__ import annotations

import os
import re
import signal
import time

import pytest
from django.conf import settings

from notifications import emails
from notifications.models import Notification
from requests import services
from requests.models import Offer
from tests.factories import HelpRequestFactory, UserFactory
from tests.support.integration import url_of_database, wait_for
from tests.support.processes import TcpProxy

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ASKER_EMAIL = "asha.quietwater@example.org"
HELPER_EMAIL = "hugo.brightside@example.org"
# Generous: a loaded two-core machine starts Celery slowly.
DEADLINE = 60
SWEEPER = {
    "BOARD_SWEEP_SECONDS": "2",
    "BOARD_SWEEP_GRACE_SECONDS": "2",
    "BOARD_RETRY_BASE_SECONDS": "1",
}

State = Notification.State


def _people():
    asker = UserFactory(display_name="Asha Quietwater", email=ASKER_EMAIL)
    helper = UserFactory(display_name="Hugo Brightside", email=HELPER_EMAIL)
    return asker, helper, HelpRequestFactory(author=asker)


def _row(offer: Offer) -> Notification:
    return Notification.objects.get(key=f"offer_received:{offer.public_id}")


def _in_state(pk: int, state: str) -> Notification | None:
    return Notification.objects.filter(pk=pk, state=state).first()


@pytest.mark.parametrize("as_in_readme", [True, False], ids=["readme-worker", "lean-worker"])
def test_the_worker_survives_redis_dying_while_it_holds_a_task(smtp, own_stack, as_in_readme):
    stack = own_stack(**SWEEPER, EMAIL_TIMEOUT="60")
    worker = stack.start_worker("worker", as_in_readme=as_in_readme)
    stack.start_beat()
    asker, helper, help_request = _people()
    # The SMTP server holds the first message: the worker is mid-send, with the
    # task received from Redis and not yet acknowledged (acks_late). Once
    # released, the server accepts it: the task succeeds with Redis gone.
    smtp.stall_next = True
    smtp.accept_after_stall = True
    first = services.make_offer(help_request=help_request, helper=helper, message="Happy to help.")
    first_row = _row(first)
    wait_for(
        lambda: smtp.stalled.is_set() and _in_state(first_row.pk, State.SENDING),
        "the worker to be sending",
        timeout=DEADLINE,
    )

    stack.stop_redis()
    # The send finishes while Redis is gone: the ack cannot reach the broker.
    smtp.release.set()
    wait_for(
        lambda: worker.count("Connection to broker lost") or worker.count("Cannot connect to"),
        "the worker to notice that Redis is gone",
        timeout=DEADLINE,
    )
    time.sleep(3)
    stack.start_redis()

    # The worker is still there, and consumes what comes next.
    second = services.make_offer(
        help_request=HelpRequestFactory(author=helper), helper=asker, message="And I for you."
    )
    second_row = _row(second)
    wait_for(lambda: _in_state(second_row.pk, State.SENT), "the second email", timeout=DEADLINE)
    wait_for(lambda: _in_state(first_row.pk, State.SENT), "the first email", timeout=DEADLINE)
    assert worker.alive(), f"the worker exited:\n{worker.log()}"
    assert worker.count("Unrecoverable error") == 0, worker.log()
    # Every email once, including the one whose acknowledgement was lost.
    received = {mail.message["Message-ID"]: mail.rcpt_tos for mail in smtp.received()}
    assert len(smtp.received()) == 2
    assert received == {
        emails.message_id(first_row): [ASKER_EMAIL],
        emails.message_id(second_row): [HELPER_EMAIL],
    }


def _hold_the_first_send(smtp, row: Notification) -> Notification:
    """Wait until the worker is mid-send on `row` (the SMTP server holds it)."""
    return wait_for(
        lambda: smtp.stalled.is_set() and _in_state(row.pk, State.SENDING),
        "the worker to be sending",
        timeout=DEADLINE,
    )


def _delivered_once(smtp, row: Notification) -> Notification:
    sent = Notification.objects.get(pk=row.pk)
    received = smtp.received()
    assert [mail.rcpt_tos for mail in received] == [[ASKER_EMAIL]]
    assert received[0].message["Message-ID"] == emails.message_id(sent)
    return sent


def test_a_killed_worker_restarted_by_its_supervisor_sends_its_email_at_once(smtp, own_stack):
    # Production timings: the lease (20 s) is not waited for.
    stack = own_stack(EMAIL_TIMEOUT="60")
    worker = stack.start_supervised_worker("worker")
    _asker, helper, help_request = _people()
    smtp.stall_next = True
    offer = services.make_offer(help_request=help_request, helper=helper, message="Happy to help.")
    row = _hold_the_first_send(smtp, _row(offer))

    first_pid = int(re.findall(r"started \S+ \(pid (\d+)\)", worker.log())[0])
    os.killpg(first_pid, signal.SIGKILL)  # the worker, not its supervisor
    wait_for(lambda: worker.count(" ready.") >= 2, "the supervisor to restart it", DEADLINE)
    restarted = time.monotonic()
    smtp.release.set()  # the held message was never accepted

    wait_for(lambda: _in_state(row.pk, State.SENT), "the email", timeout=DEADLINE)
    took = time.monotonic() - restarted

    assert worker.alive(), "the supervisor itself must survive"
    assert worker.count("exited with -9; starting it again") == 1
    sent = _delivered_once(smtp, row)
    assert sent.attempts == 2
    assert took < 15, f"the restarted worker took {took:.1f}s"
    assert "Worker worker@" in worker.log() and "are queued again" in worker.log()


def test_a_killed_workers_email_goes_out_within_a_minute_of_another_worker_starting(
    smtp, own_stack
):
    # Production timings: lease 20 s, a sweep every 10 s.
    stack = own_stack(EMAIL_TIMEOUT="60")
    first = stack.start_worker("worker-1")
    stack.start_beat()
    _asker, helper, help_request = _people()
    smtp.stall_next = True
    offer = services.make_offer(help_request=help_request, helper=helper, message="Happy to help.")
    row = _hold_the_first_send(smtp, _row(offer))

    first.kill()  # SIGKILL, process group and all
    second = stack.start_worker("worker-2")
    started = time.monotonic()
    smtp.release.set()

    wait_for(lambda: _in_state(row.pk, State.SENT), "the email", timeout=90)
    took = time.monotonic() - started

    assert took < 60, f"delivered {took:.1f}s after the new worker started"
    sent = _delivered_once(smtp, row)
    assert sent.attempts == 2
    assert second.alive()


def test_a_send_slower_than_the_lease_is_not_taken_for_a_dead_worker(smtp, own_stack):
    lease = 4
    stack = own_stack(BOARD_LEASE_SECONDS=str(lease), BOARD_SWEEP_SECONDS="1", EMAIL_TIMEOUT="60")
    # Two pool processes: the sweeper runs beside the slow send.
    stack.start_worker("worker", as_in_readme=True)
    beat = stack.start_beat()
    _asker, helper, help_request = _people()
    smtp.stall_next = True
    smtp.accept_after_stall = True
    offer = services.make_offer(help_request=help_request, helper=helper, message="Happy to help.")
    row = _hold_the_first_send(smtp, _row(offer))

    # Three leases' worth of sweeps while the server sits on the message.
    sweeps = beat.count("Sending due task sweep (board.tasks.sweep_outbox)")
    time.sleep(3 * lease)
    assert beat.count("Sending due task sweep (board.tasks.sweep_outbox)") >= sweeps + 5
    assert _in_state(row.pk, State.SENDING)
    smtp.release.set()

    wait_for(lambda: _in_state(row.pk, State.SENT), "the email", timeout=DEADLINE)
    time.sleep(lease)  # any second copy would be on its way by now
    sent = _delivered_once(smtp, row)
    assert sent.attempts == 1
    assert smtp.data_attempts == 1


def test_smtp_accepted_then_the_database_went_away_sends_no_duplicate(smtp, own_stack):
    lease = 8
    settings_dict = settings.DATABASES["default"]
    database = TcpProxy((settings_dict["HOST"] or "127.0.0.1", int(settings_dict["PORT"] or 5432)))
    stack = own_stack(
        DATABASE_URL=database.url(url_of_database(settings_dict)),
        BOARD_LEASE_SECONDS=str(lease),
        BOARD_SWEEP_SECONDS="1",
        EMAIL_TIMEOUT="60",
    )
    # Two pool processes: the sweeper runs beside the worker that is
    # retrying, and would take the row if it mistook it for a dead worker's.
    worker = stack.start_worker("worker", as_in_readme=True)
    stack.start_beat()
    _asker, helper, help_request = _people()
    smtp.stall_next = True
    smtp.accept_after_stall = True
    offer = services.make_offer(help_request=help_request, helper=helper, message="Happy to help.")
    row = _hold_the_first_send(smtp, _row(offer))

    database.down()  # the worker's connections are cut, new ones refused
    smtp.release.set()  # ...and SMTP accepts the message
    wait_for(lambda: worker.count("was sent; recording it failed"), "a failed record", DEADLINE)
    # Longer than the lease: nobody could renew it meanwhile.
    time.sleep(2 * lease)
    database.up()

    sent = wait_for(lambda: _in_state(row.pk, State.SENT), "the record", timeout=DEADLINE)
    time.sleep(3 * lease)  # sweeps enough to have taken the row, had they mistaken it

    assert sent.attempts == 1
    assert _in_state(row.pk, State.SENT)
    _delivered_once(smtp, row)
    assert smtp.data_attempts == 1
    database.down()
