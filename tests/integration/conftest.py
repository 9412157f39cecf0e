"""The integration tier: a real Redis broker, a real Celery worker process, a real
SMTP server (aiosmtpd) and PostgreSQL.

The worker is a subprocess running the production settings (`board.settings`)
against the pytest-django test database, so tests must commit what it should
see (`transactional_db`). Mail goes over SMTP to an aiosmtpd server in this
process, which records every message. For these tests only, the Celery app of
this process is pointed at the same Redis database as the worker, with eager
execution off, and put back afterwards.

Tests that break things (stop Redis, kill a worker) start a stack of their own
instead (`own_stack`): a redis-server on a free port, workers and Celery beat.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import tiers
from tests.support import processes
from tests.support.integration import service_env, url_of_database
from tests.support.processes import Process, RedisServer, free_port
from tests.support.smtp import RecordingHandler, running_smtp_server

WORKER_READY_SECONDS = processes.READY_SECONDS


# --- Waiting -----------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def integration_tier():
    """Skip the tier here, or fail it in CI, when a service is missing. Session
    scoped and autouse, so it runs before the test database is set up."""
    problem = tiers.integration_problem()
    if problem:
        tiers.unavailable(tiers.INTEGRATION, problem)


@pytest.fixture(scope="package")
def smtp_server(integration_tier):
    with running_smtp_server(RecordingHandler()) as controller:
        yield controller


@pytest.fixture
def smtp(smtp_server) -> RecordingHandler:
    """The SMTP server's recorder, emptied for this test."""
    handler = smtp_server.handler
    handler.reset()
    yield handler
    handler.reset()


# --- Redis and the worker ------------------------------------------------------------


@pytest.fixture(scope="package")
def integration_redis_url(integration_tier) -> str:
    """The tier's own Redis database, flushed so no stale task is delivered."""
    import redis

    url = tiers.integration_redis_url()
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()
    return url


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
def celery_worker(request, django_db_setup, smtp_server, integration_redis_url, tmp_path_factory):
    """`celery -A board worker --pool=solo` on the test database, with the
    production settings, sending to the SMTP server above."""
    from django.conf import settings

    database_url = url_of_database(settings.DATABASES["default"])
    log_dir = tmp_path_factory.mktemp("celery-worker")
    log_path = log_dir / "worker.log"
    env = service_env(
        database_url=database_url,
        redis_url=integration_redis_url,
        smtp_port=smtp_server.port,
        var_dir=log_dir / "var",
    )
    process = processes.spawn(
        "worker",
        processes.worker_command(f"integration-tier-{os.getpid()}@%h"),
        env=env,
        directory=log_dir,
    ).process
    worker = Worker(process, log_path, integration_redis_url, database_url)
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


def _stop(process) -> None:
    Process("worker", process, Path()).stop(grace=15)


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


@contextlib.contextmanager
def tasks_queued_to(broker_url: str):
    """This process's Celery app queues tasks to `broker_url` instead of running
    them in-process, until the block ends."""
    from board.celery import app

    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=broker_url)
    _drop_producer_pool(app)
    try:
        yield
    finally:
        app.conf.update(saved)
        _drop_producer_pool(app)


@pytest.fixture
def worker(celery_worker, database_kept, transactional_db):
    """For one test: this process queues tasks to the worker's Redis instead of
    running them in-process; put back afterwards. Data must be committed, hence
    `transactional_db`."""
    if not celery_worker.alive():
        pytest.fail(f"the Celery worker has died:\n{celery_worker.log()}")
    with tasks_queued_to(celery_worker.redis_url):
        yield celery_worker


# --- A stack of the test's own: redis-server, workers and beat -------------------------


def _ready(process: Process, ready: Callable[[], object]) -> None:
    try:
        process.wait_ready(ready, timeout=WORKER_READY_SECONDS)
    except (TimeoutError, RuntimeError) as exc:
        pytest.fail(f"{exc}\n{process.log()}")


class Stack:
    """A redis-server of this test's own on a free port (nothing on disk, so a
    restart comes back empty, every queued task lost), with Celery workers and
    beat against it, the test database and the SMTP server. The machine's
    Redis is never touched. Every process is stopped by `stop_all`."""

    def __init__(self, *, directory: Path, env: dict[str, str], redis_port: int) -> None:
        self.directory = directory
        self.redis_port = redis_port
        self.env = env
        self.processes: list[Process] = []
        self.redis_server = RedisServer(port=redis_port, directory=directory)

    @property
    def redis_url(self) -> str:
        return self.redis_server.url()

    @property
    def redis(self) -> Process | None:
        return self.redis_server.process

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> Process:
        process = processes.spawn(name, command, env=env, directory=self.directory)
        self.processes.append(process)
        return process

    # Redis

    def redis_up(self) -> bool:
        return self.redis_server.up()

    def start_redis(self) -> None:
        """Start (or start again, on the same port) the test's redis-server."""
        try:
            process = self.redis_server.start()
        except (TimeoutError, RuntimeError) as exc:
            pytest.fail(str(exc))
        if process not in self.processes:
            self.processes.append(process)

    def stop_redis(self) -> None:
        """Kill the test's redis-server, as a crash would (its data is lost)."""
        self.redis_server.kill()

    # Celery

    def start_worker(self, name: str, *, as_in_readme: bool = False) -> Process:
        """A lean worker (one process, no gossip, mingle or heartbeat), or with
        `as_in_readme` the worker the README runs: a prefork pool with gossip,
        mingle and heartbeats, on Celery's event loop."""
        command = processes.worker_command(f"{name}-{os.getpid()}@%h", solo=not as_in_readme)
        process = self._spawn(name, command, self.env)
        _ready(process, lambda: process.count(" ready.") > 0)
        return process

    def start_supervised_worker(self, name: str) -> Process:
        """The lean worker under deploy/keep_running.py (as the Procfile runs
        it), with a fixed node name, as a supervisor restarts it."""
        command = [sys.executable, "deploy/keep_running.py", "--"]
        command += processes.worker_command(f"{name}@%h")
        process = self._spawn(name, command, self.env)
        _ready(process, lambda: process.count(" ready.") > 0)
        return process

    def start_beat(self) -> Process:
        """Celery beat with the production schedule (the outbox sweeper every
        BOARD_SWEEP_SECONDS), as a process of its own, as in production."""
        command = processes.celery_command("beat", "--loglevel=INFO")
        command += ["--schedule", str(self.directory / "celerybeat-schedule")]
        process = self._spawn("beat", command, self.env)
        _ready(process, lambda: process.count("beat: Starting") > 0)
        return process

    def stop_all(self) -> None:
        """Workers and beat first (a warm shutdown needs the broker), Redis last.
        Every process is stopped even if stopping one of them fails."""
        errors = []
        for process in sorted(self.processes, key=lambda process: process.name == "redis"):
            try:
                process.stop(grace=2 if process.name == "redis" else 10)
            except Exception as exc:  # the others must still be stopped
                errors.append(f"{process.name}: {exc!r}")
        if errors:
            pytest.fail(f"could not stop every process: {errors}")

    def logs(self) -> list[tuple[str, str]]:
        sections = []
        for process in self.processes:
            state = "running" if process.alive() else f"exited {process.process.returncode}"
            sections.append((f"{process.name} log ({state}, last 200 lines)", process.log()))
        return sections


STACKS_KEY = pytest.StashKey[list[Stack]]()


@pytest.fixture
def own_stack(request, smtp_server, database_kept, transactional_db, tmp_path):
    """Start a `Stack` of the test's own: `own_stack(BOARD_SWEEP_SECONDS="2", ...)`
    starts its redis-server and points this process's Celery app at it; the test
    starts the workers and beat it needs. All of it is stopped afterwards, before
    the test's data is flushed."""
    from django.conf import settings

    stacks: list[Stack] = []
    request.node.stash[STACKS_KEY] = stacks
    database_url = url_of_database(settings.DATABASES["default"])

    with contextlib.ExitStack() as cleanup:

        def start(**board: str) -> Stack:
            assert not stacks, "one stack per test"
            directory = tmp_path / "stack"
            directory.mkdir()
            port = free_port()
            env = service_env(
                database_url=database_url,
                redis_url=f"redis://127.0.0.1:{port}/0",
                smtp_port=smtp_server.port,
                var_dir=directory / "var",
                **board,
            )
            stack = Stack(directory=directory, env=env, redis_port=port)
            stacks.append(stack)
            cleanup.callback(stack.stop_all)
            stack.start_redis()
            cleanup.enter_context(tasks_queued_to(stack.redis_url))
            return stack

        yield start


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing integration test shows the worker's log under its traceback (and
    the logs of its own stack's processes)."""
    report = yield
    if report.failed:
        worker = item.config.stash.get(WORKER_KEY, None)
        if worker is not None:
            state = "running" if worker.alive() else f"exited {worker.process.returncode}"
            report.sections.append((f"celery worker log ({state}, last 200 lines)", worker.log()))
        for stack in item.stash.get(STACKS_KEY, []):
            report.sections.extend(stack.logs())
    return report
