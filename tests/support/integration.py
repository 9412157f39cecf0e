"""What the integration tier's tests share besides fixtures: waiting for
something to happen (a failure after a deadline), and the environment of the
worker and web processes they start, on the test database."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support.processes import board_env

DEADLINE_SECONDS = 20
SITE_URL = "http://testserver"


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


def url_of_database(settings_dict: dict) -> str:
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
