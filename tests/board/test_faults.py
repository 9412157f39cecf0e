"""The web without Redis, and with a database that can't be reached.

Redis here is really unreachable: the cache points at a port nobody listens
on (refused at once) or at a socket that accepts and never answers (a hung
Redis). The database failure is simulated: a statement (the offer's notification,
inside the offer's transaction, or every one) raises the OperationalError of
a dropped connection. The integration tier (tests/integration/test_faults.py) does both for real.
"""

from __future__ import annotations

import html
import logging
import re
import socket
import time
from collections.abc import Callable, Iterator

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.urls import reverse
from rest_framework.test import APIClient

from board.cache import CircuitBreaker
from notifications.models import Notification
from requests.models import Offer

MESSAGE = "I went through something very like this last spring, and I would be glad to listen."


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _resilient_cache(location: str, retry_seconds: float = 5) -> dict:
    return {
        "default": {
            "BACKEND": "board.cache.ResilientRedisCache",
            "LOCATION": location,
            "OPTIONS": {"RETRY_SECONDS": retry_seconds},
        }
    }


@pytest.fixture
def redis_refused(settings) -> None:
    """The cache is Redis on a port where nothing listens."""
    settings.CACHES = _resilient_cache(f"redis://127.0.0.1:{_free_port()}/0")


@pytest.fixture
def redis_hung(settings) -> Iterator[None]:
    """The cache is a 'Redis' that accepts connections and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        port = listener.getsockname()[1]
        settings.CACHES = _resilient_cache(f"redis://127.0.0.1:{port}/0")
        yield


def _web_offer(client, help_request, message: str = MESSAGE, **headers):
    return client.post(
        reverse("requests:make_offer", args=[help_request.public_id]),
        {"message": message},
        **headers,
    )


def _api_offer(user, help_request, message: str = MESSAGE):
    client = APIClient()
    client.force_login(user)
    return client.post(
        f"/api/v1/requests/{help_request.public_id}/offers/", {"message": message}, format="json"
    )


# --- Redis unreachable ---------------------------------------------------------------


def test_it_makes_an_offer_on_the_web_form_with_redis_refusing(
    client, helper, help_request, redis_refused, caplog
):
    client.force_login(helper)
    with caplog.at_level(logging.WARNING, logger="board.cache"):
        response = _web_offer(client, help_request)

    offer = Offer.objects.get(request=help_request, helper=helper)
    assert response.status_code == 302
    assert response.url == offer.get_absolute_url()
    assert Notification.objects.filter(key=f"offer_received:{offer.public_id}").exists()
    assert "The cache (Redis) is unreachable" in caplog.text


def test_it_makes_an_offer_through_the_api_with_redis_refusing(helper, help_request, redis_refused):
    response = _api_offer(helper, help_request)

    assert response.status_code == 201, response.content
    assert Offer.objects.filter(request=help_request, helper=helper).exists()


def test_a_request_and_a_message_are_posted_with_redis_refusing(
    client, asker, offer, redis_refused
):
    from requests.models import Category, HelpRequest, Message

    client.force_login(asker)
    posted = client.post(
        reverse("requests:create"),
        {
            "title": "Help carrying boxes on Saturday",
            "body": "I am moving flats and could use a hand with a few heavy boxes.",
            "category": Category.objects.get(slug="practical-help").pk,
            "response_kind": "practical",
        },
    )
    written = client.post(offer.get_absolute_url(), {"body": "Thank you, that means a lot."})

    new_request = HelpRequest.objects.get(title="Help carrying boxes on Saturday")
    assert posted.status_code == 302
    assert posted.url == new_request.get_absolute_url()
    assert written.status_code == 302
    assert Message.objects.get(offer=offer).body == "Thank you, that means a lot."


def test_posting_limits_still_hold_in_this_process_while_redis_is_down(
    client, helper, settings, redis_refused
):
    """A local fallback, not failing open: each process keeps counting."""
    from tests.factories import HelpRequestFactory

    settings.BOARD_RATE_LIMITS = {**settings.BOARD_RATE_LIMITS, "offer": "2/h"}
    client.force_login(helper)
    statuses = [_web_offer(client, HelpRequestFactory()).status_code for _ in range(3)]

    assert statuses == [302, 302, 429]
    assert Offer.objects.filter(helper=helper).count() == 2


def test_the_api_posting_limits_still_count_while_redis_is_down(helper, settings, redis_refused):
    from tests.factories import HelpRequestFactory

    settings.BOARD_RATE_LIMITS = {**settings.BOARD_RATE_LIMITS, "offer": "2/h"}
    statuses = [_api_offer(helper, HelpRequestFactory()).status_code for _ in range(3)]

    assert statuses == [201, 201, 429]


def test_signing_in_with_redis_down_works_and_the_session_outlives_the_outage(
    client, db, settings, redis_refused
):
    """Sign-in limits fall back with the rest of the cache; the session itself
    is in the database, so Redis coming back (empty) signs nobody out."""
    from tests.factories import UserFactory

    UserFactory(email="kim@example.org")
    signed_in = client.post(
        reverse("account_login"), {"login": "kim@example.org", "password": "a-good-long-password"}
    )
    # Redis "back", empty: a fresh cache at another address.
    settings.CACHES = _resilient_cache(f"redis://127.0.0.1:{_free_port()}/1")
    mine = client.get(reverse("requests:mine"))

    assert signed_in.status_code == 302
    assert mine.status_code == 200


def test_a_hung_redis_costs_one_short_timeout_then_nothing(
    client, helper, help_request, redis_hung
):
    """The circuit breaker: after one timed-out call, requests skip Redis."""
    client.force_login(helper)
    started = time.monotonic()
    first = client.get(reverse("requests:board"))
    first_took = time.monotonic() - started
    started = time.monotonic()
    pages = [client.get(reverse("requests:board")).status_code for _ in range(5)]
    offer = _web_offer(client, help_request)
    rest_took = time.monotonic() - started

    assert first.status_code == 200
    assert pages == [200] * 5
    assert offer.status_code == 302
    # redis-py's default would be 5 s per call; ours is 0.5 s, once.
    assert first_took < 3, f"the first page took {first_took:.1f}s"
    assert rest_took < 3, f"six more requests took {rest_took:.1f}s"


def test_the_breaker_tries_redis_again_after_its_spell_and_closes_on_success():
    now = [100.0]
    breaker = CircuitBreaker(retry_seconds=5, clock=lambda: now[0])
    assert breaker.allow()

    breaker.failed(ConnectionError("refused"), "get")
    assert not breaker.allow()
    now[0] += 4.9
    assert not breaker.allow()
    now[0] += 0.2
    assert breaker.allow(), "one probe once the spell is over"
    assert not breaker.allow(), "only one probe at a time"
    breaker.succeeded()
    assert breaker.allow()
    assert breaker.allow()


# --- The database unavailable ------------------------------------------------------------


def _drop_database_when(monkeypatch, lost: Callable[[str], bool]) -> None:
    """Every statement for which `lost(sql)` is true fails as a dropped
    connection does (a restart terminating it, or no server to connect to)."""
    execute = CursorWrapper.execute

    def failing_execute(self, sql, params=None):
        if lost(sql):
            raise OperationalError("terminating connection due to administrator command")
        return execute(self, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", failing_execute)


@pytest.fixture
def database_drops(monkeypatch) -> None:
    """The connection drops inside make_offer's transaction, after the offer row
    was inserted, while its notification is written."""
    _drop_database_when(monkeypatch, lambda sql: sql.startswith('INSERT INTO "board_notification"'))


def _kept_form(page: str) -> dict[str, str]:
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
    for name, value in re.findall(
        r'<textarea[^>]* name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S
    ):
        fields[name] = value
    return {name: html.unescape(value) for name, value in fields.items()}


def test_the_web_form_answers_a_kind_503_keeping_every_word(
    client, helper, help_request, database_drops, monkeypatch
):
    client.force_login(helper)
    response = _web_offer(client, help_request)

    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "We couldn&#x27;t save this just now" in page or "We couldn't save this just now" in page
    assert html.escape(MESSAGE) in page
    # Nothing half-written: the offer row inserted before the drop was rolled back,
    # and the page says so (no commit was attempted, so that is certain).
    assert not Offer.objects.filter(request=help_request).exists()
    assert not Notification.objects.exists()
    assert "nothing was saved yet" in page
    assert "Try again" in page

    # "Try again" sends the same form to the same address, and now it works.
    monkeypatch.undo()
    action = re.search(r'<form method="post" action="([^"]+)"', page)[1]
    again = client.post(html.unescape(action), _kept_form(page))
    offer = Offer.objects.get(request=help_request, helper=helper)
    assert again.status_code == 302
    assert offer.message == MESSAGE


# Serialized rollback, like every transactional test here (see test_scheduler.py).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_when_the_commit_may_have_happened_the_page_says_so_and_offers_no_resend(
    client, helper, help_request, monkeypatch
):
    """The connection drops as the offer's COMMIT is sent: the server has it, the
    answer is lost. Before, the page said "nothing was saved yet" and its "Try
    again" posted the offer a second time."""
    real_commit = BaseDatabaseWrapper._commit

    def commit_then_drop(self):
        real_commit(self)
        raise OperationalError("server closed the connection unexpectedly")

    client.force_login(helper)
    monkeypatch.setattr(BaseDatabaseWrapper, "_commit", commit_then_drop)
    response = _web_offer(client, help_request, HTTP_REFERER=help_request.get_absolute_url())
    monkeypatch.undo()

    page = html.unescape(response.content.decode())
    assert response.status_code == 503
    # It was saved, in fact, and the page doesn't claim otherwise.
    assert Offer.objects.filter(request=help_request, helper=helper).count() == 1
    assert "nothing was saved" not in page
    assert "This may have been saved" in page
    assert "please check whether it is already there" in page
    assert f'<a href="{help_request.get_absolute_url()}">Check the page you were on</a>' in page
    # What they typed is there to copy, but nothing sends it again.
    assert MESSAGE in page
    assert "<form" not in page
    assert "Try again" not in page
    assert "<button" not in page


def test_a_page_that_cannot_read_the_database_is_a_kind_503(client, db, monkeypatch):
    _drop_database_when(monkeypatch, lambda sql: True)
    response = client.get(reverse("requests:board"))
    monkeypatch.undo()

    page = response.content.decode()
    assert response.status_code == 503
    assert "open this page just now" in page
    assert "<form" not in page


def test_the_api_answers_503_in_the_usual_error_shape(helper, help_request, database_drops):
    response = _api_offer(helper, help_request)

    assert response.status_code == 503
    assert response["Retry-After"]
    body = response.json()
    assert body["type"] == "server_error"
    assert [error["code"] for error in body["errors"]] == ["database_unavailable"]
    assert not Offer.objects.filter(request=help_request).exists()


def test_the_503_page_never_writes_a_password_back(client, db, monkeypatch):
    _drop_database_when(monkeypatch, lambda sql: True)
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new.person@example.org",
            "display_name": "New Person Who Types Slowly",
            "password1": "correct horse battery staple",
            "password2": "correct horse battery staple",
        },
    )
    monkeypatch.undo()

    page = response.content.decode()
    assert response.status_code == 503
    assert "New Person Who Types Slowly" in page
    assert "correct horse" not in page
