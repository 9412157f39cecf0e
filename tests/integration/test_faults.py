"""The web front through real faults: Redis gone while people make offers, and
PostgreSQL restarting or down under gunicorn.

Redis: a stack of the test's own (`own_stack`), with the production cache
backend on that redis-server, so the board's posting limits and the API
throttles really talk to the Redis that is killed.

PostgreSQL: a throwaway cluster of the test's own on a free port (initdb as
the postgres user), migrated, with gunicorn serving the production settings
against it. It is restarted and stopped at will; the machine's PostgreSQL is
never touched.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.cache import caches
from django.urls import reverse
from rest_framework.test import APIClient

from notifications.models import Notification
from requests.models import Offer
from tests.factories import HelpRequestFactory, UserFactory
from tests.support import processes
from tests.support.integration import service_env, wait_for
from tests.support.processes import PostgresCluster, free_port

pytestmark = [pytest.mark.integration]

DEADLINE = 60
SWEEPER = {
    "BOARD_SWEEP_SECONDS": "2",
    "BOARD_SWEEP_GRACE_SECONDS": "2",
    "BOARD_RETRY_BASE_SECONDS": "1",
}
MESSAGE = "I have been where you are, and I would be glad to listen whenever you like."

State = Notification.State


# --- Redis down while people make offers ---------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_offers_made_on_the_web_and_api_while_redis_is_down_succeed_and_are_emailed_once(
    client, smtp, own_stack, settings, caplog
):
    stack = own_stack(**SWEEPER)
    worker = stack.start_worker("worker")
    stack.start_beat()
    # The production cache, on the stack's Redis: limits and throttles count there.
    settings.CACHES = {
        "default": {
            "BACKEND": "board.cache.ResilientRedisCache",
            "LOCATION": stack.redis_url,
            "OPTIONS": {"RETRY_SECONDS": 1},
        }
    }
    asker = UserFactory(email="asker.faults@example.org")
    web_helper, api_helper = UserFactory(), UserFactory()
    first, second = HelpRequestFactory(author=asker), HelpRequestFactory(author=asker)
    client.force_login(web_helper)
    api = APIClient()
    api.force_login(api_helper)
    # Warm: the limits really are counted in Redis before it goes.
    assert client.get(reverse("requests:board")).status_code == 200

    stack.stop_redis()
    wait_for(
        lambda: worker.count("Connection to broker lost") or worker.count("Cannot connect to"),
        "the worker to notice that Redis is gone",
        timeout=DEADLINE,
    )
    with caplog.at_level(logging.WARNING):
        started = time.monotonic()
        web = client.post(
            reverse("requests:make_offer", args=[first.public_id]), {"message": MESSAGE}
        )
        through_api = api.post(
            f"/api/v1/requests/{second.public_id}/offers/", {"message": MESSAGE}, format="json"
        )
        took = time.monotonic() - started

    web_offer = Offer.objects.get(request=first, helper=web_helper)
    api_offer = Offer.objects.get(request=second, helper=api_helper)
    assert web.status_code == 302
    assert web.url == web_offer.get_absolute_url()
    assert through_api.status_code == 201, through_api.content
    assert through_api.json()["id"] == api_offer.public_id
    assert "The cache (Redis) is unreachable" in caplog.text
    assert took < 10, f"two offers took {took:.1f}s with Redis down"
    keys = {f"offer_received:{offer.public_id}" for offer in (web_offer, api_offer)}
    rows = Notification.objects.filter(key__in=keys)
    assert sorted(rows.values_list("state", flat=True)) == [State.QUEUED, State.QUEUED]
    assert smtp.received() == []

    # Redis back (empty): the sweeper queues both, each is emailed once.
    stack.start_redis()
    wait_for(lambda: rows.filter(state=State.SENT).count() == 2, "both emails", timeout=DEADLINE)
    sweeps = worker.count("sweep_outbox")
    wait_for(lambda: worker.count("sweep_outbox") >= sweeps + 4, "two more sweeps", DEADLINE)
    received = [message.message["Message-ID"] for message in smtp.received()]
    assert len(received) == 2, received
    assert len(set(received)) == 2
    # And the cache is Redis again once it answers.
    assert client.get(reverse("requests:board")).status_code == 200
    assert not caches["default"].breaker.is_open


# --- PostgreSQL restarting or down under gunicorn ------------------------------------------

SEED = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from accounts.tokens import create_api_token
from tests.factories import HelpRequestFactory, UserFactory
asker = UserFactory(email="asker.pg@example.org")
helper = UserFactory(email="helper.pg@example.org")
requests = [HelpRequestFactory(author=asker).public_id for _ in range(6)]
_, token = create_api_token(user=helper, name="faults")
web_helper = UserFactory(email="web.helper.pg@example.org")
session = SessionStore()
session[SESSION_KEY] = str(web_helper.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = web_helper.get_session_auth_hash()
session.create()
print(json.dumps({"requests": requests, "token": token, "session": session.session_key}))
"""


@dataclass
class Web:
    cluster: PostgresCluster
    gunicorn: processes.Process
    url: str
    requests: list[str]
    token: str
    session: str

    def api_offer(self, public_id: str, message: str = MESSAGE) -> tuple[int, dict, str]:
        request = urllib.request.Request(  # noqa: S310 (our own http://127.0.0.1 server)
            f"{self.url}/api/v1/requests/{public_id}/offers/",
            data=json.dumps({"message": message}).encode(),
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
            method="POST",
        )
        return _send(request)

    def web_offer(
        self, public_id: str, message: str = MESSAGE, session: str = ""
    ) -> tuple[int, dict, str]:
        """The web form, as a browser with a session and a CSRF cookie sends it
        (a made-up session unless `session` is given)."""
        csrf = secrets.token_hex(16)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "message": message})
        request = urllib.request.Request(  # noqa: S310
            f"{self.url}/requests/{public_id}/offer/",
            data=body.encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf}; sessionid={session or secrets.token_hex(16)}",
            },
            method="POST",
        )
        return _send(request)

    def get(self, path: str) -> int:
        return _send(urllib.request.Request(f"{self.url}{path}"))[0]  # noqa: S310


def _send(request: urllib.request.Request) -> tuple[int, dict, str]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def web_on_own_postgres(smtp_server, tmp_path) -> Iterator[Web]:
    """gunicorn (one worker, so one persistent connection) on a throwaway
    PostgreSQL cluster, migrated and seeded."""
    problem = processes.postgres_problem()
    if problem:
        pytest.skip(f"no throwaway PostgreSQL cluster: {problem}")
    cluster = PostgresCluster(port=free_port())
    try:
        cluster.start()
        database_url = cluster.create_database("board_faults")
        env = service_env(
            database_url=database_url,
            redis_url="",
            smtp_port=smtp_server.port,
            var_dir=tmp_path / "var",
            DATABASE_CONN_MAX_AGE="600",
            DATABASE_CONNECT_RETRY_SECONDS="5",
            DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        )
        processes.prepare_web(env)
        seeded = processes.manage(env, "shell", "-c", SEED)
        seed = json.loads(seeded.strip().splitlines()[-1])
        port = free_port()
        gunicorn = processes.start_gunicorn(port=port, env=env, directory=tmp_path, workers=1)
        try:
            yield Web(
                cluster,
                gunicorn,
                f"http://127.0.0.1:{port}",
                seed["requests"],
                seed["token"],
                seed["session"],
            )
        finally:
            gunicorn.stop()
    finally:
        cluster.remove()


def test_a_request_after_a_postgresql_restart_gets_a_fresh_connection(web_on_own_postgres):
    web = web_on_own_postgres
    status, _, body = web.api_offer(web.requests[0])
    assert status == 201, body
    assert web.get("/") == 200  # the worker's connection is now kept open

    web.cluster.restart()  # terminates that connection
    status, _, body = web.api_offer(web.requests[1])
    assert status == 201, body
    assert web.get("/") == 200
    assert "Internal Server Error" not in web.gunicorn.log(lines=10_000)


def test_a_request_arriving_while_postgresql_restarts_waits_for_it(web_on_own_postgres):
    web = web_on_own_postgres
    assert web.get("/") == 200
    web.cluster.stop()
    # Back in 1.5 s, well within DATABASE_CONNECT_RETRY_SECONDS.
    starter = threading.Timer(1.5, web.cluster.start)
    starter.start()
    try:
        status, _, body = web.api_offer(web.requests[2])
    finally:
        starter.join()
    assert status == 201, body
    assert web.get("/") == 200


def test_with_postgresql_down_a_person_gets_a_kind_503_with_their_words(web_on_own_postgres):
    web = web_on_own_postgres
    assert web.get("/") == 200
    web.cluster.stop()

    status, headers, page = web.web_offer(web.requests[3])
    api_status, api_headers, api_body = web.api_offer(web.requests[3])
    board_status = web.get("/")
    web.cluster.start()

    assert status == 503
    assert headers.get("Retry-After")
    assert "We couldn" in page
    assert html.escape(MESSAGE) in page
    assert api_status == 503
    assert api_headers.get("Retry-After")
    assert json.loads(api_body)["errors"][0]["code"] == "database_unavailable"
    assert board_status == 503
    # Nothing was half-written: the offer does not exist once the database is back.
    status, _, body = web.api_offer(web.requests[3])
    assert status == 201, body
    assert "Internal Server Error" not in web.gunicorn.log(lines=10_000)


def _blocked_on_a_lock(cluster: PostgresCluster) -> bool:
    import psycopg

    with psycopg.connect(cluster.url("board_faults"), autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        ).fetchone()
    return bool(row and row[0])


@pytest.mark.parametrize("channel", ["web", "api"])
def test_an_offer_cut_off_by_a_postgresql_restart_is_made_once_not_a_5xx(
    web_on_own_postgres, channel
):
    """The offer's transaction is waiting (on a row lock held here) when the
    server restarts and terminates it: nothing was committed, so the board runs
    it again on a new connection, and the person sees their offer made."""
    import psycopg

    web = web_on_own_postgres
    public_id = web.requests[4 if channel == "web" else 5]
    assert web.get("/") == 200
    holder = psycopg.connect(web.cluster.url("board_faults"))
    holder.execute(
        "SELECT 1 FROM requests_helprequest WHERE public_id = %s FOR UPDATE", [public_id]
    )
    answers: list[tuple[int, dict, str]] = []
    offer = (
        (lambda: web.web_offer(public_id, session=web.session))
        if channel == "web"
        else (lambda: web.api_offer(public_id))
    )
    person = threading.Thread(target=lambda: answers.append(offer()))
    person.start()
    try:
        wait_for(lambda: _blocked_on_a_lock(web.cluster), "the offer to wait on the lock")
        web.cluster.restart()  # terminates the holder and the offer's transaction
    finally:
        person.join(timeout=60)
        with contextlib.suppress(psycopg.Error):
            holder.close()

    [(status, headers, body)] = answers
    if channel == "web":
        assert status == 302, body
        assert "/offers/" in headers["Location"]
    else:
        assert status == 201, body
    log = web.gunicorn.log(lines=10_000)
    assert "again on a new database connection" in log
    with psycopg.connect(web.cluster.url("board_faults")) as connection:
        offers = connection.execute(
            "SELECT count(*) FROM requests_offer o JOIN requests_helprequest r "
            "ON o.request_id = r.id WHERE r.public_id = %s",
            [public_id],
        ).fetchone()[0]
    assert offers == 1
