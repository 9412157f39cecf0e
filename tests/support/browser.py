"""What the browser tier's journeys share: signing in, submitting, reading mail."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core import mail
from playwright.sync_api import Page, expect

PASSWORD = "a-good-long-password"  # tests/factories.py


def submit(page: Page, field: str) -> None:
    """Click the submit button of the form holding the named field."""
    page.locator(f"form:has([name={field}]) [type=submit]").first.click()


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    submit(page, "password")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


class Mailbox:
    """The emails sent since the last look (tasks run in-process in this tier,
    and the live server shares this process's `mail.outbox`)."""

    def __init__(self) -> None:
        self.seen = len(mail.outbox)

    def new(self) -> list:
        fresh = mail.outbox[self.seen :]
        self.seen = len(mail.outbox)
        return fresh

    @staticmethod
    def to(messages: list, address: str) -> list:
        return [message for message in messages if message.to == [address]]


def link_path(message, pattern: str) -> str:
    """The path (and query) of the first link in an email matching `pattern`."""
    found = re.search(rf"https?://\S*{pattern}\S*", message.body)
    assert found, f"no link like {pattern!r} in {message.subject!r}"
    parts = urlsplit(found.group(0))
    return f"{parts.path}?{parts.query}" if parts.query else parts.path
