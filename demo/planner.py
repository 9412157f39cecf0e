"""What the demo board will contain, decided reproducibly from a seed: who asks
what, who offers, how each request ends, and when. Nothing is written here."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from demo.content import (
    ASKS,
    CITIES,
    CLOSINGS,
    DAYS,
    DEMO_DOMAIN,
    DETAILS,
    FIRST_NAMES,
    GENERIC_TOPICS,
    INITIALS,
    OFFER_CORES,
    OFFER_EXTRAS,
    OFFER_GREETINGS,
    OFFER_SIGNOFFS,
    OFFER_TIMES,
    OPENERS,
    THREAD_LINES,
    TOPICS,
)
from requests.models import Category, HelpRequest, Offer

Status = HelpRequest.Status
Kind = HelpRequest.ResponseKind

STATUS_WEIGHTS = {Status.OPEN: 50, Status.MATCHED: 15, Status.RESOLVED: 25, Status.CLOSED: 10}
# How far back requests of each status were posted (days; open ones also stay
# clear of the expiry warning, see Planner.__init__).
STATUS_AGE_DAYS = {Status.OPEN: 21, Status.MATCHED: 28, Status.RESOLVED: 56, Status.CLOSED: 56}
ANONYMOUS_SHARE = 0.3


@dataclass
class MessagePlan:
    from_helper: bool
    body: str
    created_at: datetime


@dataclass
class OfferPlan:
    helper: User
    message: str
    status: str
    decline_reason: str
    created_at: datetime
    messages: list[MessagePlan] = field(default_factory=list)


@dataclass
class RequestPlan:
    author: User
    title: str
    body: str
    category: Category
    response_kind: str
    is_anonymous: bool
    status: str
    created_at: datetime
    resolved_at: datetime | None
    expires_at: datetime
    resurfaced_at: datetime | None = None
    offers: list[OfferPlan] = field(default_factory=list)

    @property
    def offer_count(self) -> int:
        return sum(1 for offer in self.offers if offer.status != Offer.Status.WITHDRAWN)

    @property
    def updated_at(self) -> datetime:
        moments = [self.created_at, self.resolved_at or self.created_at]
        for offer in self.offers:
            moments.append(offer.created_at)
            moments.extend(message.created_at for message in offer.messages)
        return max(moments)


def _sentence(*parts: str) -> str:
    return " ".join(part for part in parts if part)


class Planner:
    """Decides, reproducibly from a seed, what the board will contain."""

    def __init__(self, rng: random.Random, users: list[User], categories: list[Category]):
        self.rng = rng
        self.users = users
        self.categories = categories
        self.now = timezone.now()
        self.statuses = list(STATUS_WEIGHTS)
        self.status_weights = list(STATUS_WEIGHTS.values())
        # Requests live as the board's own rules say: an open request closes
        # `lifetime` after it was posted (warned a few days before), and one
        # nobody answered was shown again to helpers after a day. Demo requests
        # are placed so the periodic tasks find nothing to warn, expire or
        # resurface (which would email the demo people on a first `make beat`).
        self.lifetime = timedelta(days=settings.BOARD_REQUEST_LIFETIME_DAYS)
        self.unanswered = timedelta(hours=settings.BOARD_UNANSWERED_HOURS)
        open_days = settings.BOARD_REQUEST_LIFETIME_DAYS - settings.BOARD_EXPIRY_WARNING_DAYS - 1
        self.age_days = dict(STATUS_AGE_DAYS)
        self.age_days[Status.OPEN] = max(1, min(STATUS_AGE_DAYS[Status.OPEN], open_days))

    def _at(self, moment: datetime) -> datetime:
        return min(moment, self.now)

    def _later(self, moment: datetime, low_minutes: float, high_minutes: float) -> datetime:
        return self._at(moment + timedelta(minutes=self.rng.uniform(low_minutes, high_minutes)))

    def request(self, index: int) -> RequestPlan:
        rng = self.rng
        # The first few requests cover every category, kind and status, so even
        # a tiny demo board shows everything; after that it's weighted chance.
        if index < len(self.categories):
            category = self.categories[index]
        else:
            category = rng.choice(self.categories)
        topic = rng.choice(TOPICS.get(category.slug) or GENERIC_TOPICS)
        if index < len(Kind.values):
            kind = Kind.values[index]
        elif rng.random() < 0.8:
            kind = rng.choice(topic.kinds)
        else:
            kind = rng.choice(Kind.values)
        if index < len(self.statuses):
            status = self.statuses[index]
        else:
            status = rng.choices(self.statuses, self.status_weights)[0]
        slots = {"city": rng.choice(CITIES), "day": rng.choice(DAYS)}
        title = rng.choice(topic.titles).format(**slots)
        body = _sentence(
            rng.choice(OPENERS),
            rng.choice(topic.situations).format(**slots),
            rng.choice(DETAILS),
            rng.choice(ASKS[kind]),
            rng.choice(CLOSINGS),
        )
        if rng.random() < 0.25:
            # A second paragraph now and then (bodies are Markdown).
            other = rng.choice(topic.situations).format(**slots)
            if other not in body:
                body = f"{body}\n\n{other}"
        created_at = self.now - timedelta(minutes=rng.uniform(10, self.age_days[status] * 24 * 60))
        plan = RequestPlan(
            author=rng.choice(self.users),
            title=title[:120],
            body=body,
            category=category,
            response_kind=kind,
            is_anonymous=index == 1 or rng.random() < ANONYMOUS_SHARE,
            status=status,
            created_at=created_at,
            resolved_at=None,
            expires_at=created_at + self.lifetime,
        )
        self._add_offers(plan)
        if plan.status == Status.RESOLVED:
            plan.resolved_at = self._later(plan.updated_at, 60, 3 * 24 * 60)
        resurface_at = plan.created_at + self.unanswered
        if plan.status == Status.OPEN and not plan.offer_count and resurface_at <= self.now:
            plan.resurfaced_at = resurface_at
        return plan

    def _add_offers(self, plan: RequestPlan) -> None:
        rng = self.rng
        finished_with_helper = plan.status in (Status.MATCHED, Status.RESOLVED)
        if plan.status == Status.CLOSED:
            wanted = rng.choices([0, 1, 2], [50, 35, 15])[0]
        else:
            wanted = rng.choices([0, 1, 2, 3, 4], [30, 32, 20, 12, 6])[0]
        if finished_with_helper:
            wanted = max(wanted, 1)
        wanted = min(wanted, len(self.users) - 1)
        if finished_with_helper and not wanted:
            # Nobody else on the board to help: this one is still open.
            plan.status = Status.OPEN
            finished_with_helper = False
        # One more than wanted, in case the author is among them (nobody offers
        # on their own request); cheaper than copying the list of people.
        picked = rng.sample(self.users, min(wanted + 1, len(self.users)))
        chosen = [user for user in picked if user.pk != plan.author.pk][:wanted]
        accepted = rng.randrange(wanted) if finished_with_helper else None
        moment = plan.created_at
        for position, helper in enumerate(chosen):
            moment = self._later(moment, 15, 36 * 60)
            if position == accepted:
                status, reason = Offer.Status.ACCEPTED, ""
            elif rng.random() < 0.1:
                status, reason = Offer.Status.WITHDRAWN, ""
            elif finished_with_helper:
                status, reason = Offer.Status.DECLINED, Offer.DeclineReason.FOUND_HELP
            elif plan.status == Status.CLOSED or rng.random() < 0.1:
                status, reason = Offer.Status.DECLINED, Offer.DeclineReason.NOT_TAKEN
            else:
                status, reason = Offer.Status.PENDING, ""
            offer = OfferPlan(
                helper=helper,
                message=self._offer_message(plan.response_kind),
                status=status,
                decline_reason=reason,
                created_at=moment,
            )
            if status == Offer.Status.ACCEPTED:
                count = rng.randint(2, 5)
            elif status == Offer.Status.PENDING:
                count = rng.choice([0, 0, 1, 2, 3])
            else:
                count = rng.choice([0, 0, 1])
            offer.messages = self._thread(offer.created_at, count)
            plan.offers.append(offer)

    def _offer_message(self, kind: str) -> str:
        rng = self.rng
        return _sentence(
            rng.choice(OFFER_GREETINGS),
            rng.choice(OFFER_CORES[kind]),
            rng.choice(OFFER_EXTRAS),
            rng.choice(OFFER_TIMES),
            rng.choice(OFFER_SIGNOFFS),
        )

    def _thread(self, start: datetime, count: int) -> list[MessagePlan]:
        moment = start
        thread = []
        for position in range(min(count, len(THREAD_LINES))):
            moment = self._later(moment, 5, 20 * 60)
            thread.append(
                MessagePlan(
                    from_helper=position % 2 == 1,
                    body=self.rng.choice(THREAD_LINES[position]),
                    created_at=moment,
                )
            )
        return thread


def demo_identity(index: int) -> tuple[str, str]:
    """The display name and email of the index-th demo person (stable across runs)."""
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    round_ = index // len(FIRST_NAMES)
    if round_ == 0:
        return first, f"{first.lower()}@{DEMO_DOMAIN}"
    initial = INITIALS[(round_ - 1) % len(INITIALS)]
    extra = (round_ - 1) // len(INITIALS)
    suffix = str(extra + 1) if extra else ""
    return f"{first} {initial}.", f"{first.lower()}.{initial.lower()}{suffix}@{DEMO_DOMAIN}"
