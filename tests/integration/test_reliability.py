"""Notifications when things break, over real services: the broker stops, a
worker is killed mid-send, the SMTP server refuses a message for good.

Nothing is lost: a person's action always succeeds, the outbox row waits, and
the sweeper (run by a real `celery beat` process) queues it again once it can;
a row that can never be sent ends `failed`, where staff see it and can send it
again. (A transient SMTP error, retried and sent once, is covered in
test_email_delivery.py.)

The first two tests run a stack of their own (`own_stack`): a redis-server on a
free port that can be killed and restarted, workers and beat with short
timings. The machine's Redis is never stopped.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from notifications import emails
from notifications.models import Notification
from requests import services
from requests.models import Offer
from tests.factories import HelpRequestFactory, NotificationFactory, UserFactory
from tests.support.integration import wait_for
from tests.support.processes import Process

pytestmark = [
    pytest.mark.integration,
    # Committed data, and the seeded rows put back for whoever comes next.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ASKER_EMAIL = "asha.quietwater@example.org"
HELPER_EMAIL = "hugo.brightside@example.org"
# Generous: a loaded two-core machine starts Celery slowly.
DEADLINE = 60
# Short timings for the sweeper (production: 10, 60, 20, 30).
SWEEP_SECONDS = 2
LEASE_SECONDS = 3
SWEEPER = {
    "BOARD_SWEEP_SECONDS": str(SWEEP_SECONDS),
    "BOARD_SWEEP_GRACE_SECONDS": "2",
    "BOARD_RETRY_BASE_SECONDS": "1",
}
SWEEP_DONE = re.compile(r"Task board\.tasks\.sweep_outbox\[[^\]]+\] succeeded in [\d.e-]+s: (\d+)")

State = Notification.State


def _people():
    asker = UserFactory(display_name="Asha Quietwater", email=ASKER_EMAIL)
    helper = UserFactory(display_name="Hugo Brightside", email=HELPER_EMAIL)
    return asker, helper, HelpRequestFactory(author=asker)


def _row(offer: Offer) -> Notification:
    return Notification.objects.get(key=f"offer_received:{offer.public_id}")


def _in_state(pk: int, state: str) -> Notification | None:
    return Notification.objects.filter(pk=pk, state=state).first()


def _sweeps(worker: Process) -> list[int]:
    """What each sweep the worker ran returned (how many rows it queued again)."""
    return [int(match[1]) for match in SWEEP_DONE.finditer(worker.log(lines=1_000_000))]


def _settle(worker: Process) -> None:
    """Wait until the worker has run two more sweeps: by then any second copy
    of an email (a row queued again, a task redelivered) would have been sent."""
    done = len(_sweeps(worker))
    wait_for(lambda: len(_sweeps(worker)) >= done + 2, "two more sweeps", timeout=DEADLINE)


def test_an_offer_made_while_redis_is_down_is_emailed_once_it_is_back(
    client, smtp, own_stack, caplog
):
    stack = own_stack(**SWEEPER)
    worker = stack.start_worker("worker")
    stack.start_beat()
    _asker, helper, help_request = _people()
    client.force_login(helper)

    stack.stop_redis()
    wait_for(
        lambda: worker.count("Connection to broker lost") or worker.count("Cannot connect to"),
        "the worker to notice that Redis is gone",
        timeout=DEADLINE,
    )
    with caplog.at_level(logging.WARNING, logger="notifications.delivery"):
        started = time.monotonic()
        response = client.post(
            reverse("requests:make_offer", args=[help_request.public_id]),
            {"message": "I went through this last winter and would be glad to help."},
        )
        took = time.monotonic() - started

    # The person's action succeeded: the offer is made, the email waits.
    offer = Offer.objects.get(request=help_request, helper=helper)
    assert response.status_code == 302
    assert response.url == offer.get_absolute_url()
    row = _row(offer)
    assert (row.state, row.attempts) == (State.QUEUED, 0)
    assert f"Could not queue notification {row.pk}" in caplog.text
    # Giving up on the broker is quick, not a hang in front of the person.
    assert took < 10, f"the offer took {took:.1f}s with Redis down"
    assert smtp.received() == []

    # Back, and empty: the task was never queued, so only the sweeper can send it.
    stack.start_redis()
    sent = wait_for(lambda: _in_state(row.pk, State.SENT), "the email", timeout=DEADLINE)
    _settle(worker)

    received = smtp.received()
    assert [mail.rcpt_tos for mail in received] == [[ASKER_EMAIL]]
    assert received[0].message["Message-ID"] == emails.message_id(sent)
    assert smtp.data_attempts == 1
    assert sent.attempts == 1
    assert any(queued >= 1 for queued in _sweeps(worker)), "no sweep queued the row"


def test_a_worker_killed_mid_send_leaves_the_email_to_the_sweeper(smtp, own_stack):
    stack = own_stack(
        **SWEEPER,
        BOARD_LEASE_SECONDS=str(LEASE_SECONDS),
        # Longer than the SMTP server is held: the send must not time out by itself.
        EMAIL_TIMEOUT="60",
    )
    first = stack.start_worker("worker-1")
    stack.start_beat()
    _asker, helper, help_request = _people()
    # The SMTP server holds the first DATA command, never answering it.
    smtp.stall_next = True

    offer = services.make_offer(help_request=help_request, helper=helper, message="Happy to help.")

    row = _row(offer)
    sending = wait_for(
        lambda: smtp.stalled.is_set() and _in_state(row.pk, State.SENDING),
        "the worker to be sending",
        timeout=DEADLINE,
    )
    first.kill()  # SIGKILL, process group and all: no cleanup, nothing acknowledged
    assert _in_state(row.pk, State.SENDING), "the row should be left mid-send"
    assert smtp.received() == []
    second = stack.start_worker("worker-2")
    smtp.release.set()  # the server answers again (the held message was never accepted)

    sent = wait_for(lambda: _in_state(row.pk, State.SENT), "the email", timeout=DEADLINE)
    _settle(second)

    # Rescued by the sweeper: a row in "sending" is claimed again only once its
    # lease (BOARD_LEASE_SECONDS, renewed by a live worker) has lapsed.
    assert sent.claimed_at >= sending.claimed_at + timedelta(seconds=LEASE_SECONDS)
    assert sent.claimed_by.startswith("worker-2-")
    assert sent.attempts == 2
    # Once: the killed send never got as far as the server accepting it.
    received = smtp.received()
    assert [mail.rcpt_tos for mail in received] == [[ASKER_EMAIL]]
    assert received[0].message["Message-ID"] == emails.message_id(sent)
    assert smtp.data_attempts == 2


@pytest.mark.parametrize(
    ("command", "reply"),
    [
        ("DATA", "554 5.6.0 Message content rejected"),
        ("RCPT", "550 5.1.1 No such mailbox here"),
    ],
)
def test_a_permanent_smtp_error_fails_the_row_for_staff_to_send_again(
    client, smtp, worker, command, reply
):
    if command == "DATA":
        smtp.fail_next.append(reply)
    else:
        smtp.refuse_rcpt_next.append(reply)
    _asker, helper, help_request = _people()

    offer = services.make_offer(help_request=help_request, helper=helper, message="Happy to help.")

    row = _row(offer)
    failed = wait_for(lambda: _in_state(row.pk, State.FAILED), "the row to fail", timeout=DEADLINE)
    code, text = reply.split(" ", 1)
    assert code in failed.last_error
    assert text in failed.last_error
    assert failed.attempts == 1  # permanent: not retried
    assert smtp.received() == []
    assert (smtp.rcpt_attempts, smtp.data_attempts) == ((1, 1) if command == "DATA" else (1, 0))

    # Staff see it among the failed rows (and a sent row is not there)...
    other = NotificationFactory(state=State.SENT)
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="notifications",
            codename__in=["view_notification", "change_notification"],
        )
    )
    client.force_login(staff)
    changelist = reverse("admin:notifications_notification_changelist")
    page = client.get(changelist, {"state__exact": "failed"})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'name="_selected_action" value="{failed.pk}"' in html
    assert f'name="_selected_action" value="{other.pk}"' not in html
    # ...with the reason, on the row's page.
    detail = client.get(reverse("admin:notifications_notification_change", args=[failed.pk]))
    assert text in detail.content.decode()

    # "Send again", with the SMTP server accepting mail now.
    response = client.post(
        f"{changelist}?state__exact=failed",
        {"action": "resend", "_selected_action": [failed.pk]},
    )

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["1 notification queued again."]
    sent = wait_for(lambda: _in_state(row.pk, State.SENT), "the email", timeout=DEADLINE)
    assert (sent.attempts, sent.last_error) == (1, "")
    received = smtp.received()
    assert [mail.rcpt_tos for mail in received] == [[ASKER_EMAIL]]
    assert received[0].message["Message-ID"] == emails.message_id(sent)
