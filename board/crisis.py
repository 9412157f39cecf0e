"""Crisis help: the services staff keep, listed on the crisis help page. (The
phrases that flag a post for a moderator are moderation's: moderation/crisis.py.)"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from board.models import CrisisResource


def _for_language(language: str) -> QuerySet[CrisisResource]:
    """Active resources in `language` ("en-gb" also finds "en"), or in every language."""
    base = (language or "").lower().split("-")[0]
    languages = {"", language.lower(), base} if language else {""}
    return CrisisResource.objects.filter(is_active=True).filter(
        Q(language__in=languages) | Q(language__iexact=language or "")
    )


def regions(language: str) -> list[str]:
    """The regions with resources in this language, for the page's selector."""
    found = _for_language(language).exclude(region="").values_list("region", flat=True)
    return sorted(set(found), key=str.casefold)


def resources_for(language: str, region: str = "") -> list[CrisisResource]:
    """What the crisis help page lists: resources for every region always; with a
    region chosen, that region's too; with none chosen, every region's."""
    resources = _for_language(language)
    if region:
        resources = resources.filter(Q(region="") | Q(region__iexact=region))
    # Resources for everyone first (the emergency number leads), then by the order staff set.
    return sorted(resources, key=lambda r: (r.region != "", r.order, r.name.casefold()))
