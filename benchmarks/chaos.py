"""The reliability run (`make chaos`): offers made while the pipeline is broken.

Real people make offers (`requests.services.make_offer`, one transaction each,
at a steady pace) while, on a script:

- Redis (the broker) is killed and restarted empty, so every task queued
  before the stop is gone and every offer made meanwhile cannot be queued;
- the Celery worker's whole process group is SIGKILLed mid-work, and a new
  worker is started a few seconds later;
- the SMTP server answers a share of DATA commands with a transient
  `451 4.3.0 try again later`, throughout.

Everything is real: a scratch PostgreSQL database (`board_chaos`, dropped and
created again each run, kept afterwards for inspection), a redis-server of this
run's own (port 6391, nothing on disk; the machine's Redis on 6379 is never
touched), an aiosmtpd server in this process that records every accepted
message, a prefork Celery worker and Celery beat (which runs the outbox
sweeper) as subprocesses with the production settings.

When the offers are made, the run waits for every offer_received row to be
`sent` or `failed`, then compares the Message-IDs the SMTP server received
with the ones expected (`board.notifications.message_id(row)`): an email is
*lost* if it never arrived and its row was not marked failed (a failed row is
visible to staff, who can send it again). It prints a table, writes
var/chaos/result.json, and exits non-zero if anything was lost or an offer
failed.

    .venv/bin/python -m benchmarks.chaos [--offers 1000] [--redis-outage 30]
        [--smtp-failure-rate 0.5] [--seed 1] [--timeout 300]

Logs of every process are under var/chaos/.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import itertools
import json
import logging
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from email.parser import BytesHeaderParser
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
CHAOS_DIR = PROJECT_DIR / "var" / "chaos"
DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"

# Short timings so the run finishes in minutes (production: 30, 60, 60, 300).
# BOARD_STUCK_AFTER_SECONDS (30) is shorter than the task time limit (90s) for
# this run only: a send still going after 30s would be taken for a dead one and
# sent again. Here every send takes milliseconds, so it only speeds up the
# rescue of rows a killed worker left in "sending".
TIMINGS = {
    "BOARD_RETRY_BASE_SECONDS": "2",
    "BOARD_SWEEP_SECONDS": "5",
    "BOARD_SWEEP_GRACE_SECONDS": "10",
    "BOARD_STUCK_AFTER_SECONDS": "30",
    # The helpers here are all brand new accounts making many offers: the
    # new-account safeguards would (rightly) stop them, which is not under test.
    "BOARD_NEW_ACCOUNT_OFFERS_PER_DAY": "0",
    "BOARD_REVIEW_FIRST_OFFERS": "0",
    # Posting limits likewise: 1,000 offers from a few helpers in a minute.
    "BOARD_RATE_LIMIT_OFFERS": "",
}

STUCK_NOTE = (
    "BOARD_STUCK_AFTER_SECONDS=30 is below the task time limit (90s) for this run only, so "
    "rows a killed worker left in 'sending' are rescued fast; a send slower than 30s would be "
    "taken for a dead one and sent twice"
)
READY_SECONDS = 60
POLL_SECONDS = 0.1
PROGRESS_SECONDS = 5
SMTP_TRANSIENT = "451 4.3.0 try again later"
# Django's mark for "no password" (nobody signs in during the run).
UNUSABLE_PASSWORD = "!"  # noqa: S105

log = logging.getLogger("chaos")


# --- Small helpers -------------------------------------------------------------------


def say(message: str) -> None:
    print(message, flush=True)


def wait_until(predicate: Callable[[], object], what: str, timeout: float) -> object:
    """Poll `predicate` until it returns something truthy; raise after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f}s waiting for {what}")
        time.sleep(POLL_SECONDS)


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile, or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}s"


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no log: {exc})"


# --- Subprocesses --------------------------------------------------------------------


class Supervisor:
    """Starts subprocesses in their own process groups and stops every one of
    them, whatever happens (normal end, exception, Ctrl-C, SIGTERM)."""

    def __init__(self) -> None:
        self.processes: list[tuple[bool, subprocess.Popen]] = []
        self.lock = threading.Lock()

    def start(
        self, command: list[str], *, env: dict[str, str], log_path: Path, service: bool = False
    ) -> subprocess.Popen:
        """Start `command`; a `service` (Redis) is stopped after everything else."""
        with open(log_path, "ab") as log_file:
            process = subprocess.Popen(  # noqa: S603 (our own commands)
                command,
                cwd=PROJECT_DIR,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own group: pid == pgid
            )
        with self.lock:
            self.processes.append((service, process))
        return process

    @staticmethod
    def kill_group(process: subprocess.Popen) -> None:
        """SIGKILL the process and its children (a prefork worker's pool)."""
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self, process: subprocess.Popen, grace: float = 10) -> None:
        """SIGTERM (a warm shutdown for Celery), then SIGKILL after `grace` seconds."""
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=grace)
        self.kill_group(process)

    def stop_all(self) -> None:
        with self.lock:
            processes, self.processes = list(self.processes), []
        # Workers and beat first (a warm shutdown needs the broker), services last.
        for service, process in sorted(processes, key=lambda item: item[0]):
            self.stop(process, grace=2 if service else 10)


class RedisServer:
    """A redis-server of this run's own that keeps nothing on disk, so a
    restart comes back empty (every queued task is lost)."""

    def __init__(self, supervisor: Supervisor, port: int, log_path: Path) -> None:
        self.supervisor = supervisor
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def start(self) -> None:
        if port_in_use(self.port):
            raise RuntimeError(
                f"port {self.port} is taken: is another chaos run (or something else) using "
                f"it? Choose another with --redis-port."
            )
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        command += ["--dir", str(CHAOS_DIR)]
        self.process = self.supervisor.start(
            command, env=dict(os.environ), log_path=self.log_path, service=True
        )
        wait_until(self.ping, f"redis-server on port {self.port}", READY_SECONDS)

    def kill(self) -> None:
        if self.process is not None:
            self.supervisor.kill_group(self.process)
            self.process = None


@dataclass
class CeleryProcess:
    name: str
    process: subprocess.Popen
    log_path: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_contains(self, text: str) -> bool:
        try:
            return text in self.log_path.read_text(errors="replace")
        except OSError:
            return False


def start_worker(supervisor: Supervisor, env: dict[str, str], name: str) -> CeleryProcess:
    log_path = CHAOS_DIR / f"{name}.log"
    command = [sys.executable, "-m", "celery", "-A", "board", "worker", "--pool=prefork"]
    command += ["--concurrency=2", "-Q", "celery", "--loglevel=INFO", "-n", f"{name}@%h"]
    return CeleryProcess(name, supervisor.start(command, env=env, log_path=log_path), log_path)


def start_beat(supervisor: Supervisor, env: dict[str, str]) -> CeleryProcess:
    log_path = CHAOS_DIR / "beat.log"
    schedule = CHAOS_DIR / "celerybeat-schedule"
    for stale in CHAOS_DIR.glob("celerybeat-schedule*"):
        stale.unlink()
    command = [sys.executable, "-m", "celery", "-A", "board", "beat", "--loglevel=INFO"]
    command += ["--schedule", str(schedule)]
    return CeleryProcess("beat", supervisor.start(command, env=env, log_path=log_path), log_path)


def wait_ready(celery: CeleryProcess, marker: str) -> None:
    def ready() -> bool:
        if not celery.alive():
            raise RuntimeError(
                f"{celery.name} exited with {celery.process.returncode}:\n{tail(celery.log_path)}"
            )
        return celery.log_contains(marker)

    wait_until(ready, celery.name, READY_SECONDS)


# --- SMTP ----------------------------------------------------------------------------


@dataclass
class Attempt:
    """One DATA command: the message's Message-ID, when, and the answer."""

    message_id: str
    at: float  # time.time()
    accepted: bool
    to: list[str]


class FlakySMTPHandler:
    """An aiosmtpd handler that refuses a seeded share of DATA commands with a
    transient 451, and records every attempt (accepted or not) with its
    Message-ID and time, also in var/chaos/smtp.jsonl."""

    def __init__(self, failure_rate: float, seed: int, log_path: Path) -> None:
        self.failure_rate = failure_rate
        self.random = random.Random(seed)  # noqa: S311 (not for security)
        self.lock = threading.Lock()
        self.attempts: list[Attempt] = []
        self.log_file = open(log_path, "w")  # noqa: SIM115 (closed in close())
        self.parser = BytesHeaderParser()

    async def handle_DATA(self, server, session, envelope) -> str:
        headers = self.parser.parsebytes(envelope.content)
        with self.lock:
            accepted = self.random.random() >= self.failure_rate
            attempt = Attempt(
                message_id=str(headers.get("Message-ID", "")).strip(),
                at=time.time(),
                accepted=accepted,
                to=list(envelope.rcpt_tos),
            )
            self.attempts.append(attempt)
            self.log_file.write(json.dumps(asdict(attempt)) + "\n")
            self.log_file.flush()
        return "250 Message accepted for delivery" if accepted else SMTP_TRANSIENT

    def snapshot(self) -> list[Attempt]:
        with self.lock:
            return list(self.attempts)

    def received(self) -> list[Attempt]:
        return [attempt for attempt in self.snapshot() if attempt.accepted]

    def close(self) -> None:
        with self.lock:
            self.log_file.close()


# --- Database and Django -------------------------------------------------------------


def chaos_database_urls(name: str) -> tuple[str, str]:
    """(maintenance URL, chaos database URL) on the server DATABASE_URL names
    (default: the local PostgreSQL), with the database name replaced."""
    base = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_SERVER_URL)
    if base.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise SystemExit(f"the chaos run needs PostgreSQL; DATABASE_URL is {base.scheme}://")
    original = unquote(base.path.lstrip("/"))
    if name == original and "chaos" not in name:
        raise SystemExit(f"refusing to use (and drop) the database {name!r}")
    maintenance = base._replace(path="/postgres").geturl()
    chaos = base._replace(path="/" + quote(name, safe="")).geturl()
    return maintenance, chaos


def recreate_database(maintenance_url: str, name: str) -> None:
    """Drop the scratch database (only it) and create it again, empty."""
    import psycopg
    from psycopg import sql

    if "chaos" not in name:
        raise SystemExit(f"refusing to drop {name!r}: the scratch database's name must say chaos")
    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def service_env(*, database_url: str, redis_url: str, smtp_port: int) -> dict[str, str]:
    """The environment of every process of the run: this one, worker, beat."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "DATABASE_", "EMAIL_", "REDIS_", "BOARD_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="board.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="localhost",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        EMAIL_USE_TLS="false",
        EMAIL_USE_SSL="false",
        PYTHONUNBUFFERED="1",
        **TIMINGS,
    )
    return env


class EnqueueFailures(logging.Handler):
    """Counts `enqueue` giving up (broker down) in this process, quietly."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "Could not queue" in record.getMessage():
            self.count += 1


def setup_django(env: dict[str, str]) -> EnqueueFailures:
    """Django in this process, with the same settings as the worker (so
    `enqueue` publishes to the run's Redis). Logs go to var/chaos/chaos.log."""
    os.environ.update(env)
    os.environ["DJANGO_LOG_LEVEL"] = "ERROR"  # the console is for the run's own report
    import django

    django.setup()
    file_handler = logging.FileHandler(CHAOS_DIR / "chaos.log")
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    failures = EnqueueFailures()
    for name in ("board.notifications", "celery", "kombu"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.WARNING)
        logger.propagate = False
        logger.addHandler(file_handler)
    logging.getLogger("board.notifications").addHandler(failures)
    return failures


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


@dataclass(frozen=True)
class PlannedOffer:
    request_id: int
    helper_id: int


def seed_data(offers: int, rng: random.Random) -> list[PlannedOffer]:
    """Askers with one request each, helpers, and the (request, helper) pairs
    that will offer: about five offers per request, never on one's own."""
    from accounts.models import User
    from requests.models import Category, HelpRequest

    per_request = 5
    request_count = max(1, -(-offers // per_request))
    helper_count = max(per_request, min(100, offers))
    category = Category.objects.create(name="Chaos", slug="chaos")
    askers = User.objects.bulk_create(
        User(email=f"asker-{i}@chaos.test", display_name=f"Asker {i}", password=UNUSABLE_PASSWORD)
        for i in range(request_count)
    )
    helpers = User.objects.bulk_create(
        User(email=f"helper-{i}@chaos.test", display_name=f"Helper {i}", password=UNUSABLE_PASSWORD)
        for i in range(helper_count)
    )
    help_requests = HelpRequest.objects.bulk_create(
        HelpRequest(
            author=asker,
            title=f"Chaos request {i}",
            body="Someone to talk to about a hard week, please; anything helps.",
            category=category,
            response_kind=HelpRequest.ResponseKind.LISTEN,
        )
        for i, asker in enumerate(askers)
    )
    plan = [
        PlannedOffer(help_request.pk, helper.pk)
        for help_request in help_requests
        for helper in rng.sample(helpers, per_request)
    ][:offers]
    rng.shuffle(plan)
    return plan


# --- Making offers ---------------------------------------------------------------------


@dataclass
class OfferResult:
    index: int
    started: float  # seconds since the offers began
    duration: float
    error: str = ""


class OfferMaker:
    """`users` threads make the planned offers at a steady pace (offer i is due
    at i * duration / n), each in its own transaction, as people would."""

    def __init__(self, plan: list[PlannedOffer], duration: float, users: int) -> None:
        self.plan = plan
        self.interval = duration / max(len(plan), 1)
        self.users = users
        self.results: list[OfferResult] = []
        self.lock = threading.Lock()
        self.next_index = itertools.count()
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.t0 = 0.0

    def start(self, t0: float) -> None:
        self.t0 = t0
        for number in range(self.users):
            thread = threading.Thread(target=self._run, name=f"user-{number}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def done(self) -> bool:
        return not any(thread.is_alive() for thread in self.threads)

    def made(self) -> int:
        with self.lock:
            return sum(1 for result in self.results if not result.error)

    def _run(self) -> None:
        from django.db import connection

        from accounts.models import User
        from requests.models import HelpRequest
        from requests.services import make_offer

        try:
            while not self.stop.is_set():
                with self.lock:
                    index = next(self.next_index)
                if index >= len(self.plan):
                    return
                due = self.t0 + index * self.interval
                if self.stop.wait(max(0.0, due - time.monotonic())):
                    return
                planned = self.plan[index]
                started = time.monotonic()
                error = ""
                try:
                    make_offer(
                        help_request=HelpRequest(pk=planned.request_id),
                        helper=User(pk=planned.helper_id),
                        message=f"Happy to listen, whenever suits you. (chaos offer {index})",
                    )
                except Exception as exc:
                    error = f"{type(exc).__name__}: {exc}"
                finished = time.monotonic()
                with self.lock:
                    self.results.append(
                        OfferResult(index, started - self.t0, finished - started, error)
                    )
        finally:
            connection.close()


# --- The scripted timeline ------------------------------------------------------------


@dataclass
class Event:
    at: float  # planned, seconds after the offers began
    what: str
    action: Callable[[], None]
    happened: float | None = None


class Timeline:
    """Runs events at their planned times in a thread of its own."""

    def __init__(self, events: list[Event]) -> None:
        self.events = sorted(events, key=lambda event: event.at)
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self._run, name="timeline", daemon=True)
        self.t0 = 0.0

    def start(self, t0: float) -> None:
        self.t0 = t0
        self.thread.start()

    def _run(self) -> None:
        for event in self.events:
            if self.stop.wait(max(0.0, self.t0 + event.at - time.monotonic())):
                return
            event.happened = time.monotonic() - self.t0
            say(f"  [{event.happened:5.1f}s] {event.what}")
            try:
                event.action()
            except Exception as exc:
                self.errors.append(f"{event.what}: {type(exc).__name__}: {exc}")
                say(f"  [{time.monotonic() - self.t0:5.1f}s] FAILED: {event.what}: {exc}")

    def record(self) -> list[dict]:
        return [{"at": e.at, "happened": e.happened, "what": e.what} for e in self.events]


# --- Watching the outbox ---------------------------------------------------------------


def row_states() -> dict[str, int]:
    """offer_received rows by state."""
    from django.db.models import Count

    from board.models import Notification

    return dict(
        Notification.objects.filter(kind=Notification.Kind.OFFER_RECEIVED)
        .values_list("state")
        .annotate(n=Count("pk"))
        .order_by()
    )


def progress_line(elapsed: float, smtp: FlakySMTPHandler, made: int | None = None) -> str:
    states = " ".join(f"{state}={count}" for state, count in sorted(row_states().items()))
    received = len({r.message_id for r in smtp.received()})
    offers = "" if made is None else f"offers={made} "
    return f"  [{elapsed:5.1f}s] {offers}rows: {states or '-'} | received={received}"


def drain(smtp: FlakySMTPHandler, timeout: float, t0: float, watch: list[CeleryProcess]) -> bool:
    """Wait until every offer_received row is sent or failed. True if it got there."""
    from board.models import Notification

    deadline = time.monotonic() + timeout
    last_progress = 0.0
    reported_dead: set[str] = set()
    while True:
        pending = (
            Notification.objects.filter(kind=Notification.Kind.OFFER_RECEIVED)
            .exclude(state__in=[Notification.State.SENT, Notification.State.FAILED])
            .count()
        )
        if pending == 0:
            return True
        now = time.monotonic()
        for celery in watch:
            if not celery.alive() and celery.name not in reported_dead:
                reported_dead.add(celery.name)
                say(f"  WARNING: {celery.name} died:\n{tail(celery.log_path, 15)}")
        if now > deadline:
            return False
        if now - last_progress >= PROGRESS_SECONDS:
            last_progress = now
            say(progress_line(now - t0, smtp))
        time.sleep(1)


# --- Figures ----------------------------------------------------------------------------


def shortest_backoff(tries: int) -> int:
    """The shortest wait `retry_delay(tries)` can give after the `tries`-th failed
    try: it draws from [ceiling / 2, ceiling], ceiling = base * 2 ** (tries - 1)."""
    from django.conf import settings

    from board.notifications import MAX_DELAY_SECONDS

    ceiling = min(MAX_DELAY_SECONDS, settings.BOARD_RETRY_BASE_SECONDS * 2 ** max(tries - 1, 0))
    return max(1, int(ceiling / 2))


def early_retries(attempts: list[Attempt]) -> list[dict]:
    """Tries of one email that came sooner after a refused try than the backoff
    allows: something cut the backoff short (and used up the tries early)."""
    by_id: dict[str, list[Attempt]] = {}
    for attempt in sorted(attempts, key=lambda attempt: attempt.at):
        by_id.setdefault(attempt.message_id, []).append(attempt)
    early = []
    for mid, tries in by_id.items():
        for number, (before, after) in enumerate(itertools.pairwise(tries), start=1):
            waited = after.at - before.at
            if not before.accepted and waited < shortest_backoff(number):
                early.append(
                    {
                        "message_id": mid,
                        "try": number + 1,
                        "waited": round(waited, 3),
                        "backoff_at_least": shortest_backoff(number),
                    }
                )
    return early


def why_duplicated(first_copy: float, worker_kills: list[float]) -> str:
    """The likely cause of a duplicate, from when its first copy arrived."""
    for killed in worker_kills:
        if killed - 5 <= first_copy <= killed + 1:
            return (
                f"first copy accepted just as the worker was killed ({killed:.1f}s): it died "
                f"between SMTP's 250 and marking the row sent, so the row was rescued from "
                f"'sending' after BOARD_STUCK_AFTER_SECONDS and sent again (same Message-ID)"
            )
    return "unexplained: no worker kill near the first copy"


def compute_results(
    *,
    maker: OfferMaker,
    smtp: FlakySMTPHandler,
    enqueue_failures: int,
    t0_wall: float,
    worker_kills: list[float],
) -> dict:
    """Compare what the SMTP server received with what the outbox says."""
    from board.models import Notification
    from board.notifications import message_id
    from requests.models import Offer

    offers = dict(Offer.objects.values_list("public_id", "created_at"))
    rows = {
        row.key: row
        for row in Notification.objects.filter(kind=Notification.Kind.OFFER_RECEIVED).only(
            "key", "state", "attempts", "last_error", "created_at", "sent_at"
        )
    }
    attempts = smtp.snapshot()
    received = [attempt for attempt in attempts if attempt.accepted]
    early = early_retries(attempts)
    counts = Counter(r.message_id for r in received)
    first_seen: dict[str, float] = {}
    seen_at: dict[str, list[float]] = {}
    for record in received:
        first_seen.setdefault(record.message_id, record.at)
        seen_at.setdefault(record.message_id, []).append(record.at - t0_wall)

    expected: dict[str, tuple[str, Notification | None]] = {}
    for public_id in offers:
        key = f"offer_received:{public_id}"
        row = rows.get(key)
        expected[message_id(row or Notification(key=key))] = (public_id, row)

    delays, lost, failed_not_received, failed_but_received = [], [], [], []
    for mid, (public_id, row) in expected.items():
        state = row.state if row else "no row"
        if mid in first_seen:
            delays.append(first_seen[mid] - offers[public_id].timestamp())
            if state == Notification.State.FAILED:
                failed_but_received.append(mid)
        elif state == Notification.State.FAILED:
            failed_not_received.append(mid)
        else:
            lost.append({"message_id": mid, "offer": public_id, "state": state})

    duplicates = [
        {
            "message_id": mid,
            "copies": counts[mid],
            "received_at": [round(at, 2) for at in seen_at[mid]],
            "attempts": expected[mid][1].attempts if expected[mid][1] else None,
            "why": why_duplicated(seen_at[mid][0], worker_kills),
        }
        for mid in counts
        if counts[mid] > 1
    ]
    unexpected = sorted(mid for mid in counts if mid not in expected)
    durations = [result.duration for result in maker.results]
    failed_rows = sum(1 for row in rows.values() if row.state == Notification.State.FAILED)
    return {
        "offers_made": maker.made(),
        "offers_errored": [r.error for r in maker.results if r.error][:20],
        "offers_errored_count": sum(1 for r in maker.results if r.error),
        "offer_period_seconds": max((r.started for r in maker.results), default=0.0),
        "outbox_rows": len(rows),
        "emails_expected": len(expected),
        "emails_received_unique": sum(1 for mid in expected if mid in first_seen),
        "lost": len(lost),
        "lost_detail": lost[:50],
        "duplicates": sum(d["copies"] - 1 for d in duplicates),
        "duplicate_detail": duplicates,
        "rows_failed": failed_rows,
        "rows_failed_not_received": len(failed_not_received),
        "rows_failed_but_received": len(failed_but_received),
        "unexpected_messages": len(unexpected),
        "delay_p50": percentile(delays, 50),
        "delay_p95": percentile(delays, 95),
        "delay_max": max(delays, default=None),
        "offer_latency_p50": percentile(durations, 50),
        "offer_latency_p95": percentile(durations, 95),
        "offer_latency_max": max(durations, default=None),
        "enqueue_failures": enqueue_failures,
        "smtp_data_commands": len(attempts),
        "smtp_refused_451": len(attempts) - len(received),
        "smtp_accepted": len(received),
        "early_retries": len(early),
        "early_retry_detail": early[:50],
        "attempts_histogram": dict(sorted(Counter(row.attempts for row in rows.values()).items())),
    }


def print_table(result: dict) -> None:
    rows = [
        ("offers made", f"{result['offers_made']}"),
        ("offers that raised", f"{result['offers_errored_count']}"),
        ("outbox rows (offer_received)", f"{result['outbox_rows']}"),
        ("emails expected", f"{result['emails_expected']}"),
        ("emails received (unique Message-ID)", f"{result['emails_received_unique']}"),
        ("lost (never received, row not failed)", f"{result['lost']}"),
        ("duplicates (extra copies of a Message-ID)", f"{result['duplicates']}"),
        (
            "rows failed (6 tries, visible to staff)",
            f"{result['rows_failed']} ({result['rows_failed_but_received']} of them received)",
        ),
        ("unexpected messages", f"{result['unexpected_messages']}"),
        (
            "delivery delay p50 / p95 / max",
            " / ".join(seconds(result[k]) for k in ("delay_p50", "delay_p95", "delay_max")),
        ),
        (
            "make_offer latency p50 / p95 / max",
            " / ".join(
                seconds(result[k])
                for k in ("offer_latency_p50", "offer_latency_p95", "offer_latency_max")
            ),
        ),
        ("enqueue failures (broker down)", f"{result['enqueue_failures']}"),
        (
            "SMTP DATA commands / 451s / accepted",
            f"{result['smtp_data_commands']} / {result['smtp_refused_451']} / "
            f"{result['smtp_accepted']}",
        ),
        ("retries sooner than their backoff", f"{result['early_retries']}"),
        ("send attempts per row (attempts: rows)", f"{result['attempts_histogram']}"),
        ("drained before timeout", "yes" if result["drained"] else "NO"),
        ("total run time", seconds(result["total_seconds"])),
    ]
    width = max(len(label) for label, _ in rows)
    say("")
    for label, value in rows:
        say(f"  {label.ljust(width)}  {value}")
    for duplicate in result["duplicate_detail"][:10]:
        say(
            f"  duplicate {duplicate['message_id']}: {duplicate['copies']} copies, received at "
            f"{duplicate['received_at']}s, {duplicate['attempts']} attempts: {duplicate['why']}"
        )
    for lost in result["lost_detail"][:10]:
        say(f"  lost {lost['message_id']} (offer {lost['offer']}, row {lost['state']})")
    say("")


# --- The run ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.chaos",
        description="Offers while Redis stops, the worker is killed and SMTP fails.",
    )
    parser.add_argument("--offers", type=int, default=1000, help="offers to make (1000)")
    parser.add_argument(
        "--duration", type=float, default=60, help="seconds over which offers are made (60)"
    )
    parser.add_argument(
        "--users", type=int, default=16, help="people making offers at once (threads, 16)"
    )
    parser.add_argument(
        "--redis-outage", type=float, default=30, help="seconds Redis is down, 0 for none (30)"
    )
    parser.add_argument("--redis-down-at", type=float, default=10, help="when Redis stops (10)")
    parser.add_argument(
        "--kill-worker-at", type=float, default=25, help="when the worker is SIGKILLed (25)"
    )
    parser.add_argument(
        "--worker-restart-after",
        type=float,
        default=3,
        help="seconds until a new worker starts (3)",
    )
    parser.add_argument(
        "--smtp-failure-rate", type=float, default=0.5, help="share of DATA refused (0.5)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seeds data and SMTP failures (1)")
    parser.add_argument(
        "--timeout", type=float, default=300, help="seconds to wait for the outbox to drain"
    )
    parser.add_argument(
        "--settle", type=float, default=5, help="seconds to wait for stragglers afterwards (5)"
    )
    parser.add_argument("--redis-port", type=int, default=6391)
    parser.add_argument("--database", default="board_chaos", help="scratch database name")
    args = parser.parse_args(argv)
    if args.offers < 1 or not 0 <= args.smtp_failure_rate < 1 or args.users < 1:
        parser.error("need --offers >= 1, --users >= 1 and 0 <= --smtp-failure-rate < 1")
    return args


def run(args: argparse.Namespace, supervisor: Supervisor) -> int:
    started = time.monotonic()
    CHAOS_DIR.mkdir(parents=True, exist_ok=True)
    for old in CHAOS_DIR.glob("*.log"):
        old.unlink()
    rng = random.Random(args.seed)  # noqa: S311 (not for security)

    say(f"chaos: scratch database {args.database}")
    maintenance_url, database_url = chaos_database_urls(args.database)
    recreate_database(maintenance_url, args.database)

    redis_server = RedisServer(supervisor, args.redis_port, CHAOS_DIR / "redis.log")
    redis_server.start()
    say(f"chaos: redis-server on port {args.redis_port}")

    from aiosmtpd.controller import Controller

    smtp = FlakySMTPHandler(args.smtp_failure_rate, args.seed, CHAOS_DIR / "smtp.jsonl")
    controller = Controller(smtp, hostname="127.0.0.1", port=free_port())
    controller.start()
    atexit.register(controller.stop)
    say(f"chaos: SMTP on port {controller.port}, refusing {args.smtp_failure_rate:.0%} with 451")

    env = service_env(
        database_url=database_url, redis_url=redis_server.url, smtp_port=controller.port
    )
    enqueue_failures = setup_django(env)
    migrate()
    plan = seed_data(args.offers, rng)
    say(f"chaos: migrated and seeded ({len(plan)} offers planned)")

    worker = start_worker(supervisor, env, "worker-1")
    beat = start_beat(supervisor, env)
    wait_ready(worker, " ready.")
    wait_ready(beat, "beat: Starting")
    say("chaos: worker and beat ready")
    workers = [worker]

    def kill_worker() -> None:
        supervisor.kill_group(workers[-1].process)

    def new_worker() -> None:
        workers.append(start_worker(supervisor, env, f"worker-{len(workers) + 1}"))

    outage_end = args.redis_down_at + args.redis_outage
    events = [
        Event(args.kill_worker_at, "SIGKILL the worker's process group", kill_worker),
        Event(args.kill_worker_at + args.worker_restart_after, "start a new worker", new_worker),
    ]
    if args.redis_outage > 0:
        events += [
            Event(
                args.redis_down_at, "kill redis-server (queued tasks are lost)", redis_server.kill
            ),
            Event(outage_end, "restart redis-server, empty", redis_server.start),
        ]
    timeline = Timeline(events)
    maker = OfferMaker(plan, args.duration, args.users)

    say(
        f"chaos: {len(plan)} offers over {args.duration:.0f}s by {args.users} users; "
        f"timings {TIMINGS}"
    )
    say(f"chaos: note {STUCK_NOTE}")
    t0 = time.monotonic()
    t0_wall = time.time()
    maker.start(t0)
    timeline.start(t0)
    try:
        last = t0
        while not (maker.done() and not timeline.thread.is_alive()):
            time.sleep(POLL_SECONDS)
            if time.monotonic() - last >= PROGRESS_SECONDS:
                last = time.monotonic()
                say(progress_line(last - t0, smtp, maker.made()))
        say(f"chaos: {maker.made()} offers made in {time.monotonic() - t0:.1f}s; draining")

        drained = drain(smtp, args.timeout, t0, [beat, workers[-1]])
        if drained:
            say(f"  [{time.monotonic() - t0:5.1f}s] every row sent or failed; settling")
        else:
            say(f"  timed out after {args.timeout:.0f}s with rows still pending")
        time.sleep(args.settle)  # stragglers: a redelivered task, a late duplicate
    finally:
        maker.stop.set()
        timeline.stop.set()

    from django.conf import settings

    result = compute_results(
        maker=maker,
        smtp=smtp,
        enqueue_failures=enqueue_failures.count,
        t0_wall=t0_wall,
        worker_kills=[e.happened for e in events if e.action is kill_worker and e.happened],
    )
    result.update(
        drained=drained,
        total_seconds=time.monotonic() - started,
        settings={**vars(args), **TIMINGS, "task_time_limit": settings.CELERY_TASK_TIME_LIMIT},
        timeline=timeline.record(),
        timeline_errors=timeline.errors,
        note=STUCK_NOTE,
    )
    (CHAOS_DIR / "result.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    print_table(result)
    say(f"chaos: figures in {CHAOS_DIR / 'result.json'}, logs in {CHAOS_DIR}/")

    from django.db import connection

    connection.close()
    smtp.close()
    failed = result["lost"] > 0 or result["offers_errored_count"] > 0 or timeline.errors
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    supervisor = Supervisor()
    atexit.register(supervisor.stop_all)

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    try:
        return run(args, supervisor)
    except KeyboardInterrupt:
        say("chaos: interrupted")
        return 130
    finally:
        say("chaos: stopping worker, beat and redis-server")
        supervisor.stop_all()


if __name__ == "__main__":
    sys.exit(main())
