"""How the outbox is doing: how much email waits, and for how long.

One cheap query (over unsent rows only, by the state index) feeds the staff
page and the `outbox_status` command (the loud alarms, with the figures), the
readiness check (/readyz: "degraded", no figures, never a 503) and the sweeper;
each of them logs a warning when the outbox has fallen behind, so a stalled
worker or sweeper is loud wherever someone is looking.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Case, Count, F, Min, Q, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from notifications.models import Notification

logger = logging.getLogger(__name__)

State = Notification.State


@dataclass(frozen=True)
class OutboxHealth:
    # Emails to send now or later: queued (including retries waiting for their
    # time) and being sent.
    backlog: int
    # Seconds the longest-waiting due email has waited: since it was recorded
    # if never tried, since its retry fell due, or, held by a worker that
    # stopped renewing its lease, since that lease lapsed. None when nothing is due.
    oldest_age: float | None
    # Rows in "sending" whose worker stopped renewing its lease.
    lapsed: int
    failed: int
    threshold: int

    @property
    def oldest_seconds(self) -> int | None:
        return None if self.oldest_age is None else int(self.oldest_age)

    @property
    def stalled(self) -> bool:
        return self.oldest_age is not None and self.oldest_age > self.threshold

    def as_dict(self) -> dict[str, object]:
        return {
            "backlog": self.backlog,
            "oldest_age_seconds": None if self.oldest_age is None else round(self.oldest_age, 1),
            "lapsed_leases": self.lapsed,
            "failed": self.failed,
            "threshold_seconds": self.threshold,
            "stalled": self.stalled,
        }


def outbox_health(*, now: datetime | None = None, warn: bool = True) -> OutboxHealth:
    """The outbox's state in one query; logs a warning if it is stalled."""
    now = now or timezone.now()
    waiting = Q(state=State.QUEUED) & (Q(attempts=0) | Q(next_attempt_at__lte=now))
    lapsed = Q(state=State.SENDING) & (Q(lease_until__lt=now) | Q(lease_until__isnull=True))
    figures = Notification.objects.filter(
        state__in=[State.QUEUED, State.SENDING, State.FAILED],
        delivery=Notification.Delivery.IMMEDIATE,
    ).aggregate(
        backlog=Count("pk", filter=Q(state__in=[State.QUEUED, State.SENDING])),
        # A row held by a worker that stopped renewing its lease waits for the
        # sweeper from the moment its lease lapsed: with the sweeper dead too,
        # it would wait forever, so it counts like a queued row that is due.
        due_since=Min(
            Case(
                When(
                    state=State.SENDING,
                    then=Coalesce("lease_until", "claimed_at", "created_at"),
                ),
                When(attempts=0, then=F("created_at")),
                default=F("next_attempt_at"),
            ),
            filter=waiting | lapsed,
        ),
        lapsed=Count("pk", filter=lapsed),
        failed=Count("pk", filter=Q(state=State.FAILED)),
    )
    due_since = figures["due_since"]
    result = OutboxHealth(
        backlog=figures["backlog"],
        oldest_age=None if due_since is None else max(0.0, (now - due_since).total_seconds()),
        lapsed=figures["lapsed"],
        failed=figures["failed"],
        threshold=settings.BOARD_OUTBOX_MAX_AGE_SECONDS,
    )
    if warn and result.stalled:
        logger.warning(
            "The outbox is stalled: %d email(s) waiting, the oldest for %ds (threshold %ds), "
            "%d held by a worker that stopped renewing its lease. "
            "Are a Celery worker and beat (the sweeper) running and consuming?",
            result.backlog,
            result.oldest_age,
            result.threshold,
            result.lapsed,
        )
    return result
