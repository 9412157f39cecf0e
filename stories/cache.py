"""The cache in front of published stories.

The Stories page and the one short story on the ask form read published
stories from the cache. Every change that could alter what is published
(publish, edit, withdraw, decline, the helper's answer, a deleted account)
calls `forget_published()`, which moves to a new version so that no cached copy
is read again: a withdrawn story is gone everywhere at once. It runs at once and
again after commit, so a page cached in between (with the old rows) is dropped too.

The cache is a help, never a need: if it is unreachable, pages read the database.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

VERSION_KEY = "stories:version"
SECONDS = 15 * 60
T = TypeVar("T")


def _version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY) or version
    return version


def cached(name: str, compute: Callable[[], T]) -> T:
    """`compute()`'s value under `name` for the current version of published stories."""
    try:
        key = f"stories:{_version()}:{name}"
        value = cache.get(key)
    except Exception:
        logger.warning("The cache is unreachable; reading stories from the database.")
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, SECONDS)
        except Exception:
            logger.warning("The cache is unreachable; stories were not cached.")
    return value


def _bump() -> None:
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    except Exception:
        # Entries expire after SECONDS anyway; log loudly, a withdrawal is at stake.
        logger.error("Could not drop the cached stories (cache unreachable).")


def forget_published() -> None:
    _bump()
    transaction.on_commit(_bump, robust=True)
