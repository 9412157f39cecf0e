"""Delivery when the broker, a worker or the database fails at the worst moment.

- Redis is killed while the worker holds an unacknowledged task (a send in
  progress): the worker keeps running, reconnects and keeps consuming; every
  email arrives once.
- SMTP accepts a message and the database goes away before "sent" is recorded:
  the task keeps trying to record it, and the email is never sent again.
- A worker is SIGKILLed holding a claimed row: its email goes out within 60 s
  of a new worker starting, not after the stuck-row threshold.

Each runs a stack of its own (`own_stack`): a redis-server on a free port,
workers and beat. The machine's Redis and PostgreSQL are never stopped.
"""

from __future__ import annotations

import time

import pytest

from board import notifications
from board.models import Notification
from requests import services
from requests.models import Offer
from tests.factories import HelpRequestFactory, UserFactory
from tests.services.conftest import wait_for

pytestmark = [
    pytest.mark.services,
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
        notifications.message_id(first_row): [ASKER_EMAIL],
        notifications.message_id(second_row): [HELPER_EMAIL],
    }
