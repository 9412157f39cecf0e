"""Permission-aware reads of stories and "been there too".

What others see of a story is a `card`: its own alias (or the author's display
name, if they chose), the helper's name only if the helper consented, the
category and the answers. Never the request it came from, its dates or its alias.
"""

from __future__ import annotations

import random

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from requests.models import Category, HelpRequest
from stories import cache
from stories.models import BeenThere, Story

PAGE_SIZE = 20
TEASERS = 20


def card(story: Story) -> dict:
    """What anyone may see of a published story (plain data: it is cached)."""
    return {
        "public_id": story.public_id,
        "url": story.get_absolute_url(),
        "author_name": story.public_author_name,
        "helper_name": story.public_helper_name,
        "category": story.category.name if story.category else "",
        "category_slug": story.category.slug if story.category else "",
        "hard_to_ask": story.hard_to_ask,
        "when_i_did": story.when_i_did,
        "to_someone_hesitating": story.to_someone_hesitating,
        "teaser": story.teaser,
        "published_at": story.published_at,
    }


def _published() -> QuerySet[Story]:
    return (
        Story.objects.published()
        .select_related("author", "helper", "category")
        .order_by("-published_at", "-pk")
    )


def published_page(category: Category | None, number: str | int | None) -> dict:
    """One page of the Stories page, newest first (from the cache)."""
    slug = category.slug if category else ""

    def compute() -> dict:
        stories = _published()
        if category is not None:
            stories = stories.filter(category=category)
        page = Paginator(stories, PAGE_SIZE).get_page(number)
        return {
            "items": [card(story) for story in page.object_list],
            "number": page.number,
            "num_pages": page.paginator.num_pages,
            "count": page.paginator.count,
        }

    return cache.cached(f"page:{slug}:{number or 1}", compute)


def one_story() -> dict | None:
    """One short story for the ask form, chosen among the newest published ones."""
    teasers = cache.cached("teasers", lambda: [card(story) for story in _published()[:TEASERS]])
    return random.choice(teasers) if teasers else None  # noqa: S311 - not for security


def categories_with_stories() -> list[Category]:
    return list(
        cache.cached(
            "categories",
            lambda: list(Category.objects.filter(stories__status="published").distinct()),
        )
    )


def get_published(public_id: str) -> dict:
    story = _published().filter(public_id=public_id).first()
    if story is None:
        raise Http404
    return card(story)


def stories_of(user: User) -> QuerySet[Story]:
    return Story.objects.of(user).select_related("category", "helper").order_by("-created_at")


def get_own_story(user: User, public_id: str) -> Story:
    if not user.is_authenticated:
        raise Http404
    story = Story.objects.of(user).select_related("category").filter(public_id=public_id).first()
    if story is None:
        raise Http404
    return story


def story_for_helper(user: User, public_id: str) -> Story:
    """The story a helper is asked about (only they, and only once asked)."""
    if not user.is_authenticated:
        raise Http404
    story = (
        Story.objects.filter(public_id=public_id, helper=user)
        .exclude(helper_naming="")
        .select_related("author")
        .first()
    )
    if story is None:
        raise Http404
    return story


def awaiting_moderation() -> QuerySet[Story]:
    return (
        Story.objects.filter(status=Story.Status.PENDING)
        .select_related("category", "helper")
        .order_by("-needs_attention", "created_at", "pk")
    )


def been_there_count(help_request: HelpRequest) -> int:
    """For the asker only."""
    return BeenThere.objects.filter(help_request=help_request).count()


def said_been_there(user: User, help_request: HelpRequest) -> bool:
    if not user.is_authenticated:
        return False
    return BeenThere.objects.filter(help_request=help_request, user=user).exists()
