"""Tiers of tests: which ones can run here, and what happens when one can't.

Loaded as a pytest plugin (`-p tests.tiers` in pyproject.toml), so it sees
every run, whichever directories are collected.

- fast: everything that needs only the database (the default).
- integration: tests/integration, marked `integration`. Needs PostgreSQL (a worker
  process must see the test database), Redis and a Celery worker subprocess.
- browser: tests/e2e, marked `e2e`. Needs Chromium (/usr/bin/chromium, or
  the path in BOARD_CHROMIUM).

Locally a tier whose requirements are missing is skipped, with the reason.
With CI=true (or BOARD_REQUIRE_ALL_TIERS=1) a missing requirement is a
failure, and so is a tier that ran no test at all: in a full run (`pytest`
with no paths, as `make test` does) all three tiers must have passed tests;
in a partial run, every tier that was collected must have. BOARD_REQUIRE_TIERS
(or --require-tiers) names the required tiers explicitly, e.g. "integration,browser".

`--tiers fast` (or "integration,browser") runs only those tiers' tests, by
marker, whatever directory they are in; a full run split this way (as `make
test` does: the fast tier under pytest-xdist, then the tiers that start real
processes on fixed Redis databases, without it) requires, in CI, exactly the
tiers each part names.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

FAST, INTEGRATION, BROWSER = "fast", "integration", "browser"
TIERS = (FAST, INTEGRATION, BROWSER)
TESTS_DIR = Path(__file__).resolve().parent
TIER_DIRS = {INTEGRATION: TESTS_DIR / "integration", BROWSER: TESTS_DIR / "e2e"}
TIER_MARKERS = {INTEGRATION: "integration", BROWSER: "e2e"}
TIER_PROPERTY = "board_tier"

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# The integration tier uses its own Redis database, flushed at the start, so it
# never touches a developer's queued tasks or cache (db 0 by default); another
# one with BOARD_INTEGRATION_REDIS_DB, if 15 is taken.
INTEGRATION_REDIS_DB = int(os.environ.get("BOARD_INTEGRATION_REDIS_DB") or 15)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# --- Policy ----------------------------------------------------------------------


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def require_all_tiers() -> bool:
    """In CI every tier must run: a missing service is a failure, not a skip."""
    return _env_true("CI") or _env_true("BOARD_REQUIRE_ALL_TIERS")


def unavailable(tier: str, reason: str) -> None:
    """Skip the tier here, or fail it in CI. Never returns."""
    message = f"{tier} tier cannot run: {reason}"
    if require_all_tiers():
        pytest.fail(f"{message} (CI=true or BOARD_REQUIRE_ALL_TIERS=1: every tier must run)")
    pytest.skip(message)


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL


def integration_redis_url() -> str:
    """REDIS_URL's server with the integration tier's own database number.

    Under pytest-xdist each worker process gets a database of its own
    (15, 14, ...), so two workers' Celery queues never mix."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    offset = int("".join(ch for ch in worker if ch.isdigit()) or 0) % 8
    parts = urlsplit(redis_url())
    return urlunsplit(parts._replace(path=f"/{INTEGRATION_REDIS_DB - offset}", query=""))


def _redis_problem(url: str) -> str | None:
    try:
        import redis
    except ImportError:
        return "the `redis` package is not installed"
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"Redis at {url} is not reachable ({exc}); set REDIS_URL or start redis-server"
    finally:
        client.close()
    return None


def integration_problem() -> str | None:
    """Why the integration tier can't run here, or None. Needs Django configured."""
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        return (
            f"it needs PostgreSQL (a worker process must see the test database), "
            f"but the database is {engine.rsplit('.', 1)[-1]}; "
            "set DATABASE_URL=postgres://USER@HOST:5432/NAME"
        )
    if importlib.util.find_spec("celery") is None:
        return "Celery is not installed, so no worker process can be started"
    if importlib.util.find_spec("aiosmtpd") is None:
        return "aiosmtpd is not installed, so there is no SMTP server to receive mail"
    return _redis_problem(redis_url())


def chromium_path() -> str | None:
    configured = os.environ.get("BOARD_CHROMIUM")
    candidate = configured or "/usr/bin/chromium"
    if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
        return candidate
    return None if configured else shutil.which("chromium")


def browser_problem() -> str | None:
    """Why the browser tier can't run here, or None."""
    if importlib.util.find_spec("playwright") is None:
        return "the `playwright` package is not installed"
    if chromium_path() is None:
        where = os.environ.get("BOARD_CHROMIUM") or "/usr/bin/chromium"
        return (
            f"Chromium was not found at {where}; install Debian's chromium "
            "(apt-get install chromium) or set BOARD_CHROMIUM"
        )
    return None


@contextmanager
def database_content_kept(django_db_blocker) -> Iterator[None]:
    """Leave the test database as it was found (with the rows data migrations
    seed, such as categories) after a run of transactional tests.

    The integration and browser tiers need committed data (a worker process, a
    live server thread), so each of their tests ends by emptying every table.
    Their tests use `serialized_rollback`, so each starts from the database's
    content at setup; this puts that content back after the last of them too,
    or with --reuse-db the next run would find an empty database."""
    from django.db import connection

    with django_db_blocker.unblock():
        content = getattr(connection, "_test_serialized_contents", None)
        if content is None:
            content = connection.creation.serialize_db_to_string()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(content)


# --- The plugin ----------------------------------------------------------------------


def tier_of(item: pytest.Item) -> str:
    if item.get_closest_marker(TIER_MARKERS[INTEGRATION]):
        return INTEGRATION
    if item.get_closest_marker(TIER_MARKERS[BROWSER]):
        return BROWSER
    return FAST


def _tier_names(value: str, option: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = sorted(set(names) - set(TIERS))
    if unknown:
        raise pytest.UsageError(f"{option}: unknown tier(s) {unknown}; use {TIERS}")
    return names


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--tiers",
        default="",
        help=(
            "Comma-separated tiers (fast, integration, browser) whose tests to run; the "
            "others are deselected. Default: every tier."
        ),
    )
    parser.addoption(
        "--require-tiers",
        default=os.environ.get("BOARD_REQUIRE_TIERS", ""),
        help=(
            "Comma-separated tiers (fast, integration, browser) that must each pass at least "
            "one test, or the run fails. Default: with CI=true, all three in a full run, "
            "else the tiers collected. Env: BOARD_REQUIRE_TIERS."
        ),
    )


def pytest_load_initial_conftests() -> None:
    """Runs after pytest-django has configured Django (its hook is tryfirst),
    before any conftest or test module is imported."""
    keep_drf_off_our_requests_app()


def keep_drf_off_our_requests_app() -> None:
    """DRF's `rest_framework.compat` does `try: import requests`, for its
    optional RequestsClient. Here that finds our app, not PyPI's package, and
    `import rest_framework.test` (APIClient) then dies on `requests.packages`.
    Tell DRF the truth: PyPI's requests is not installed."""
    try:
        import rest_framework.compat
    except Exception:  # Django not configured (-p no:django): nothing imports DRF then
        return

    found = getattr(rest_framework.compat, "requests", None)
    if found is not None and not hasattr(found, "Session"):
        rest_framework.compat.requests = None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests by directory, so `-m "not e2e"` and the tier count work, and keep
    only the tiers `--tiers` names."""
    for item in items:
        path = Path(str(item.path)).resolve()
        for tier, directory in TIER_DIRS.items():
            if directory in path.parents and not item.get_closest_marker(TIER_MARKERS[tier]):
                item.add_marker(TIER_MARKERS[tier])
        # Reports carry user_properties (also from pytest-xdist workers), not markers.
        item.user_properties.append((TIER_PROPERTY, tier_of(item)))
    chosen = _tier_names(config.getoption("--tiers"), "--tiers")
    if chosen:
        deselected = [item for item in items if tier_of(item) not in chosen]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = [item for item in items if tier_of(item) in chosen]


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # an xdist worker: the controller counts
        config.pluginmanager.register(TierCount(config), "board-tier-count")


def required_tiers(config: pytest.Config, collected: Counter) -> list[str]:
    explicit = config.getoption("--require-tiers")
    if explicit:
        return _tier_names(explicit, "--require-tiers")
    if not require_all_tiers():
        return []
    if config.args_source == pytest.Config.ArgsSource.TESTPATHS:
        # The full suite (`pytest`, each part of `make test`): every tier it chose.
        return _tier_names(config.getoption("--tiers"), "--tiers") or list(TIERS)
    return [tier for tier in TIERS if collected[tier]]  # the tiers asked for


class TierCount:
    """Counts tests per tier; fails a run in which a required tier did not run
    (so CI never goes green with a tier silently missing), and says why a tier
    was skipped even without `-rs`."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.selected: Counter = Counter()
        self.passed: Counter = Counter()
        self.skipped: Counter = Counter()
        self.reasons: dict[str, set[str]] = {tier: set() for tier in TIERS}
        self.missing: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Reports, not items: under pytest-xdist only the workers collect, and
        # their reports (with the tier in `user_properties`) reach this process.
        tier = dict(report.user_properties).get(TIER_PROPERTY, FAST)
        if report.when == "setup":
            self.selected[tier] += 1  # selected (after -m/-k) and started
        if report.skipped:
            self.skipped[tier] += 1
            if isinstance(report.longrepr, tuple):
                self.reasons[tier].add(report.longrepr[2].removeprefix("Skipped: "))
        elif report.when == "call" and report.passed:
            self.passed[tier] += 1

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if exitstatus == pytest.ExitCode.INTERRUPTED or self.config.option.collectonly:
            return
        required = required_tiers(self.config, self.selected)
        self.missing = [tier for tier in required if not self.passed[tier]]
        passing = (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)
        if self.missing and session.exitstatus in passing:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        missing = self.missing
        shown = [
            tier
            for tier in TIERS
            if tier in missing
            or (tier != FAST and self.skipped[tier])
            or (require_all_tiers() and self.selected[tier])
        ]
        if not shown:
            return
        terminalreporter.section("tiers")
        for tier in shown:
            line = f"{tier:>11}: {self.selected[tier]} selected, {self.passed[tier]} passed"
            if self.skipped[tier]:
                line += f", {self.skipped[tier]} skipped"
            if tier in missing:
                line += "  <-- DID NOT RUN"
            terminalreporter.write_line(line, red=tier in missing)
            for reason in sorted(self.reasons[tier])[:3]:
                terminalreporter.write_line(f"             {reason}", yellow=True)
        if missing:
            terminalreporter.write_line(
                f"FAILED: the {', '.join(missing)} tier(s) passed no test, and every tier must "
                "run here (CI=true, BOARD_REQUIRE_ALL_TIERS=1 or --require-tiers).",
                red=True,
            )
