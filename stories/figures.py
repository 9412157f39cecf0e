"""Asking is normal here: honest aggregate figures from the board's own data.

`compute()` runs as a periodic job ("figures" in CELERY_BEAT_SCHEDULE): it
counts, stores a snapshot row and puts it in the cache. Pages call `shown()`,
which reads the cache (or, when the cache is empty, the last snapshot row):
never the live tables. A figure is shown only when it rests on at least
BOARD_FIGURES_MIN_PEOPLE different people (never fewer than 10), and shares
are rounded to 5 %, so that no figure reveals anyone.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from requests.models import HelpRequest, Offer
from stories.models import FiguresSnapshot

logger = logging.getLogger(__name__)

CACHE_KEY = "stories:figures"
CACHE_SECONDS = 2 * 60 * 60  # longer than the job's interval
WINDOW_DAYS = 90


def _people(values: Iterable[Any]) -> int:
    return len(set(values))


def _round_share(part: int, whole: int) -> int:
    return int(round(100 * part / whole / 5) * 5) if whole else 0


def compute(now: datetime | None = None) -> dict[str, Any]:
    """Count, and keep the result (snapshot row and cache)."""
    now = now or timezone.now()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    figures: dict[str, dict] = {}

    askers = HelpRequest.objects.filter(created_at__gte=month_start).values_list(
        "author_id", flat=True
    )
    people = _people(askers)
    figures["asked_this_month"] = {"value": people, "people": people}

    # Requests old enough to have had a day to find an offer.
    window = HelpRequest.objects.visible().filter(
        created_at__gte=now - timedelta(days=WINDOW_DAYS),
        created_at__lte=now - timedelta(days=1),
    )
    rows = list(window.values_list("author_id", "offer_count"))
    figures["offer_share"] = {
        "value": _round_share(sum(1 for _a, count in rows if count), len(rows)),
        "people": _people(author for author, _c in rows),
    }

    presented = Q(offers__held_for_review=False, offers__is_hidden=False)
    firsts = list(
        window.annotate(first_offer=Min("offers__created_at", filter=presented))
        .filter(first_offer__isnull=False)
        .values_list("author_id", "created_at", "first_offer")
    )
    waits = [(first - created).total_seconds() / 3600 for _a, created, first in firsts]
    figures["median_hours_to_offer"] = {
        "value": round(statistics.median(waits)) if waits else 0,
        "people": _people(author for author, _c, _f in firsts),
    }

    helpers = set(
        Offer.objects.filter(is_hidden=False).values_list("helper_id", flat=True).distinct()
    )
    asked = set(
        HelpRequest.objects.filter(author_id__in=helpers)
        .values_list("author_id", flat=True)
        .distinct()
    )
    figures["helpers_who_asked"] = {
        "value": _round_share(len(asked), len(helpers)),
        "people": len(helpers),
    }
    FiguresSnapshot.objects.create(figures=figures, computed_at=now)
    # Keep a week of snapshots: enough to look back, not a growing table.
    FiguresSnapshot.objects.filter(computed_at__lt=now - timedelta(days=7)).delete()
    _remember(figures)
    return figures


def _remember(figures: dict) -> None:
    try:
        cache.set(CACHE_KEY, figures, CACHE_SECONDS)
    except Exception:
        logger.warning("The cache is unreachable; the figures are read from their snapshot.")


def latest() -> dict:
    try:
        figures = cache.get(CACHE_KEY)
    except Exception:
        figures = None
    if figures is None:
        snapshot = FiguresSnapshot.objects.order_by("-computed_at").first()
        figures = snapshot.figures if snapshot else {}
        _remember(figures)
    return figures


def threshold() -> int:
    return max(10, settings.BOARD_FIGURES_MIN_PEOPLE)


def _sentence(name: str, value: int) -> str:
    if name == "asked_this_month":
        return ngettext(
            "%(count)d person asked for help this month.",
            "%(count)d people asked for help this month.",
            value,
        ) % {"count": value}
    if name == "offer_share":
        return _("About %(share)d%% of requests received an offer of help.") % {"share": value}
    if name == "median_hours_to_offer":
        if value < 1:
            return _("Half of the requests that were answered had an offer within the hour.")
        return ngettext(
            "Half of the requests that were answered had an offer within %(hours)d hour.",
            "Half of the requests that were answered had an offer within %(hours)d hours.",
            value,
        ) % {"hours": value}
    return _("About %(share)d%% of the people who offered help have asked for help themselves.") % {
        "share": value
    }


def shown() -> list[str]:
    """The figures that rest on enough people, as sentences (none otherwise)."""
    figures = latest()
    minimum = threshold()
    return [
        _sentence(name, figure["value"])
        for name, figure in figures.items()
        if figure.get("people", 0) >= minimum
    ]
