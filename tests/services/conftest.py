"""The services tier: a real Redis broker, a real Celery worker process, a real
SMTP server (aiosmtpd) and PostgreSQL.

The worker is a subprocess running the production settings (`board.settings`)
against the pytest-django test database, so tests must commit what it should
see (`transactional_db`). Mail goes over SMTP to an aiosmtpd server in this
process, which records every message. For these tests only, the Celery app of
this process is pointed at the same Redis database as the worker, with eager
execution off, and put back afterwards.
"""

from __future__ import annotations

import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import pytest

from tests import tiers

PROJECT_DIR = Path(__file__).resolve().parents[2]
WORKER_READY_SECONDS = 60
DEADLINE_SECONDS = 20
SITE_URL = "http://testserver"


# --- Waiting -----------------------------------------------------------------------


def wait_for(predicate: Callable[[], object], what: str, timeout: float = DEADLINE_SECONDS):
    """Poll `predicate` until it returns something truthy, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout}s waiting for {what}")
        time.sleep(0.05)


# --- SMTP --------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class RecordingHandler:
    """An aiosmtpd handler that keeps every message, and can be told to answer
    the next DATA commands with an error (e.g. a transient 451)."""

    messages: list[Received] = field(default_factory=list)
    data_attempts: int = 0
    fail_next: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self.data_attempts = 0
            self.fail_next.clear()

    def received(self) -> list[Received]:
        with self.lock:
            return list(self.messages)

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.data_attempts += 1
            if self.fail_next:
                return self.fail_next.pop(0)
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session", autouse=True)
def services_tier():
    """Skip the tier here, or fail it in CI, when a service is missing. Session
    scoped and autouse, so it runs before the test database is set up."""
    problem = tiers.services_problem()
    if problem:
        tiers.unavailable(tiers.SERVICES, problem)


@pytest.fixture(scope="package")
def smtp_server(services_tier):
    from aiosmtpd.controller import Controller

    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@pytest.fixture
def smtp(smtp_server) -> RecordingHandler:
    """The SMTP server's recorder, emptied for this test."""
    handler = smtp_server.handler
    handler.reset()
    yield handler
    handler.reset()


# --- Redis and the worker ------------------------------------------------------------


@pytest.fixture(scope="package")
def services_redis_url(services_tier) -> str:
    """The tier's own Redis database, flushed so no stale task is delivered."""
    import redis

    url = tiers.services_redis_url()
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()
    return url


def _database_url(settings_dict: dict) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path
    redis_url: str
    database_url: str

    def log(self, lines: int = 200) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"(no worker log: {exc})"
        return "\n".join(text.splitlines()[-lines:])

    def alive(self) -> bool:
        return self.process.poll() is None


WORKER_KEY = pytest.StashKey[Worker]()


@pytest.fixture(scope="package")
def celery_worker(request, django_db_setup, smtp_server, services_redis_url, tmp_path_factory):
    """`celery -A board worker --pool=solo` on the test database, with the
    production settings, sending to the SMTP server above."""
    from django.conf import settings

    database_url = _database_url(settings.DATABASES["default"])
    log_dir = tmp_path_factory.mktemp("celery-worker")
    log_path = log_dir / "worker.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "DATABASE_", "EMAIL_", "REDIS_", "BOARD_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="board.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="services-tier-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        DJANGO_ALLOWED_HOSTS="testserver,localhost,127.0.0.1",
        DATABASE_URL=database_url,
        # Closed after every task, so the test's flush between tests never waits.
        DATABASE_CONN_MAX_AGE="0",
        REDIS_URL=services_redis_url,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_server.port),
        EMAIL_USE_TLS="false",
        EMAIL_USE_SSL="false",
        EMAIL_TIMEOUT="10",
        SITE_URL=SITE_URL,
        BOARD_RETRY_BASE_SECONDS="1",
        BOARD_VAR_DIR=str(log_dir / "var"),
        PYTHONUNBUFFERED="1",
    )
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "board",
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--hostname",
        f"services-tier-{os.getpid()}@%h",
    ]
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    worker = Worker(process, log_path, services_redis_url, database_url)
    request.config.stash[WORKER_KEY] = worker
    try:
        deadline = time.monotonic() + WORKER_READY_SECONDS
        while " ready." not in worker.log(lines=10_000):
            if not worker.alive():
                pytest.fail(
                    f"the Celery worker exited with {process.returncode} before it was ready:\n"
                    f"{worker.log()}"
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the Celery worker was not ready after {WORKER_READY_SECONDS}s:\n"
                    f"{worker.log()}"
                )
            time.sleep(0.1)
        yield worker
    finally:
        _stop(process)
        del request.config.stash[WORKER_KEY]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # warm shutdown: finish the current task
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _drop_producer_pool(app) -> None:
    """Close and forget the connections made for the previous broker URL
    (kombu keeps its pools globally, keyed by connection)."""
    from kombu import pools

    pools.reset()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture(scope="package")
def database_kept(django_db_setup, django_db_blocker):
    with tiers.database_content_kept(django_db_blocker):
        yield


@pytest.fixture
def worker(celery_worker, database_kept, transactional_db):
    """For one test: this process queues tasks to the worker's Redis instead of
    running them in-process; put back afterwards. Data must be committed, hence
    `transactional_db`."""
    from board.celery import app

    if not celery_worker.alive():
        pytest.fail(f"the Celery worker has died:\n{celery_worker.log()}")
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=celery_worker.redis_url)
    _drop_producer_pool(app)
    try:
        yield celery_worker
    finally:
        app.conf.update(saved)
        _drop_producer_pool(app)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing services test shows the worker's log under its traceback."""
    report = yield
    if report.failed:
        worker = item.config.stash.get(WORKER_KEY, None)
        if worker is not None:
            state = "running" if worker.alive() else f"exited {worker.process.returncode}"
            report.sections.append((f"celery worker log ({state}, last 200 lines)", worker.log()))
    return report
