"""The audited break-glass: the one place staff can see who wrote an anonymous request.

A GET shows the request and asks why; it never names the author unless this
moderator has just looked. A POST with a written reason records the look (who,
why, which request), tells the asker that a moderator looked, and redirects to
the GET, which answers with the author's name and email for a short while
(services.REVEAL_LOOK_WINDOW): a reload is the same look, not a second one.
Nothing is cached (board.middleware.PrivateCacheMiddleware).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from requests import services
from requests.forms import RevealAuthorForm
from requests.models import HelpRequest

PERMISSION = "requests.reveal_author"


def _check_allowed(request: HttpRequest) -> None:
    # Members and visitors learn nothing, not even that the page exists.
    if not (request.user.is_authenticated and request.user.is_active and request.user.is_staff):
        raise Http404
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def who_wrote(request: HttpRequest, public_id: str) -> HttpResponse:
    """POST records the look and redirects; GET shows the answer while the look
    is recent (so a reload neither records a second look nor emails the asker
    again), and otherwise asks why."""
    _check_allowed(request)
    help_request = get_object_or_404(
        HelpRequest.objects.select_related("category", "author"),
        public_id=public_id,
        is_anonymous=True,
    )
    form = RevealAuthorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reveal_author(
                help_request=help_request,
                moderator=request.user,
                reason=form.cleaned_data["reason"],
            )
        except services.ServiceError as error:
            form.add_error(None, str(error))
        else:
            return redirect(request.path)
    look = None
    if request.method != "POST":
        look = services.recent_look(help_request=help_request, moderator=request.user)
    context = {
        "help_request": help_request,
        "form": form,
        "look": look,
        "author": help_request.author if look else None,
    }
    response = render(request, "requests/breakglass.html", context)
    response["Referrer-Policy"] = "no-referrer"
    return response
