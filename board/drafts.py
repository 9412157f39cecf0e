"""Keep what a person typed when they have to sign in first.

A session can end while someone writes an offer or a message. Rather than
lose the text, the POST that bounced is kept in the session (which survives
signing in) and put back in the form on the page they return to.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect

DRAFTS_KEY = "board_drafts"
MAX_DRAFTS = 5
MAX_DRAFT_LENGTH = 10_000

# A member view: its request (signed in, by the time it runs) and the page's id.
_View = Callable[..., HttpResponseBase]


def save_draft(request: HttpRequest, page: str, text: str) -> None:
    drafts = request.session.get(DRAFTS_KEY, {})
    drafts.pop(page, None)
    drafts[page] = text[:MAX_DRAFT_LENGTH]
    # Only the newest few: a draft is a safety net, not storage.
    request.session[DRAFTS_KEY] = dict(list(drafts.items())[-MAX_DRAFTS:])


def pop_draft(request: HttpRequest, page: str) -> str:
    drafts = request.session.get(DRAFTS_KEY)
    if not drafts or page not in drafts:
        return ""
    text = drafts.pop(page)
    request.session[DRAFTS_KEY] = drafts
    return text


def member_action(
    page: Callable[[str], str], *, draft_field: str = "", allow_get: bool = False
) -> Callable[[_View], _View]:
    """For views that act on POST and belong to a page (the request, the offer).

    A visitor is sent to sign in and then back to that page, not to the action's
    URL (which only takes POST), with what they typed kept. A stray GET on a
    POST-only action goes to the page too.
    """

    def decorator(view: _View) -> _View:
        @wraps(view)
        def wrapper(
            request: HttpRequest, public_id: str, *args: Any, **kwargs: Any
        ) -> HttpResponseBase:
            back = page(public_id)
            if not request.user.is_authenticated:
                if request.method == "POST" and draft_field and request.POST.get(draft_field):
                    save_draft(request, back, request.POST[draft_field])
                return redirect_to_login(back)
            if request.method != "POST" and not allow_get:
                return redirect(back)
            return view(request, public_id, *args, **kwargs)

        return wrapper

    return decorator
