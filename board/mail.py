"""Local mail: one `.eml` file per message under var/mail/, no SMTP server needed."""

from __future__ import annotations

import email
import email.policy
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend


class LocalFileBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        directory = Path(settings.MAIL_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
            path = directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            path.write_bytes(message.message().as_bytes())
        return len(email_messages)


@dataclass(frozen=True)
class LocalMail:
    name: str
    to: str
    subject: str
    date: str
    text: str


def read_local_mail(limit: int = 50) -> list[LocalMail]:
    """The newest locally kept messages, for the debug-only mail page."""
    directory = Path(settings.MAIL_DIR)
    if not directory.is_dir():
        return []
    files = sorted(directory.glob("*.eml"), reverse=True)[:limit]
    mails = []
    for path in files:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",))
        mails.append(
            LocalMail(
                name=path.stem,
                to=str(msg["To"]),
                subject=str(msg["Subject"]),
                date=str(msg["Date"]),
                text=body.get_content() if body else "",
            )
        )
    return mails
