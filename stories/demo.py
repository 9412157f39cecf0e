"""Demo stories and thank-you notes for `manage.py seed_demo`, so that `make run`
shows the Stories page alive. Written directly (demo content is not an event:
nobody is emailed), following the same rules: a note only to an accepted helper,
a story only about a resolved request, published as a moderator would."""

from __future__ import annotations

import random

from django.utils import timezone

from requests.models import HelpRequest, Offer, ThankYou
from stories import cache, figures
from stories.models import Story

NOTES = (
    "Thank you for listening the other evening. I slept properly for the first time in a week.",
    "You made a hard week lighter. Thank you for your patience and your practical ideas.",
    "I didn't expect a stranger to be so kind. Thank you, truly.",
    "Thank you for checking in the day after. It meant more than you know.",
    "Your advice about the letter worked. Thank you for taking the time.",
)

STORIES = (
    {
        "hard_to_ask": "I'm usually the one friends call. Asking felt like admitting I'd failed.",
        "when_i_did": "Two people offered within a few hours. One just listened, no fixing.",
        "to_someone_hesitating": "You're allowed to need people too. Nobody here keeps score.",
    },
    {
        "hard_to_ask": "I kept rewriting my request because it sounded too small to matter.",
        "when_i_did": "Someone said small things are often the heavy ones. We talked twice.",
        "to_someone_hesitating": "Post it as it is. A few honest lines were enough for me.",
    },
    {
        "hard_to_ask": "I was scared someone I know would recognise me, so I posted anonymously.",
        "when_i_did": "My helper never asked who I was. They helped me plan the phone call.",
        "to_someone_hesitating": "Anonymous is fine. The help is just as real.",
    },
    {
        "hard_to_ask": "Moving to a new city, I didn't want to be the lonely new person.",
        "when_i_did": "A neighbour from two streets away showed me the good walks.",
        "to_someone_hesitating": "Someone out there is hoping to be useful. Let them.",
    },
    {
        "hard_to_ask": "I thought I should be able to handle a hospital appointment on my own.",
        "when_i_did": "Someone talked me through what to ask the doctor, and checked in after.",
        "to_someone_hesitating": "Asking didn't make me weaker. It made the day possible.",
    },
)


def add_demo_stories(rng: random.Random, *, count: int = 5) -> tuple[int, int]:
    """Thank-you notes and published stories on resolved demo requests.
    Returns (notes, stories) added."""
    offers = list(
        Offer.objects.filter(
            status=Offer.Status.ACCEPTED,
            request__status=HelpRequest.Status.RESOLVED,
            thank_you__isnull=True,
        ).select_related("request")[: count * 3]
    )
    rng.shuffle(offers)
    now = timezone.now()
    notes = stories = 0
    for offer in offers[:count]:
        ThankYou.objects.create(offer=offer, body=rng.choice(NOTES))
        notes += 1
    for offer, texts in zip(offers[:count], STORIES, strict=False):
        if Story.objects.filter(source_request=offer.request).exists():
            continue
        Story.objects.create(
            author=offer.request.author,
            source_request=offer.request,
            category=offer.request.category,
            status=Story.Status.PUBLISHED,
            published_at=now,
            **texts,
        )
        stories += 1
    cache.forget_published()
    figures.compute()
    return notes, stories
