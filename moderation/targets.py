"""What can be reported or acted on: a request, an offer or a message.

One small frozen class per kind, so code that holds a `Target` knows which one it
has (`match`, or `target.kind`) and every field is set: no "three optional
fields, exactly one filled in". Each answers the same questions (who wrote it,
which request it belongs to, what it says) and names itself to a `Report` or a
`ModerationAction` row by the one foreign key it fills (`fields()`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal

from accounts.models import User
from moderation.models import ModerationAction, Report
from requests.models import HelpRequest, Message, Offer

Kind = Literal["request", "offer", "message"]
KINDS: tuple[Kind, ...] = ("request", "offer", "message")


class _Content(ABC):
    """What the three kinds share; each subclass says where its answers come from."""

    kind: ClassVar[Kind]
    # The Report / ModerationAction foreign key that points at this kind.
    field: ClassVar[str]
    obj: HelpRequest | Offer | Message

    @property
    @abstractmethod
    def request(self) -> HelpRequest:
        """The request this content belongs to (for names and links)."""
        ...

    @property
    @abstractmethod
    def author(self) -> User: ...

    @property
    @abstractmethod
    def author_id(self) -> int: ...

    @property
    @abstractmethod
    def text(self) -> str: ...

    @property
    @abstractmethod
    def ref(self) -> str:
        """How URLs name it: a public id, or a message's number."""
        ...

    @property
    def author_name(self) -> str:
        """Who wrote it, as moderators see them (an anonymous asker by alias)."""
        request = self.request
        if request.is_anonymous and self.author_id == request.author_id:
            return request.alias
        return self.author.display_name

    @property
    def is_hidden(self) -> bool:
        return self.obj.is_hidden

    def fields(self) -> dict[str, HelpRequest | Offer | Message]:
        """The one foreign key a Report or ModerationAction row sets for it."""
        return {self.field: self.obj}


@dataclass(frozen=True)
class ReportedRequest(_Content):
    obj: HelpRequest
    kind: ClassVar[Kind] = "request"
    field: ClassVar[str] = "help_request"

    @property
    def request(self) -> HelpRequest:
        return self.obj

    @property
    def author(self) -> User:
        return self.obj.author

    @property
    def author_id(self) -> int:
        return self.obj.author_id

    @property
    def text(self) -> str:
        return f"{self.obj.title}\n\n{self.obj.body}"

    @property
    def ref(self) -> str:
        return self.obj.public_id


@dataclass(frozen=True)
class ReportedOffer(_Content):
    obj: Offer
    kind: ClassVar[Kind] = "offer"
    field: ClassVar[str] = "offer"

    @property
    def request(self) -> HelpRequest:
        return self.obj.request

    @property
    def author(self) -> User:
        return self.obj.helper

    @property
    def author_id(self) -> int:
        return self.obj.helper_id

    @property
    def text(self) -> str:
        return self.obj.message

    @property
    def ref(self) -> str:
        return self.obj.public_id


@dataclass(frozen=True)
class ReportedMessage(_Content):
    obj: Message
    kind: ClassVar[Kind] = "message"
    field: ClassVar[str] = "message"

    @property
    def request(self) -> HelpRequest:
        return self.obj.offer.request

    @property
    def author(self) -> User:
        return self.obj.sender

    @property
    def author_id(self) -> int:
        return self.obj.sender_id

    @property
    def text(self) -> str:
        return self.obj.body

    @property
    def ref(self) -> str:
        return str(self.obj.pk)


Target = ReportedRequest | ReportedOffer | ReportedMessage


def target_of(obj: HelpRequest | Offer | Message) -> Target:
    """The target for a request, an offer or a message."""
    if isinstance(obj, HelpRequest):
        return ReportedRequest(obj)
    if isinstance(obj, Offer):
        return ReportedOffer(obj)
    if isinstance(obj, Message):
        return ReportedMessage(obj)
    raise TypeError(f"Not something that can be moderated: {obj!r}")


def target_of_row(row: Report | ModerationAction) -> Target | None:
    """What a report or a log row is about; None for a log row about no content (a
    story, or content since deleted)."""
    # Reading an unset foreign key costs no query: only the one that is set is loaded.
    if (help_request := row.help_request) is not None:
        return ReportedRequest(help_request)
    if (offer := row.offer) is not None:
        return ReportedOffer(offer)
    if (message := row.message) is not None:
        return ReportedMessage(message)
    return None


def report_target(report: Report) -> Target:
    """What a report is about (a report always names exactly one thing)."""
    target = target_of_row(report)
    if target is None:  # the database's report_has_one_target constraint forbids it
        raise ValueError(f"Report {report.pk} is about nothing")
    return target
