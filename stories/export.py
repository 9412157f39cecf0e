"""What stories and gratitude add to a person's data export and account deletion
(accounts.services calls these, so that the rules about these rows live here)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from accounts.models import User
from requests.models import ThankYou
from stories import cache
from stories.models import BeenThere, Story


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def stories_data(user: User) -> dict:
    """Their own words and choices; nothing another person wrote except the
    thank-you notes addressed to them, which are theirs to keep."""
    sent = ThankYou.objects.filter(offer__request__author=user).select_related("offer")
    received = ThankYou.objects.filter(offer__helper=user).select_related("offer")
    stories = Story.objects.filter(author=user).select_related("category")
    been_there = BeenThere.objects.filter(user=user).select_related("help_request")
    return {
        "thank_you_notes_sent": [
            {"conversation": t.offer.public_id, "note": t.body, "sent_at": _when(t.created_at)}
            for t in sent.order_by("created_at", "pk")
        ],
        "thank_you_notes_received": [
            {"conversation": t.offer.public_id, "note": t.body, "sent_at": _when(t.created_at)}
            for t in received.order_by("created_at", "pk")
        ],
        "stories": [
            {
                "id": s.public_id,
                "status": s.status,
                "shown_as": s.alias,
                "shows_my_name": s.show_name,
                "category": s.category.name if s.category else None,
                **s.texts(),
                "moderator_note": s.moderator_note,
                "created_at": _when(s.created_at),
                "published_at": _when(s.published_at),
            }
            for s in stories.order_by("created_at", "pk")
        ],
        "been_there_too": [
            {"request": b.help_request.public_id, "said_at": _when(b.created_at)}
            for b in been_there.order_by("created_at", "pk")
        ],
    }


def forget_user(user: User, *, keeping_notes_on: Collection[int] = ()) -> None:
    """Account deletion: notes they wrote or received, their stories and their
    "been there too" go; a story that named them as its helper no longer does.
    Notes they wrote in the conversations `keeping_notes_on` (offer ids) stay:
    those conversations, on their kept anonymous requests, must not change at all
    (accounts.services.delete_account says why)."""
    ThankYou.objects.filter(offer__request__author=user).exclude(
        offer_id__in=keeping_notes_on
    ).delete()
    ThankYou.objects.filter(offer__helper=user).delete()
    Story.objects.filter(author=user).delete()
    Story.objects.filter(helper=user).update(helper=None, helper_naming="")
    BeenThere.objects.filter(user=user).delete()
    cache.forget_published()
