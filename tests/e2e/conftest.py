"""The browser tier: Playwright's sync API driving Debian's Chromium against
pytest-django's live server (a real HTTP server in a thread of this process).

Tasks run in-process (test settings) and mail goes to `django.core.mail.outbox`,
so a test reads the verification email there. Each person gets their own
browser context: separate cookies, as two people on two machines.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from tests import tiers

TIMEOUT_MS = 15_000


@pytest.fixture(scope="session", autouse=True)
def browser_tier():
    """Skip the tier here, or fail it in CI, when Chromium is missing."""
    problem = tiers.browser_problem()
    if problem:
        tiers.unavailable(tiers.BROWSER, problem)


@pytest.fixture(scope="package")
def allow_orm_beside_playwright(browser_tier):
    """Playwright's sync API keeps an event loop in this thread, which makes
    Django refuse ORM calls from the test ("async unsafe"). The test does
    run them synchronously, so that is safe here; put back afterwards."""
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if saved is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture(scope="package")
def database_kept(django_db_setup, django_db_blocker):
    with tiers.database_content_kept(django_db_blocker):
        yield


@pytest.fixture
def browser(browser_tier, transactional_db, allow_orm_beside_playwright):
    """Chromium, for one test.

    Started after the test database is set up for the test and stopped before
    it is emptied: while Playwright's event loop is current, Django hands this
    thread a separate set of database connections (asgiref's Local is
    context-local under a running loop), and pytest-django's own setup and
    teardown must run on the usual ones.
    """
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=tiers.chromium_path(), args=tiers.CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            connections.close_all()  # the ones the test body opened beside Playwright
            chromium.close()


@pytest.fixture
def new_person(browser, live_server, database_kept) -> Callable:
    """Opens a page in a fresh browser context (one person's browser)."""
    contexts = []

    def open_page():
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
