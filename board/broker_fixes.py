"""A fix to kombu's Redis transport, so a worker survives the broker going away
while it holds an unacknowledged task (issue 9).

The crash, as a prefork worker logs it when Redis dies mid-task::

    consumer: Connection to broker lost. Trying to re-establish the connection...
    Restoring 1 unacknowledged message(s)
    CRITICAL Unrecoverable error: AttributeError("'NoneType' object has no attribute 'hostname'")

and the worker exits for good. The cause, in kombu 5.7.0 with celery 5.7.0:

1. On a lost connection Celery's consumer calls `connection.collect()` and then
   `connection.close()` (celery/worker/consumer/consumer.py,
   `on_connection_error_after_connected`).
2. `collect()` closes the default channel. The Redis `Channel.close` first reads
   the reply of the BRPOP it has in flight (`if self._in_poll:
   self._brpop_read()`, added so a popped task is not lost at shutdown). On a
   dead socket that read raises ConnectionError, which aborts `close()` before
   the channel is marked closed; `maybe_close_channel` swallows the error.
   `collect()` then detaches the transport (`transport.client = None`).
3. `close()` closes the same channel again. This time the read is not pending,
   so it goes on to restore the unacknowledged task, which needs a new
   connection pool, whose parameters come from `transport.client`: None. The
   AttributeError is no connection error, so Celery calls it unrecoverable.

Only the event-loop consumer (the prefork pool, as the README runs it) with a
task in hand hits it: without an unacknowledged message nothing is restored.

The fix: when reading the pending reply fails because the connection is gone,
the close goes on (the reply can never be read; a task Redis popped for it is
in no unacked index and comes back through the outbox sweeper). The first close
then finishes while the transport is still attached, and the second one is a
no-op. Worth upstreaming to kombu as a try/except around `_brpop_read()` in
`Channel.close`; until a release has it, kombu is pinned and
`tests/board/test_broker_fixes.py` fails on another version, so that whoever
upgrades checks whether this is still needed.
"""

from __future__ import annotations

import logging
from typing import Any

import kombu
from kombu.transport import redis as redis_transport

logger = logging.getLogger(__name__)

PATCHED_KOMBU_VERSION = "5.7.0"


def _close_even_if_the_pending_read_fails(original: Any) -> Any:
    def close(self: redis_transport.Channel) -> None:
        try:
            original(self)
        except self.connection_errors:
            if self._in_poll or self.closed:
                raise
            # The pending BRPOP reply could not be read (the socket is dead),
            # and `_brpop_read` has cleared `_in_poll`: close again, for real,
            # now that there is nothing left to read.
            logger.info("Closing a Redis channel whose connection is gone.")
            original(self)

    close.__wrapped__ = original  # type: ignore[attr-defined]
    close.board_fix = True  # type: ignore[attr-defined]
    return close


def install() -> None:
    """Patch kombu's Redis channel once (idempotent)."""
    channel = redis_transport.Channel
    if getattr(channel.close, "board_fix", False):
        return
    if kombu.__version__ != PATCHED_KOMBU_VERSION:
        logger.warning(
            "board.broker_fixes was written for kombu %s, this is %s: check whether "
            "the Redis channel close fix is still needed.",
            PATCHED_KOMBU_VERSION,
            kombu.__version__,
        )
    # Patching kombu's class is the point of this module.
    channel.close = _close_even_if_the_pending_read_fails(channel.close)  # type: ignore[method-assign]
