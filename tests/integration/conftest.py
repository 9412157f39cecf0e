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

import asyncio
import contextlib
import email
import email.policy
import os
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
from tests.support import processes
from tests.support.processes import Process, RedisServer, board_env, free_port

WORKER_READY_SECONDS = processes.READY_SECONDS
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
    the next DATA (or RCPT) commands with an error (e.g. a transient 451, a
    permanent 554 or 550), or to hold the next DATA command without answering
    until `release` is set (a send stalled mid-way, for killing its worker).
    With `accept_after_stall`, the held message is accepted once released (a
    slow server that does take it), instead of refused."""

    messages: list[Received] = field(default_factory=list)
    data_attempts: int = 0
    rcpt_attempts: int = 0
    fail_next: list[str] = field(default_factory=list)
    refuse_rcpt_next: list[str] = field(default_factory=list)
    stall_next: bool = False
    accept_after_stall: bool = False
    # Set once a DATA command is being held; `release` ends the hold.
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self.data_attempts = 0
            self.rcpt_attempts = 0
            self.fail_next.clear()
            self.refuse_rcpt_next.clear()
            self.stall_next = False
            self.accept_after_stall = False
            self.stalled = threading.Event()
            # A DATA command still held by a previous test ends now.
            self.release.set()
            self.release = threading.Event()

    def received(self) -> list[Received]:
        with self.lock:
            return list(self.messages)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        with self.lock:
            self.rcpt_attempts += 1
            if self.refuse_rcpt_next:
                return self.refuse_rcpt_next.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.data_attempts += 1
            stall, self.stall_next = self.stall_next, False
            if not stall:
                if self.fail_next:
                    return self.fail_next.pop(0)
                parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
                self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
                return "250 Message accepted for delivery"
            stalled, release = self.stalled, self.release
        # Held without an answer: the client's worker may be killed meanwhile
        # (aiosmtpd then cancels this), or the broker stopped.
        stalled.set()
        while not release.is_set():
            await asyncio.sleep(0.05)
        with self.lock:
            if self.accept_after_stall:
                parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
                self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
                return "250 Message accepted for delivery"
        return "451 4.4.2 The sender went away before this message was accepted"


@pytest.fixture(scope="session", autouse=True)
def integration_tier():
    """Skip the tier here, or fail it in CI, when a service is missing. Session
    scoped and autouse, so it runs before the test database is set up."""
    problem = tiers.integration_problem()
    if problem:
        tiers.unavailable(tiers.INTEGRATION, problem)


@pytest.fixture(scope="package")
def smtp_server(integration_tier):
    from aiosmtpd.controller import Controller

    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
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


def _database_url(settings_dict: dict) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


def service_env(
    *, database_url: str, redis_url: str, smtp_port: int, var_dir: Path, **board: str
) -> dict[str, str]:
    """The environment of a Celery (or web) process of this tier: the production
    settings on the test database, this Redis, the SMTP server above. `board`
    adds or overrides settings (BOARD_SWEEP_SECONDS="2"...)."""
    return board_env(
        database_url=database_url,
        redis_url=redis_url,
        smtp_port=smtp_port,
        var_dir=var_dir,
        site_url=SITE_URL,
        # Closed after every task, so the test's flush between tests never waits.
        **{"DATABASE_CONN_MAX_AGE": "0", **board},
    )


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

    database_url = _database_url(settings.DATABASES["default"])
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


class TcpProxy:
    """A TCP proxy on a free port in front of `upstream` (PostgreSQL), for a
    database outage seen from a worker without touching the machine's
    PostgreSQL: `down()` drops every connection through it and refuses new
    ones, as a restarting server does; `up()` serves again on the same port."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.up()

    def up(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, []
        if listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone
            # would leave the port listening until it returned.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # closed by down()
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def url(self, database_url: str) -> str:
        """`database_url` through this proxy."""
        host, port = self.upstream
        return database_url.replace(f"@{host}:{port}/", f"@127.0.0.1:{self.port}/", 1)


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
    database_url = _database_url(settings.DATABASES["default"])

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
