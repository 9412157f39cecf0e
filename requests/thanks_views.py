"""Pages for thank-you notes: writing one, and the helper's private thanks page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from board.drafts import member_action
from board.errors import ServiceError
from board.http import AuthenticatedHttpRequest
from requests import selectors, thanks
from requests.models import NOTE_EMPTY, NOTE_TOO_LONG, THANK_YOU_MAX, ThankYou


class ThankYouForm(forms.Form):
    # The limit and its sentences are ThankYou.body's (requests.models).
    body = ThankYou._meta.get_field("body").formfield(
        label=gettext_lazy("Your note"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "Only your helper will read it. A few words are plenty. Up to %(max)d characters."
        )
        % {"max": THANK_YOU_MAX},
        error_messages={"required": NOTE_EMPTY, "max_length": NOTE_TOO_LONG},
    )
    resolve = forms.BooleanField(
        label=gettext_lazy("Also mark my request as resolved"), required=False
    )


def _offer_page(public_id: str) -> str:
    return reverse("requests:offer", args=[public_id])


@member_action(_offer_page, draft_field="body", allow_get=True)
def thank(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """The asker writes their accepted helper a note (optionally resolving)."""
    offer = selectors.get_offer_for(request.user, public_id)
    if not thanks.can_thank_now(offer, request.user):
        raise Http404
    if getattr(offer, "thank_you", None) is not None:
        messages.info(request, thanks.ALREADY_THANKED)
        return redirect(offer)
    can_resolve = thanks.may_resolve_with_note(offer)
    form = ThankYouForm(
        request.POST if request.method == "POST" else None,
        initial={"resolve": can_resolve},
    )
    context = {"offer": offer, "form": form, "can_resolve": can_resolve}
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return render(request, "requests/thank.html", context, status=status)
    try:
        thanks.send_thank_you(
            offer=offer,
            by=request.user,
            body=form.cleaned_data["body"],
            resolve=can_resolve and form.cleaned_data["resolve"],
        )
    except ServiceError as error:
        form.add_error(None, str(error))
        return render(request, "requests/thank.html", context, status=400)
    messages.success(request, _("Your note is sent. Thank you for letting them know it mattered."))
    return redirect(offer.request)


@login_required
def thanks_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The thanks a helper received: private, only they see it."""
    notes = thanks.thanks_received(request.user)
    page = Paginator(notes, 20).get_page(request.GET.get("page"))
    return render(request, "requests/thanks.html", {"page": page})
