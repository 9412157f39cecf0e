"""Issue 14: on the embedded default (`make run`: no broker, no beat) the periodic
jobs run by themselves, and any of them can be run by hand.

These tests drive the scheduler's clock rather than sleeping: what they check is
the wiring (make run starts it; it reads the real schedule; a due job runs its
real task, whose emails go out), not the passing of time."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from board import scheduler
from notifications import delivery
from notifications import services as notification_services
from notifications.models import Delivery, Notification
from requests import services
from requests.models import HelpRequest
from tests.factories import HelpRequestFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_make_run_starts_the_scheduler_beside_the_server():
    recipe = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "manage.py run_scheduler &" in recipe
    # Stopped with the server, never left running.
    assert "trap 'kill $scheduler" in recipe
    assert recipe.index("run_scheduler") < recipe.index("runserver")


def test_the_scheduler_runs_every_periodic_job_beat_would():
    assert set(scheduler.jobs()) == {
        "sweep",
        "digests",
        "resurface",
        "expiry",
        "figures",
        "gentle_notes",
    }
    assert {job.task for job in scheduler.jobs().values()} == {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


def _overdue_request(asker, minutes: int = 1) -> HelpRequest:
    help_request = HelpRequestFactory(author=asker)
    HelpRequest.objects.filter(pk=help_request.pk).update(
        expires_at=timezone.now() - timedelta(minutes=minutes)
    )
    return help_request


def test_an_overdue_request_closes_and_its_asker_is_emailed_when_the_scheduler_starts(
    asker, mailoutbox, django_capture_on_commit_callbacks
):
    help_request = _overdue_request(asker)
    now = timezone.now()
    jobs = scheduler.Scheduler(scheduler.jobs(), started_at=now)

    with django_capture_on_commit_callbacks(execute=True):
        ran = jobs.tick(now)

    assert "expiry" in ran and "digests" not in ran
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.EXPIRED
    assert [message.subject for message in mailoutbox] == ["Your request has closed"]
    assert mailoutbox[0].to == [asker.email]


def test_a_request_that_runs_out_while_it_runs_closes_within_two_minutes(
    asker, mailoutbox, django_capture_on_commit_callbacks
):
    start = timezone.now()
    jobs = scheduler.Scheduler(scheduler.jobs(), started_at=start)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.tick(start)
    help_request = _overdue_request(asker, minutes=0)  # runs out just after the first run

    # The loop wakes for the next due job, which for expiry is within two minutes.
    next_expiry = jobs.next_due["expiry"]
    assert next_expiry - start <= timedelta(minutes=2)
    with django_capture_on_commit_callbacks(execute=True):
        ran = jobs.tick(next_expiry)

    assert "expiry" in ran
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.EXPIRED
    assert mailoutbox[-1].subject == "Your request has closed"


def test_the_digest_goes_out_at_the_configured_hour(
    asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    hour = settings.BOARD_DIGEST_HOUR
    notification_services.set_preferences(user=asker, choices={"offer_received": Delivery.DIGEST})
    services.make_offer(
        help_request=HelpRequestFactory(author=asker), helper=helper, message="Glad to help."
    )
    day = timezone.now().date()
    started = datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=2)
    jobs = scheduler.Scheduler(scheduler.jobs(), started_at=started)

    with django_capture_on_commit_callbacks(execute=True):
        jobs.tick(started)  # the interval jobs run at start; not the digest
        jobs.tick(started + timedelta(hours=1, minutes=59, seconds=59))
    assert mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        ran = jobs.tick(started + timedelta(hours=2))
    assert "digests" in ran
    assert [message.subject for message in mailoutbox] == ["Your daily update from the board"]

    # Once a day: not again until the same hour tomorrow.
    assert jobs.next_due["digests"] == started + timedelta(days=1, hours=2)


def test_a_digest_missed_while_the_machine_slept_goes_out_once_on_waking():
    started = datetime(2026, 3, 1, 6, tzinfo=UTC)
    job = scheduler.Job(name="digests", task="board.tasks.send_digests", schedule=crontab(0, 8))
    jobs = scheduler.Scheduler({"digests": job}, started_at=started)
    assert jobs.due(started + timedelta(hours=30)) == ["digests"]


def test_the_digest_hour_comes_from_the_environment():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(sorted(settings.CELERY_BEAT_SCHEDULE['digests']['schedule'].hour))"
    )
    env = {**os.environ, "BOARD_DIGEST_HOUR": "17", "DJANGO_SETTINGS_MODULE": "board.test_settings"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[17]"


def test_run_job_runs_one_job_by_hand(asker, mailoutbox, django_capture_on_commit_callbacks):
    help_request = _overdue_request(asker)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_job", "expiry")
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.EXPIRED
    assert mailoutbox[0].subject == "Your request has closed"


def test_run_job_names_the_jobs_when_asked_for_one_that_does_not_exist():
    with pytest.raises(CommandError, match="sweep, digests, resurface, expiry"):
        call_command("run_job", "everything")


# Transactional: the command manages its connection as a long-running process does
# (close_old_connections), which would close the test's own wrapping transaction.
# Serialized rollback, like every transactional test here: the database is left as
# the next one expects (a bare flush would re-create content types and clash).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_run_scheduler_once_runs_what_is_due(asker):
    help_request = _overdue_request(asker)
    call_command("run_scheduler", once=True)
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.EXPIRED
    assert Notification.objects.filter(
        kind=Notification.Kind.REQUEST_EXPIRED, state=Notification.State.SENT
    ).exists()


def test_a_failing_job_does_not_stop_the_others(monkeypatch, asker):
    help_request = _overdue_request(asker)

    def broken() -> None:
        raise RuntimeError("the sweeper broke")

    monkeypatch.setattr(delivery, "sweep", broken)
    now = timezone.now()
    jobs = scheduler.Scheduler(scheduler.jobs(), started_at=now)
    ran = jobs.tick(now)
    assert "sweep" in ran and "expiry" in ran
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.EXPIRED
    assert jobs.next_due["sweep"] > now
