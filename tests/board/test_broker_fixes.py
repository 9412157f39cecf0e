"""The kombu fix that keeps a worker alive when Redis dies while it holds a
task (board/broker_fixes.py). The crash itself is reproduced over real
services in tests/integration/test_delivery_faults.py."""

from __future__ import annotations

from importlib.metadata import version
from types import SimpleNamespace

import pytest
import redis
from kombu.transport import redis as redis_transport

from board import broker_fixes


def test_it_is_installed_on_the_kombu_it_was_written_for():
    assert redis_transport.Channel.close.board_fix is True
    # Upgrading kombu? Check whether its Channel.close still aborts when the
    # pending BRPOP read fails, then drop the fix or move this pin.
    assert version("kombu") == broker_fixes.PATCHED_KOMBU_VERSION


def _channel(calls: list[str], failures: int):
    """A stand-in for a Redis channel whose first `failures` closes fail reading
    the pending BRPOP reply, as on a dead socket (which clears `_in_poll`)."""
    channel = SimpleNamespace(
        _in_poll=True, closed=False, connection_errors=(redis.ConnectionError,)
    )

    def original_close(self) -> None:
        calls.append("close")
        if len(calls) <= failures:
            self._in_poll = None
            raise redis.ConnectionError("Connection closed by server.")
        self.closed = True

    return channel, broker_fixes._close_even_if_the_pending_read_fails(original_close)


def test_it_finishes_closing_a_channel_whose_pending_read_failed():
    calls: list[str] = []
    channel, close = _channel(calls, failures=1)

    close(channel)

    assert calls == ["close", "close"]
    assert channel.closed is True


def test_an_error_from_the_close_proper_still_reaches_the_caller():
    calls: list[str] = []
    channel, close = _channel(calls, failures=2)

    # kombu's Connection.maybe_close_channel ignores connection errors.
    with pytest.raises(redis.ConnectionError):
        close(channel)
    assert calls == ["close", "close"]
