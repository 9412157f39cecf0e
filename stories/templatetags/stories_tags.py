"""Pieces of stories that other apps' pages show: one short story on the ask
form, the "been there too" button and count on a request, the moderators' queue
section, and the public figures."""

from __future__ import annotations

from typing import Any

from django import template
from django.template import Context

from stories import figures, selectors

register = template.Library()


@register.inclusion_tag("stories/_one_story.html")
def one_story() -> dict:
    return {"story": selectors.one_story()}


@register.inclusion_tag("stories/_been_there.html", takes_context=True)
def been_there(context: Context) -> dict[str, Any]:
    """For the asker: how many (never who). For a signed-in person who hasn't
    offered, on an open request: the button (or "take it back"). Nothing else."""
    request = context["request"]
    help_request = context["help_request"]
    user = request.user
    is_author = bool(context.get("is_author"))
    show = (
        user.is_authenticated
        and not is_author
        and context.get("my_offer") is None
        and help_request.is_open
        and not help_request.is_hidden
    )
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "help_request": help_request,
        "is_author": is_author,
        "count": selectors.been_there_count(help_request) if is_author else 0,
        "show": show,
        "said": selectors.said_been_there(user, help_request) if show else False,
    }


@register.inclusion_tag("stories/_queue_section.html", takes_context=True)
def stories_queue(context: Context) -> dict[str, Any]:
    limit = context.get("limit") or 50
    return {
        "stories": list(selectors.awaiting_moderation()[:limit]),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("stories/_figures.html")
def public_figures() -> dict:
    return {"figures": figures.shown()}
