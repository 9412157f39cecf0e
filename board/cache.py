"""A Redis cache that the web keeps working without.

Everything on the cache (the board's posting limits, the API throttles,
allauth's sign-in limits, the crisis phrases) goes through Django's default
cache. When Redis is unreachable, this backend answers from a small cache in
the process's own memory instead of raising, and a circuit breaker stops
asking Redis for a few seconds after a failure, so no request waits on a
dead socket. The first failure after a healthy spell is logged at warning
level, and so is the recovery.

The choice (a short local fallback, not failing open): while Redis is down,
each web process counts posting limits on its own, so a person gets at most
the limit once per process rather than no limit at all; the counts start
again from zero when Redis is back. Cached values are recomputed per process.
Nothing that must outlive a request lives only in the cache: sessions are in
the database.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

T = TypeVar("T")

# Redis being unreachable: refused, reset, timed out, still loading its data.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
DEFAULT_RETRY_SECONDS = 5.0
# A dead socket costs at most this per request before the breaker opens.
DEFAULT_SOCKET_TIMEOUT = 0.5


class CircuitBreaker:
    """Closed: calls go to Redis. After a failure it opens for `retry_seconds`
    (calls go straight to the fallback); then one call tries Redis again, and
    the breaker closes if it succeeds or stays open for another spell."""

    def __init__(self, retry_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.retry_seconds = retry_seconds
        self.clock = clock
        self._open_until = 0.0
        self._failing = False
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self.clock() < self._open_until

    def allow(self) -> bool:
        """Whether this call may try Redis. Half-open: only one caller at a time
        gets through once the spell is over; the others keep using the fallback."""
        with self._lock:
            now = self.clock()
            if now < self._open_until:
                return False
            if self._failing:
                # Hold the others off while this one probes.
                self._open_until = now + self.retry_seconds
            return True

    def failed(self, error: BaseException, operation: str) -> None:
        with self._lock:
            first = not self._failing
            self._failing = True
            self._open_until = self.clock() + self.retry_seconds
        if first:
            log.warning(
                "The cache (Redis) is unreachable (%s during %s): using this process's "
                "own memory and trying Redis again every %.0fs.",
                error,
                operation,
                self.retry_seconds,
            )

    def succeeded(self) -> None:
        if not self._failing:
            return
        with self._lock:
            recovered, self._failing, self._open_until = self._failing, False, 0.0
        if recovered:
            log.warning("The cache (Redis) is reachable again.")


class ResilientRedisCache(RedisCache):
    """Django's RedisCache, falling back to a local-memory cache while Redis is
    unreachable (see the module's docstring). OPTIONS takes the usual redis-py
    options plus RETRY_SECONDS (how long the breaker stays open)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        retry_seconds = float(options.pop("RETRY_SECONDS", DEFAULT_RETRY_SECONDS))
        # Short socket timeouts: a Redis that stopped answering (rather than
        # refusing) must not hold a person's request for redis-py's 5 s default.
        options.setdefault("socket_connect_timeout", DEFAULT_SOCKET_TIMEOUT)
        options.setdefault("socket_timeout", DEFAULT_SOCKET_TIMEOUT)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self.breaker = CircuitBreaker(retry_seconds)
        self.fallback = LocMemCache(
            f"board-cache-fallback-{id(self)}",
            {"TIMEOUT": params.get("TIMEOUT", DEFAULT_TIMEOUT), "OPTIONS": {"MAX_ENTRIES": 10_000}},
        )

    def _either(
        self, operation: str, redis_call: Callable[[], T], local_call: Callable[[], T]
    ) -> T:
        if not self.breaker.allow():
            return local_call()
        try:
            result = redis_call()
        except UNREACHABLE as error:
            self.breaker.failed(error, operation)
            return local_call()
        self.breaker.succeeded()
        return result

    def add(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        return self._either(
            "add",
            lambda: super(ResilientRedisCache, self).add(key, value, timeout, version),
            lambda: self.fallback.add(key, value, timeout, version),
        )

    def get(self, key: Any, default: Any | None = None, version: int | None = None) -> Any:
        return self._either(
            "get",
            lambda: super(ResilientRedisCache, self).get(key, default, version),
            lambda: self.fallback.get(key, default, version),
        )

    def set(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> None:
        return self._either(
            "set",
            lambda: super(ResilientRedisCache, self).set(key, value, timeout, version),
            lambda: self.fallback.set(key, value, timeout, version),
        )

    def touch(
        self, key: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._either(
            "touch",
            lambda: super(ResilientRedisCache, self).touch(key, timeout, version),
            lambda: self.fallback.touch(key, timeout, version),
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        # A delete that cannot reach Redis (a staff change dropping a cached
        # value) is also made locally; Redis keeps the old value until it
        # expires, which the callers' short timeouts allow for.
        self.fallback.delete(key, version)
        return self._either(
            "delete",
            lambda: super(ResilientRedisCache, self).delete(key, version),
            lambda: False,
        )

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        return self._either(
            "get_many",
            lambda: super(ResilientRedisCache, self).get_many(keys, version),
            lambda: self.fallback.get_many(keys, version),
        )

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._either(
            "has_key",
            lambda: super(ResilientRedisCache, self).has_key(key, version),
            lambda: self.fallback.has_key(key, version),
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._either(
            "incr",
            lambda: super(ResilientRedisCache, self).incr(key, delta, version),
            lambda: self.fallback.incr(key, delta, version),
        )

    def set_many(
        self,
        data: dict[Any, Any],
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> list[Any]:
        return self._either(
            "set_many",
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
            lambda: self.fallback.set_many(data, timeout, version),
        )

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        self.fallback.delete_many(keys, version)
        return self._either(
            "delete_many",
            lambda: super(ResilientRedisCache, self).delete_many(keys, version),
            lambda: None,
        )

    def clear(self) -> None:
        self.fallback.clear()
        self._either("clear", lambda: super(ResilientRedisCache, self).clear(), lambda: False)
