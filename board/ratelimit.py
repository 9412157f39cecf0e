"""A small cache-based rate limiter for posting requests, offers and messages.

Rates read like allauth's: "5/h" is five per hour, "30/10m" thirty per ten
minutes (units s, m, h, d). Windows are fixed, counted in the shared cache
(Redis in production), keyed by action and person.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from board.errors import Limited

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(text: str) -> Rate | None:
    """'5/h' -> Rate(5, 3600); an empty text means no limit."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        count, period = text.split("/")
        number, unit = period[:-1] or "1", period[-1]
        return Rate(int(count), int(number) * UNITS[unit])
    except (ValueError, KeyError):
        raise ImproperlyConfigured(
            f"A rate limit looks like '5/h' or '30/10m', not {text!r}"
        ) from None


def consume(*, action: str, key: str | int) -> int | None:
    """Count one `action` by `key`. None if allowed, else the seconds to wait."""
    rate = parse_rate(settings.BOARD_RATE_LIMITS.get(action, ""))
    if rate is None:
        return None
    now = time.time()
    window = int(now // rate.seconds)
    cache_key = f"board:ratelimit:{action}:{key}:{rate.seconds}:{window}"
    cache.add(cache_key, 0, timeout=rate.seconds + 1)
    try:
        used = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=rate.seconds + 1)
        used = 1
    if used <= rate.count:
        return None
    return max(1, math.ceil((window + 1) * rate.seconds - now))


# Set only while bulk demo data is written (seed_demo): its people post faster than anyone may.
_lifted: ContextVar[bool] = ContextVar("board_ratelimit_lifted", default=False)


@contextmanager
def lifted() -> Iterator[None]:
    """Posting limits off inside this block, for bulk demo data only."""
    token = _lifted.set(True)
    try:
        yield
    finally:
        _lifted.reset(token)


def check_rate(*, action: str, key: str | int) -> None:
    """Count one `action` by `key` (a person); past the limit, Limited saying when
    to try again. The services call it, so every edge (page, API, task) counts
    the same action once."""
    if _lifted.get():
        return
    if wait := consume(action=action, key=key):
        raise Limited(limited_message(wait), retry_after=wait)


def wait_text(seconds: int) -> str:
    if seconds < 90:
        return _("about a minute")
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return ngettext("about %(n)d minute", "about %(n)d minutes", minutes) % {"n": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext("about %(n)d hour", "about %(n)d hours", hours) % {"n": hours}


def limited_message(seconds: int) -> str:
    return _(
        "You're posting faster than the board allows right now, which keeps it safe for "
        "everyone. Everything you wrote is still here: please try again in %(wait)s."
    ) % {"wait": wait_text(seconds)}


def with_retry_after(response: HttpResponse, seconds: int) -> HttpResponse:
    response.status_code = 429
    response["Retry-After"] = str(seconds)
    return response


def too_many(request: HttpRequest, seconds: int) -> HttpResponse:
    """The kind 429 page, for actions with no form to give back."""
    response = render(request, "429.html", {"wait": wait_text(seconds)}, status=429)
    return with_retry_after(response, seconds)
