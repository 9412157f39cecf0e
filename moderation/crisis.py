"""The phrases that suggest someone may be in immediate danger: a request or a
story containing one is flagged for a moderator and shows crisis help first
(the resources themselves, and the crisis page, are the board's: board/crisis.py).

The phrase list is read on every request that is posted or edited, so it is
kept in the cache and dropped whenever staff change a phrase.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from moderation.models import CrisisPhrase

PHRASES_CACHE_KEY = "board.crisis.phrases"
# A safety net only: saving or deleting a phrase drops the cached list at once
# (an `update()` on a queryset bypasses signals; this bounds how stale it gets).
PHRASES_CACHE_SECONDS = 10 * 60

# Apostrophes and dashes vary by keyboard and phone: a curly one counts as a straight one.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-"})


def _normalise(text: str) -> str:
    return " ".join(text.translate(_APOSTROPHES).translate(_DASHES).casefold().split())


def active_phrases() -> tuple[str, ...]:
    phrases = cache.get(PHRASES_CACHE_KEY)
    if phrases is None:
        phrases = tuple(
            CrisisPhrase.objects.filter(is_active=True).values_list("phrase", flat=True)
        )
        cache.set(PHRASES_CACHE_KEY, phrases, PHRASES_CACHE_SECONDS)
    return tuple(phrases)


@lru_cache(maxsize=8)
def _patterns(phrases: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """One pattern per phrase, matching whole words only ("suicide" is not found in
    "suicides"; "killing myself" is not "killing me"), with any run of spaces
    between its words."""
    patterns = []
    for phrase in phrases:
        words = _normalise(phrase).split()
        if not words:
            continue
        body = r"\s+".join(re.escape(word) for word in words)
        patterns.append((phrase, re.compile(rf"(?<!\w){body}(?!\w)")))
    return tuple(patterns)


def find_crisis_phrases(text: str) -> list[str]:
    """The active crisis phrases `text` contains, in any letter case."""
    if not text:
        return []
    normalised = _normalise(text)
    return [phrase for phrase, pattern in _patterns(active_phrases()) if pattern.search(normalised)]


@receiver(post_save, sender=CrisisPhrase, dispatch_uid="moderation.crisis.phrase_saved")
@receiver(post_delete, sender=CrisisPhrase, dispatch_uid="moderation.crisis.phrase_deleted")
def forget_phrases(**kwargs: object) -> None:
    cache.delete(PHRASES_CACHE_KEY)
