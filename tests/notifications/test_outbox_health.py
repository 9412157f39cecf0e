"""A stalled outbox is visible and loud (notifications/health.py): the staff page, the
readiness probe, the `outbox_status` command and a warning in the log; and a
sent email stays sent when the database blinks while it is being recorded."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import OperationalError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from notifications import delivery
from notifications.models import Notification
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

State = Notification.State
THRESHOLD = 300


@pytest.fixture(autouse=True)
def _threshold(settings):
    settings.BOARD_OUTBOX_MAX_AGE_SECONDS = THRESHOLD
    settings.REDIS_URL = ""


def _waiting_since(seconds: int, **fields) -> Notification:
    return NotificationFactory(created_at=timezone.now() - timedelta(seconds=seconds), **fields)


@pytest.fixture
def stalled():
    """Ten minutes of email nobody sent, and a retry waiting for its time."""
    _waiting_since(600)
    _waiting_since(30)
    _waiting_since(
        900, attempts=2, next_attempt_at=timezone.now() + timedelta(minutes=5), last_error="451"
    )
    NotificationFactory(state=State.SENT, sent_at=timezone.now())
    NotificationFactory(state=State.FAILED)


@pytest.fixture
def staff(client):
    person = UserFactory(is_staff=True)
    person.user_permissions.add(Permission.objects.get(codename="view_notification"))
    client.force_login(person)
    return person


# --- The probes -----------------------------------------------------------------------------


def test_healthz_says_the_process_is_up_without_touching_the_database(
    client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ready_when_email_flows(client, django_assert_num_queries):
    _waiting_since(5)
    NotificationFactory(state=State.SENT, sent_at=timezone.now())

    # One query: the outbox's figures (which prove the database answers).
    with django_assert_num_queries(1):
        response = client.get("/readyz")

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert response.json() == {
        "ready": True,
        "status": "ok",
        "checks": {"database": "ok", "outbox": "ok", "redis": "ok"},
    }


def test_readyz_stays_ready_but_degraded_and_warns_when_the_outbox_is_stalled(
    client, stalled, caplog
):
    """A stalled outbox is no reason to take the web out of rotation: every
    page still works. The probe says so without figures (it is public); the
    warning, the staff page and `outbox_status` carry the alarm."""
    with caplog.at_level(logging.WARNING, logger="notifications.health"):
        response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "ready": True,
        "status": "degraded",
        "checks": {"database": "ok", "outbox": "stalled", "redis": "ok"},
    }
    assert "The outbox is stalled: 3 email(s) waiting, the oldest for 6" in caplog.text


def test_readyz_stays_ready_but_degraded_and_warns_when_redis_does_not_answer(
    client, settings, caplog
):
    """The web works without Redis (the cache falls back, email waits in the
    outbox): a Redis outage must not pull every web process out of rotation."""
    # Nothing listens on port 1: refused at once.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    with caplog.at_level(logging.WARNING, logger="board.ops_views"):
        response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert (body["ready"], body["status"]) == (True, "degraded")
    assert body["checks"] == {"database": "ok", "outbox": "ok", "redis": "unreachable"}
    assert "Readiness: Redis does not answer (ConnectionError)" in caplog.text


def test_readyz_fails_when_the_database_does_not_answer(client, monkeypatch, caplog):
    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(QuerySet, "aggregate", down)

    with caplog.at_level(logging.WARNING, logger="board.ops_views"):
        response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert (body["ready"], body["status"]) == (False, "unavailable")
    assert body["checks"]["database"] == "unreachable"
    assert "Readiness: the database does not answer" in caplog.text


def test_readyz_tells_the_public_no_figures(client, stalled):
    body = client.get("/readyz").content.decode()

    for figure in ("backlog", "failed", "oldest", "lapsed", "threshold", "600", "waiting"):
        assert figure not in body


# --- The staff page ---------------------------------------------------------------------------


def test_staff_see_a_stalled_outbox(client, staff, stalled):
    response = client.get(reverse("outbox_status"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Email is falling behind." in html
    assert '<dd id="outbox-backlog">3</dd>' in html
    assert '<dd id="outbox-failed">1</dd>' in html
    assert "60" in html.split('id="outbox-oldest">', 1)[1][:20]


def test_staff_see_email_going_out_normally(client, staff):
    response = client.get(reverse("outbox_status"))

    assert "Email is going out normally." in response.content.decode()


@pytest.mark.parametrize("who", ["member", "visitor"])
def test_only_staff_see_the_outbox(client, who):
    if who == "member":
        client.force_login(UserFactory())

    response = client.get(reverse("outbox_status"))

    assert response.status_code == 302
    assert reverse("admin:login") in response.url


def test_a_dead_worker_and_a_dead_sweeper_are_not_silent(client, staff, caplog):
    """A worker killed holding a row, and no sweeper to take it back: the row
    stays "sending" with a lapsed lease for ever. That is a stall too."""
    long_ago = timezone.now() - timedelta(seconds=THRESHOLD + 60)
    NotificationFactory(
        state=State.SENDING,
        attempts=1,
        claimed_by="worker1@host 0123456789ab 4242",
        claimed_at=long_ago - timedelta(seconds=20),
        lease_until=long_ago,
    )
    # Still being sent, its lease renewed: not stalled.
    NotificationFactory(
        state=State.SENDING,
        attempts=1,
        claimed_by="worker2@host 0123456789ab 4343",
        claimed_at=long_ago,
        lease_until=timezone.now() + timedelta(seconds=20),
    )

    with caplog.at_level(logging.WARNING, logger="notifications.health"):
        html = client.get(reverse("outbox_status")).content.decode()

    assert "Email is falling behind." in html
    assert '<dd id="outbox-lapsed">1</dd>' in html
    assert "1 held by a worker that stopped renewing its lease" in caplog.text
    with pytest.raises(SystemExit) as exit_:
        call_command("outbox_status")
    assert exit_.value.code == 1


def test_a_lease_that_lapsed_a_moment_ago_is_not_a_stall(client, staff):
    # The sweeper takes it within a lease or so: nothing to be loud about yet.
    NotificationFactory(
        state=State.SENDING,
        attempts=1,
        claimed_at=timezone.now() - timedelta(seconds=30),
        lease_until=timezone.now() - timedelta(seconds=10),
    )

    html = client.get(reverse("outbox_status")).content.decode()

    assert "Email is going out normally." in html
    assert '<dd id="outbox-lapsed">1</dd>' in html
    call_command("outbox_status")


# --- The command -------------------------------------------------------------------------------


def test_outbox_status_exits_0_when_all_is_well(capsys):
    _waiting_since(5)

    call_command("outbox_status")

    assert "1 waiting" in capsys.readouterr().out


def test_outbox_status_exits_1_when_stalled(stalled, capsys):
    with pytest.raises(SystemExit) as exit_:
        call_command("outbox_status", "--json")

    assert exit_.value.code == 1
    assert '"stalled": true' in capsys.readouterr().out


def test_the_sweeper_warns_when_the_outbox_is_stalled(stalled, caplog):
    with caplog.at_level(logging.WARNING, logger="notifications.health"):
        delivery.sweep()

    assert "The outbox is stalled" in caplog.text


# --- Recording "sent" through a database blip ---------------------------------------------------


@pytest.fixture
def sent_write_fails(monkeypatch):
    """The write that records "sent" fails `times` times, as while PostgreSQL
    restarts; no real waiting between tries."""
    failures = {"left": 0, "seen": 0}
    update = QuerySet.update

    def flaky(self, **fields):
        if fields.get("state") == State.SENT and failures["left"]:
            failures["left"] -= 1
            failures["seen"] += 1
            raise OperationalError("terminating connection due to administrator command")
        return update(self, **fields)

    monkeypatch.setattr(QuerySet, "update", flaky)
    monkeypatch.setattr(delivery.time, "sleep", lambda seconds: None)

    def fail(times: int) -> dict[str, int]:
        failures["left"] = times
        return failures

    return fail


def test_a_sent_email_is_recorded_once_the_database_is_back(
    asker, sent_write_fails, mailoutbox, caplog
):
    row = NotificationFactory(recipient=asker)
    failures = sent_write_fails(3)

    with caplog.at_level(logging.WARNING, logger="notifications.delivery"):
        outcome = delivery.deliver(row.pk)

    row.refresh_from_db()
    assert failures["seen"] == 3
    assert outcome.state == State.SENT
    assert (row.state, row.attempts, row.lease_until) == (State.SENT, 1, None)
    assert len(mailoutbox) == 1
    assert f"Notification {row.pk} was sent; recording it failed" in caplog.text

    # Nothing for the sweeper to send again.
    delivery.sweep()
    assert len(mailoutbox) == 1


def test_recording_sent_gives_up_after_its_budget_and_says_so(
    asker, sent_write_fails, mailoutbox, settings, caplog
):
    settings.BOARD_RECORD_SENT_SECONDS = 0
    row = NotificationFactory(recipient=asker)
    sent_write_fails(100)

    with (
        caplog.at_level(logging.ERROR, logger="notifications.delivery"),
        pytest.raises(OperationalError),
    ):
        delivery.deliver(row.pk)

    row.refresh_from_db()
    # Left "sending" under a lease that will lapse: the documented window.
    assert row.state == State.SENDING
    assert len(mailoutbox) == 1
    assert "may be sent again, with the same Message-ID" in caplog.text
