"""An SMTP server in the test's own process (aiosmtpd) that records what it is
sent and can be told to fail: the integration tier's mail server, and the
chaos run's (which refuses a share of messages with a transient 451).

No pytest here: tests/integration/conftest.py and benchmarks/chaos.py both use it.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

from tests.support.processes import free_port

ACCEPTED = "250 Message accepted for delivery"
TRANSIENT = "451 4.3.0 try again later"


@dataclass
class Attempt:
    message_id: str
    at: float  # time.monotonic()
    accepted: bool


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class RecordingHandler:
    """An aiosmtpd handler that keeps every message, and can be told to answer
    the next DATA (or RCPT) commands with an error (e.g. a transient 451, a
    permanent 554 or 550), or to hold the next DATA command without answering
    until `release` is set (a send stalled mid-way, for killing its worker).
    With `accept_after_stall`, the held message is accepted once released (a
    slow server that does take it), instead of refused."""

    messages: list[Received] = field(default_factory=list)
    # Every DATA command answered: its Message-ID, when, and whether it was accepted.
    attempts: list[Attempt] = field(default_factory=list)
    data_attempts: int = 0
    rcpt_attempts: int = 0
    fail_next: list[str] = field(default_factory=list)
    refuse_rcpt_next: list[str] = field(default_factory=list)
    stall_next: bool = False
    accept_after_stall: bool = False
    # A share of DATA commands refused with a transient 451, drawn from `random`
    # (seed it for a reproducible run).
    failure_rate: float = 0.0
    random: random.Random = field(default_factory=lambda: random.Random(0))
    # Set once a DATA command is being held; `release` ends the hold.
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self.attempts.clear()
            self.data_attempts = 0
            self.rcpt_attempts = 0
            self.fail_next.clear()
            self.refuse_rcpt_next.clear()
            self.stall_next = False
            self.accept_after_stall = False
            self.stalled = threading.Event()
            # A DATA command still held by a previous test ends now.
            self.release.set()
            self.release = threading.Event()

    def received(self) -> list[Received]:
        with self.lock:
            return list(self.messages)

    def answered(self) -> list[Attempt]:
        with self.lock:
            return list(self.attempts)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        with self.lock:
            self.rcpt_attempts += 1
            if self.refuse_rcpt_next:
                return self.refuse_rcpt_next.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.data_attempts += 1
            stall, self.stall_next = self.stall_next, False
            if not stall:
                parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
                refusal = self._refusal()
                message_id = str(parsed.get("Message-ID", "")).strip()
                self.attempts.append(Attempt(message_id, time.monotonic(), refusal is None))
                if refusal is not None:
                    return refusal
                self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
                return ACCEPTED
            stalled, release = self.stalled, self.release
        # Held without an answer: the client's worker may be killed meanwhile
        # (aiosmtpd then cancels this), or the broker stopped.
        stalled.set()
        while not release.is_set():
            await asyncio.sleep(0.05)
        with self.lock:
            if self.accept_after_stall:
                parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
                self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
                return ACCEPTED
        return "451 4.4.2 The sender went away before this message was accepted"

    def _refusal(self) -> str | None:
        """The answer refusing this DATA command, or None to accept it (lock held)."""
        if self.fail_next:
            return self.fail_next.pop(0)
        if self.failure_rate and self.random.random() < self.failure_rate:
            return TRANSIENT
        return None


@contextmanager
def running_smtp_server(handler: RecordingHandler) -> Iterator:
    """An aiosmtpd controller for `handler` on a free port (`.port`), stopped afterwards."""
    from aiosmtpd.controller import Controller

    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()
