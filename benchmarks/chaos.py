"""The reliability run (`make chaos`): what people see while things break.

People make offers over HTTP to gunicorn, half on the web form (a signed-in
browser's session and CSRF cookie) and half through the API (a personal
token), at a steady pace, while faults come one after another, each in a
phase of its own:

    calm              nothing wrong (the baseline)
    worker SIGKILL    the Celery worker's processes are SIGKILLed
    Redis down        redis-server is killed, and started again (empty) 30 s later
    SMTP 451 on half  the SMTP server refuses half the messages with a transient 451
    PostgreSQL restart  the database server restarts (`pg_ctl stop -m fast`, start)
    beat SIGKILL      Celery beat is SIGKILLed

Everything is real and the run's own: a throwaway PostgreSQL cluster on a free
port (initdb as the postgres user; the machine's PostgreSQL is never touched),
a redis-server on a free port, an aiosmtpd server in this process recording
every message (tests/support/smtp.py, the integration tier's), gunicorn with
the production settings, and the worker and beat started as the deployment
says: the `worker:` and `beat:` lines of a Procfile if the project has one,
else the README's commands. Nothing restarts a killed
process unless the deployment does (`--hand-restart S` restarts one that
stayed dead, to see the later phases on a deployment without a supervisor).

Afterwards the run waits for every offer's email, then compares, per phase,
the offers that exist with the emails received (by Message-ID): an email is
*lost* if it never arrived and its row was not marked failed (a failed row is
visible to staff), or if a person was told their offer was made and it does
not exist. It prints per phase: offers tried, HTTP ok, 5xx (and connection
errors), lost, duplicates, failed rows, email latency p50/p95 (from the HTTP
answer to SMTP's acceptance); writes var/chaos/result.json; and exits
non-zero on any loss, duplicate or 5xx.

    .venv/bin/python -m benchmarks.chaos [--rate 3] [--seed 1] [--hand-restart 0]

Logs of every process are under var/chaos/.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import logging
import os
import random
import re
import secrets
import shutil
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from tests.support import processes
from tests.support.processes import PostgresCluster, Process, RedisServer, free_port
from tests.support.smtp import RecordingHandler, running_smtp_server

PROJECT_DIR = processes.PROJECT_DIR
CHAOS_DIR = PROJECT_DIR / "var" / "chaos"
DATABASE_NAME = "board_chaos"
PROGRESS_SECONDS = 10
# Waiting for email with no worker running, and none coming back, is pointless.
NO_WORKER_GIVE_UP_SECONDS = 60
# Django's mark for "no password" (nobody signs in with one during the run).
UNUSABLE_PASSWORD = "!"  # noqa: S105

# Short timings so the run finishes in minutes (production: 30, 10, 60).
TIMINGS = {
    "BOARD_RETRY_BASE_SECONDS": "2",
    "BOARD_SWEEP_SECONDS": "5",
    "BOARD_SWEEP_GRACE_SECONDS": "10",
    # Brand-new helpers making many offers fast: the new-account safeguards,
    # posting limits and API throttles would (rightly) stop them; not under test.
    "BOARD_NEW_ACCOUNT_OFFERS_PER_DAY": "0",
    "BOARD_REVIEW_FIRST_OFFERS": "0",
    "BOARD_RATE_LIMIT_OFFERS": "",
    "BOARD_API_THROTTLE_WRITES": "1000000/min",
}
# The README's deployment commands, used when there is no Procfile.
README_WORKER = ".venv/bin/celery -A board worker --loglevel=INFO --concurrency=4 -n worker1@%h"
README_BEAT = ".venv/bin/celery -A board beat --loglevel=INFO"

log = logging.getLogger("chaos")


def say(message: str) -> None:
    print(message, flush=True)


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile, or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}s" if value < 1 else f"{value:.1f}s"


# --- The deployment's worker and beat ------------------------------------------------------


def deployment_commands() -> tuple[str, str, str]:
    """(worker command, beat command, where they came from): the Procfile's
    `worker:` and `beat:` lines if there is one, else the README's commands."""
    procfile = PROJECT_DIR / "Procfile"
    if procfile.exists():
        lines = dict(
            line.split(":", 1)
            for line in procfile.read_text().splitlines()
            if ":" in line and not line.lstrip().startswith("#")
        )
        if "worker" in lines and "beat" in lines:
            return lines["worker"].strip(), lines["beat"].strip(), "Procfile"
    return README_WORKER, README_BEAT, "README"


def session_processes(session: int, *words: str) -> list[int]:
    """Pids in `session` (a process we started, and everything it started)
    whose command line has every one of `words`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        # The fields after the command name (which may hold spaces) in ")".
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == session and all(word in cmdline for word in words):
            found.append(int(entry.name))
    return found


@dataclass
class Celery:
    """The worker or beat as the deployment runs it (perhaps under a supervisor)."""

    role: str  # "worker" or "beat"
    command: str
    env: dict[str, str]
    process: Process | None = None
    starts: int = 0

    def start(self) -> None:
        self.starts += 1
        self.process = processes.spawn(
            f"{self.role}-{self.starts}",
            ["sh", "-c", f"exec {self.command}"],
            env=self.env,
            directory=CHAOS_DIR,
        )

    def celery_pids(self) -> list[int]:
        if self.process is None:
            return []
        # Not the supervisor (deploy/keep_running.py), whose command line holds
        # the Celery command it runs: it must live to restart what is killed.
        return [
            pid
            for pid in session_processes(self.process.pid, "celery", self.role)
            if pid not in session_processes(self.process.pid, "keep_running")
        ]

    def ready(self) -> bool:
        marker = " ready." if self.role == "worker" else "beat: Starting"
        return self.process is not None and self.process.count(marker) > 0

    def sigkill(self) -> int:
        """SIGKILL every Celery process of this role (a prefork pool's children
        too), leaving a supervisor, if any, alive to notice."""
        pids = self.celery_pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return len(pids)

    def running(self) -> bool:
        return self.process is not None and bool(self.celery_pids())

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(grace=10)


# --- People ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    user_id: int
    channel: str  # "web" or "api"
    secret: str  # session key (web) or API token (api)


@dataclass(frozen=True)
class Planned:
    helper: Person
    request_id: int
    request_public_id: str


def setup_django(env: dict[str, str]) -> None:
    """Django in this process on the run's database (to seed it and to read the
    outbox at the end); its logs go to var/chaos/chaos.log."""
    os.environ.update(env)
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    handler = logging.FileHandler(CHAOS_DIR / "chaos.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]


def seed(offers: int, rng: random.Random) -> list[Planned]:
    """Askers with a request each; helpers, half signed in on the web (a session)
    and half with an API token; about five offers per request, never one's own."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User
    from accounts.tokens import create_api_token
    from requests.models import Category, HelpRequest

    per_request = 5
    request_count = max(1, -(-offers // per_request))
    helper_count = max(2 * per_request, min(60, offers))
    category = Category.objects.create(name="Chaos", slug="chaos")
    askers = User.objects.bulk_create(
        User(email=f"asker-{i}@chaos.test", display_name=f"Asker {i}", password=UNUSABLE_PASSWORD)
        for i in range(request_count)
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
    helpers: list[Person] = []
    for i in range(helper_count):
        user = User.objects.create(
            email=f"helper-{i}@chaos.test", display_name=f"Helper {i}", password=UNUSABLE_PASSWORD
        )
        if i % 2 == 0:
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            helpers.append(Person(user.pk, "web", session.session_key))
        else:
            _, token = create_api_token(user=user, name="chaos")
            helpers.append(Person(user.pk, "api", token))
    web = [helper for helper in helpers if helper.channel == "web"]
    api = [helper for helper in helpers if helper.channel == "api"]
    plan = []
    for number, help_request in enumerate(help_requests):
        # Alternate which channel gets the extra offer, so it is half and half.
        web_count = per_request // 2 + number % 2
        chosen = rng.sample(web, web_count) + rng.sample(api, per_request - web_count)
        plan += [Planned(helper, help_request.pk, help_request.public_id) for helper in chosen]
    plan = plan[:offers]
    rng.shuffle(plan)
    return plan


# --- Making offers over HTTP -----------------------------------------------------------------


@dataclass
class Tried:
    planned: Planned
    phase: str
    started: float  # time.monotonic()
    answered: float = 0.0
    status: int = 0  # 0: no HTTP answer at all
    error: str = ""
    offer_public_id: str = ""


MESSAGE = "I have been through something like this, and I would be glad to listen this week."


def make_offer(port: int, planned: Planned) -> tuple[int, str, str]:
    """(status, offer public id or "", error) for one offer, as a person sends it."""
    path_api = f"/api/v1/requests/{planned.request_public_id}/offers/"
    path_web = f"/requests/{planned.request_public_id}/offer/"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        if planned.helper.channel == "api":
            body = json.dumps({"message": MESSAGE})
            headers = {
                "Authorization": f"Token {planned.helper.secret}",
                "Content-Type": "application/json",
            }
            connection.request("POST", path_api, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            public_id = ""
            if response.status == 201:
                public_id = json.loads(data).get("id", "")
            return response.status, public_id, "" if response.status < 500 else data[:200].decode()
        csrf = secrets.token_hex(16)
        body = urlencode({"csrfmiddlewaretoken": csrf, "message": MESSAGE})
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"sessionid={planned.helper.secret}; csrftoken={csrf}",
        }
        connection.request("POST", path_web, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        location = response.getheader("Location", "")
        match = re.search(r"/offers/([^/]+)/", location)
        if response.status == 302 and match:
            return 302, match[1], ""
        if response.status == 302:
            return 302, "", f"redirected to {location}"
        return response.status, "", ""
    except (OSError, http.client.HTTPException) as exc:
        return 0, "", f"{type(exc).__name__}: {exc}"
    finally:
        connection.close()


class People:
    """Threads making the planned offers at `rate` a second, each recorded with
    the phase it was made in."""

    def __init__(self, plan: list[Planned], rate: float, users: int, port: int) -> None:
        self.plan = plan
        self.rate = rate
        self.users = users
        self.port = port
        self.phase = "calm"
        self.tried: list[Tried] = []
        self.lock = threading.Lock()
        self.next = 0
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self, t0: float) -> None:
        self.t0 = t0
        for number in range(self.users):
            thread = threading.Thread(target=self._run, name=f"person-{number}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def _take(self) -> tuple[int, Planned] | None:
        with self.lock:
            if self.next >= len(self.plan) or self.stop.is_set():
                return None
            index, self.next = self.next, self.next + 1
            return index, self.plan[index]

    def _run(self) -> None:
        while (taken := self._take()) is not None:
            index, planned = taken
            due = self.t0 + index / self.rate
            if self.stop.wait(max(0.0, due - time.monotonic())):
                return
            tried = Tried(planned, self.phase, time.monotonic())
            tried.status, tried.offer_public_id, tried.error = make_offer(self.port, planned)
            tried.answered = time.monotonic()
            with self.lock:
                self.tried.append(tried)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=90)

    def results(self) -> list[Tried]:
        with self.lock:
            return list(self.tried)


# --- Phases ------------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    seconds: float
    begin: Callable[[], None] = lambda: None
    end: Callable[[], None] = lambda: None
    notes: list[str] = field(default_factory=list)


def wait_ready(celery: Celery, timeout: float = 90) -> None:
    processes.wait_until(celery.ready, f"the {celery.role} to be ready", timeout)


# --- Figures --------------------------------------------------------------------------------


def compute(tried: list[Tried], smtp: RecordingHandler, phases: list[Phase]) -> dict:
    from notifications.emails import message_id
    from notifications.models import Notification
    from requests.models import Offer

    offers = {
        (request_id, helper_id): public_id
        for request_id, helper_id, public_id in Offer.objects.values_list(
            "request_id", "helper_id", "public_id"
        )
    }
    rows = {
        row.key: row for row in Notification.objects.filter(kind=Notification.Kind.OFFER_RECEIVED)
    }
    attempts = smtp.answered()
    accepted = Counter(a.message_id for a in attempts if a.accepted)
    first_accepted: dict[str, float] = {}
    for attempt in sorted(attempts, key=lambda a: a.at):
        if attempt.accepted:
            first_accepted.setdefault(attempt.message_id, attempt.at)

    table = []
    details: dict[str, list[dict]] = {}
    for phase in phases:
        mine = [t for t in tried if t.phase == phase.name]
        ok = [t for t in mine if t.status in (201, 302) and t.offer_public_id]
        server_errors = [t for t in mine if t.status >= 500]
        no_answer = [t for t in mine if t.status == 0]
        other = [t for t in mine if t not in ok and t not in server_errors and t not in no_answer]
        lost, duplicates, failed, latencies = [], 0, 0, []
        for t in mine:
            public_id = offers.get((t.planned.request_id, t.planned.helper.user_id))
            if public_id is None:
                if t in ok:  # told it was made, and it was not
                    lost.append({"offer": t.offer_public_id, "why": "told made, but no offer"})
                continue
            key = f"offer_received:{public_id}"
            row = rows.get(key)
            mid = message_id(row or Notification(key=key))
            copies = accepted.get(mid, 0)
            duplicates += max(0, copies - 1)
            if row is not None and row.state == Notification.State.FAILED:
                failed += 1
            if copies:
                latencies.append(first_accepted[mid] - (t.answered or t.started))
            elif row is None or row.state != Notification.State.FAILED:
                state = row.state if row is not None else "no row"
                lost.append({"offer": public_id, "why": f"never received, row {state}"})
        table.append(
            {
                "phase": phase.name,
                "tried": len(mine),
                "ok": len(ok),
                "server_errors": len(server_errors),
                "no_answer": len(no_answer),
                "other": len(other),
                "lost": len(lost),
                "duplicates": duplicates,
                "failed_rows": failed,
                "http_p95": percentile([t.answered - t.started for t in mine], 95),
                "http_max": max((t.answered - t.started for t in mine), default=None),
                "latency_p50": percentile(latencies, 50),
                "latency_p95": percentile(latencies, 95),
                "latency_max": max(latencies, default=None),
                "statuses": dict(Counter(str(t.status) for t in mine)),
                "notes": phase.notes,
            }
        )
        details[phase.name] = (
            lost[:20]
            + [
                {"status": t.status, "channel": t.planned.helper.channel, "error": t.error}
                for t in server_errors + no_answer + other
            ][:20]
        )
    return {"phases": table, "details": details, "smtp_attempts": len(attempts)}


def print_table(result: dict) -> None:
    header = (
        "| phase | offers tried | HTTP ok | 5xx | no answer | lost | duplicates | failed rows "
        "| email latency p50 | p95 | max | HTTP answer p95 | max |"
    )
    say("")
    say(header)
    say("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in result["phases"]:
        say(
            f"| {row['phase']} | {row['tried']} | {row['ok']} | {row['server_errors']} | "
            f"{row['no_answer']} | {row['lost']} | {row['duplicates']} | {row['failed_rows']} | "
            f"{seconds(row['latency_p50'])} | {seconds(row['latency_p95'])} | "
            f"{seconds(row['latency_max'])} | {seconds(row['http_p95'])} | "
            f"{seconds(row['http_max'])} |"
        )
    say("")
    for row in result["phases"]:
        if row["other"]:
            say(f"  {row['phase']}: {row['other']} other answers: {row['statuses']}")
        for note in row["notes"]:
            say(f"  {row['phase']}: {note}")
        for detail in result["details"][row["phase"]][:5]:
            say(f"  {row['phase']}: {detail}")


def pending_rows() -> int | None:
    from django.db import OperationalError, close_old_connections

    from notifications.models import Notification

    close_old_connections()
    try:
        return (
            Notification.objects.filter(kind=Notification.Kind.OFFER_RECEIVED)
            .exclude(state__in=[Notification.State.SENT, Notification.State.FAILED])
            .count()
        )
    except OperationalError:
        return None


# --- The run -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.chaos",
        description="Offers over HTTP while the worker, Redis, SMTP, PostgreSQL and beat fail.",
    )
    parser.add_argument("--rate", type=float, default=3, help="offers a second (3)")
    parser.add_argument("--users", type=int, default=8, help="people at once (8)")
    parser.add_argument("--phase-seconds", type=float, default=20, help="length of a phase (20)")
    parser.add_argument("--redis-outage", type=float, default=30, help="seconds Redis is down")
    parser.add_argument("--smtp-failure-rate", type=float, default=0.5)
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument(
        "--hand-restart",
        type=float,
        default=0,
        help="restart a killed worker or beat by hand after this many seconds if the "
        "deployment did not (0: never, as the issue asks)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for email")
    parser.add_argument("--settle", type=float, default=10, help="seconds for late duplicates")
    return parser.parse_args(argv)


def run(args: argparse.Namespace, cleanup: contextlib.ExitStack) -> int:
    started = time.monotonic()
    if CHAOS_DIR.exists():
        shutil.rmtree(CHAOS_DIR)
    CHAOS_DIR.mkdir(parents=True)
    rng = random.Random(args.seed)  # noqa: S311 (not for security)

    problem = processes.postgres_problem()
    if problem:
        raise SystemExit(f"chaos: no throwaway PostgreSQL cluster: {problem}")
    cluster = PostgresCluster(port=free_port())
    cleanup.callback(cluster.remove)
    cluster.start()
    database_url = cluster.create_database(DATABASE_NAME)
    say(f"chaos: throwaway PostgreSQL on port {cluster.port} ({cluster.directory})")

    redis_server = RedisServer(port=free_port(), directory=CHAOS_DIR)
    cleanup.callback(redis_server.stop)
    redis_server.start()
    say(f"chaos: redis-server on port {redis_server.port}")

    # The integration tier's SMTP server, refusing a seeded share in its phase.
    smtp = RecordingHandler(random=random.Random(args.seed))  # noqa: S311 (not for security)
    controller = cleanup.enter_context(running_smtp_server(smtp))

    web_port = free_port()
    env = processes.board_env(
        database_url=database_url,
        redis_url=redis_server.url(),
        smtp_port=controller.port,
        var_dir=CHAOS_DIR / "var",
        site_url=f"http://127.0.0.1:{web_port}",
        DJANGO_STATIC_ROOT=str(CHAOS_DIR / "static"),
        **TIMINGS,
    )
    processes.prepare_web(env)
    setup_django(env)
    phase_count = 6
    offers = int(args.rate * (args.phase_seconds * (phase_count - 1) + args.redis_outage + 10))
    plan = seed(offers, rng)
    from django.db import connection

    connection.close()
    say(f"chaos: migrated and seeded; {len(plan)} offers planned at {args.rate}/s")

    gunicorn = processes.start_gunicorn(
        port=web_port, env=env, directory=CHAOS_DIR, workers=args.web_workers
    )
    cleanup.callback(gunicorn.stop)
    worker_command, beat_command, source = deployment_commands()
    worker = Celery("worker", worker_command, env)
    # Beat's schedule file in var/chaos/, not the checkout.
    if "--schedule" not in beat_command:
        beat_command = f"{beat_command} --schedule {CHAOS_DIR / 'beat-schedule'}"
    beat = Celery("beat", beat_command, env)
    for celery in (worker, beat):
        cleanup.callback(celery.stop)
        celery.start()
        wait_ready(celery)
    say(f"chaos: gunicorn on port {web_port}; worker and beat as the {source} says:")
    say(f"         worker: {worker_command}")
    say(f"         beat:   {beat_command}")

    def sigkill(celery: Celery, phase: Phase) -> None:
        killed = celery.sigkill()
        phase.notes.append(f"SIGKILLed {killed} {celery.role} process(es)")
        if args.hand_restart:

            def maybe_restart() -> None:
                if not celery.running():
                    phase.notes.append(f"restarted the {celery.role} by hand (--hand-restart)")
                    celery.start()
                else:
                    phase.notes.append(f"the deployment restarted the {celery.role}")

            threading.Timer(args.hand_restart, maybe_restart).start()

    def redis_down(phase: Phase) -> None:
        redis_server.kill()
        phase.notes.append("redis-server killed (queued tasks lost)")

        def back() -> None:
            redis_server.start()
            phase.notes.append(f"redis-server started again, empty, after {args.redis_outage}s")

        threading.Timer(args.redis_outage, back).start()

    def smtp_flaky(rate: float) -> None:
        smtp.failure_rate = rate

    def pg_restart(phase: Phase) -> None:
        began = time.monotonic()
        cluster.restart()
        phase.notes.append(f"PostgreSQL restarted in {time.monotonic() - began:.1f}s")

    phases = [Phase("calm", args.phase_seconds)]
    phases.append(Phase("worker SIGKILL", args.phase_seconds))
    phases[-1].begin = lambda phase=phases[-1]: sigkill(worker, phase)
    phases.append(Phase(f"Redis down {args.redis_outage:.0f}s", args.redis_outage + 10))
    phases[-1].begin = lambda phase=phases[-1]: redis_down(phase)
    phases.append(Phase(f"SMTP 451 on {args.smtp_failure_rate:.0%}", args.phase_seconds))
    phases[-1].begin = lambda: smtp_flaky(args.smtp_failure_rate)
    phases[-1].end = lambda: smtp_flaky(0.0)
    phases.append(Phase("PostgreSQL restart", args.phase_seconds))
    phases[-1].begin = lambda phase=phases[-1]: pg_restart(phase)
    phases.append(Phase("beat SIGKILL", args.phase_seconds))
    phases[-1].begin = lambda phase=phases[-1]: sigkill(beat, phase)

    people = People(plan, args.rate, args.users, web_port)
    t0 = time.monotonic()
    people.start(t0)
    for phase in phases:
        people.phase = phase.name
        say(f"  [{time.monotonic() - t0:5.1f}s] phase: {phase.name}")
        threading.Thread(target=phase.begin, daemon=True).start()
        time.sleep(phase.seconds)
        phase.end()
    people.finish()
    tried = people.results()
    say(f"chaos: {len(tried)} offers tried in {time.monotonic() - t0:.0f}s; waiting for email")

    deadline = time.monotonic() + args.timeout
    last = 0.0
    worker_seen = time.monotonic()
    while time.monotonic() < deadline:
        pending = pending_rows()
        if pending == 0:
            break
        if worker.running():
            worker_seen = time.monotonic()
        elif time.monotonic() - worker_seen > NO_WORKER_GIVE_UP_SECONDS:
            say(f"chaos: no worker for {NO_WORKER_GIVE_UP_SECONDS}s and nothing restarts it")
            break
        if time.monotonic() - last > PROGRESS_SECONDS:
            last = time.monotonic()
            alive = f"worker {'up' if worker.running() else 'DOWN'}, beat "
            alive += "up" if beat.running() else "DOWN"
            say(f"  [{time.monotonic() - t0:5.1f}s] {pending} emails pending; {alive}")
        time.sleep(1)
    drained = pending_rows() == 0
    say(f"chaos: {'every email sent or failed' if drained else 'TIMED OUT with emails pending'}")
    time.sleep(args.settle)

    result = compute(tried, smtp, phases)
    result.update(
        drained=drained,
        worker_command=worker_command,
        beat_command=beat_command,
        commands_from=source,
        total_seconds=time.monotonic() - started,
        settings={**vars(args), **TIMINGS},
    )
    (CHAOS_DIR / "result.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    print_table(result)
    say(f"chaos: figures in {CHAOS_DIR / 'result.json'}, logs in {CHAOS_DIR}/")
    connection.close()
    bad = any(
        row["lost"] or row["duplicates"] or row["server_errors"] or row["no_answer"]
        for row in result["phases"]
    )
    return 1 if bad or not drained else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    with contextlib.ExitStack() as cleanup:
        try:
            return run(args, cleanup)
        except KeyboardInterrupt:
            say("chaos: interrupted")
            return 130
        finally:
            say("chaos: stopping gunicorn, worker, beat, redis-server and PostgreSQL")


if __name__ == "__main__":
    sys.exit(main())
