"""Asking is normal here: public figures, computed by a job, shown only above a threshold."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from notifications.models import Notification
from notifications.services import set_preferences
from stories import figures, services
from tests.factories import UserFactory
from tests.support.personas import busy_month, resolved

ASKED = "people asked for help this month."


def test_figures_show_from_ten_people(client, db):
    busy_month(10)
    call_command("run_job", "figures")
    page = client.get(reverse("requests:board")).content.decode()
    assert "Asking is normal here" in page
    assert "people asked for help this month." in page
    assert "About 100% of the people who offered help have asked for help themselves." in page
    assert (
        "About 100% of the people who offered help"
        in client.get(reverse("how_it_works")).content.decode()
    )


def test_no_figure_rests_on_fewer_than_ten_people(client, db):
    busy_month(4)
    call_command("run_job", "figures")
    page = client.get(reverse("requests:board")).content.decode()
    assert "Asking is normal here" not in page
    assert figures.shown() == []
    stored = figures.latest()
    assert stored["helpers_who_asked"]["people"] == 4


def test_the_threshold_is_never_below_ten(settings, db):
    settings.BOARD_FIGURES_MIN_PEOPLE = 3
    busy_month(4)  # 8 askers, 4 helpers: above 3, below 10
    figures.compute()
    assert figures.shown() == []


def test_the_median_wait_is_rounded_to_hours(db):
    busy_month(10)
    result = figures.compute()
    assert result["median_hours_to_offer"] == {"value": 2, "people": 10}
    assert "within 2 hours" in " ".join(figures.shown())


def test_pages_never_count_live(client, db, django_assert_num_queries):
    busy_month(10)
    figures.compute()
    client.get(reverse("how_it_works"))
    # Cached: the how-it-works page reads nothing at all.
    with django_assert_num_queries(0):
        assert client.get(reverse("how_it_works")).status_code == 200
    # An empty cache reads the last snapshot (one row), not the tables.
    cache.clear()
    with django_assert_num_queries(1):
        assert client.get(reverse("how_it_works")).status_code == 200


def test_the_job_is_in_the_beat_schedule(settings):
    assert settings.CELERY_BEAT_SCHEDULE["figures"]["task"] == "stories.tasks.compute_figures"
    assert (
        settings.CELERY_BEAT_SCHEDULE["gentle_notes"]["task"] == "stories.tasks.send_gentle_notes"
    )


# --- The gentle note to helpers -----------------------------------------------------------


def _helped(helper, times: int) -> None:
    for _ in range(times):
        resolved(UserFactory(), helper)


def test_a_frequent_helper_gets_the_gentle_note_once(helper, mailoutbox, settings):
    settings.BOARD_GENTLE_NOTE_AFTER = 3
    _helped(helper, 2)
    assert services.send_gentle_notes() == 0
    _helped(helper, 1)
    assert services.send_gentle_notes() == 1
    assert services.send_gentle_notes() == 0
    [row] = Notification.objects.filter(kind="can_ask_too")
    assert row.recipient == helper and row.delivery == "digest"


def test_the_gentle_note_is_off_by_a_preference(helper, settings):
    settings.BOARD_GENTLE_NOTE_AFTER = 1
    set_preferences(user=helper, choices={"can_ask_too": "never"})
    _helped(helper, 2)
    assert services.send_gentle_notes() == 0
    assert not Notification.objects.filter(kind="can_ask_too").exists()


@pytest.mark.parametrize("job", ["figures", "gentle_notes"])
def test_the_jobs_run_by_hand(db, job):
    call_command("run_job", job)
