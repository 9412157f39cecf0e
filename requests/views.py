"""Pages for requests, offers and conversations. Each view parses input,
calls one service or selector, and renders; the rules live in services.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from requests import selectors, services
from requests.filters import BoardFilter
from requests.forms import HelpRequestForm, MessageForm, OfferForm
from requests.models import HelpRequest


def board(request: HttpRequest) -> HttpResponse:
    """The board: open requests, newest first, with filters and search."""
    filterset = BoardFilter(request.GET, queryset=HelpRequest.objects.for_board())
    page = Paginator(filterset.qs, settings.BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "requests/board.html",
        {"filter": filterset, "page": page, "query": query.urlencode()},
    )


@login_required
def create(request: HttpRequest) -> HttpResponse:
    form = HelpRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        help_request = services.create_request(author=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("Your request is posted. Asking takes courage: we'll email you when someone offers."),
        )
        return redirect(help_request)
    return render(request, "requests/form.html", {"form": form})


def detail(
    request: HttpRequest, public_id: str, offer_form: OfferForm | None = None
) -> HttpResponse:
    help_request = selectors.get_request_for(request.user, public_id)
    is_author = request.user.is_authenticated and help_request.author_id == request.user.pk
    context = {
        "help_request": help_request,
        "is_author": is_author,
        "offers": selectors.offers_for_asker(help_request) if is_author else None,
        "my_offer": None if is_author else selectors.live_offer_of(request.user, help_request),
        "offer_form": offer_form or OfferForm(),
    }
    return render(request, "requests/detail.html", context)


@login_required
def edit(request: HttpRequest, public_id: str) -> HttpResponse:
    help_request = selectors.get_own_request(request.user, public_id)
    if not help_request.is_editable:
        messages.info(request, _("This request is finished, so it can no longer be changed."))
        return redirect(help_request)
    form = HelpRequestForm(request.POST or None, instance=help_request)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_request(help_request=help_request, by=request.user, **form.cleaned_data)
        except services.ServiceError as error:
            messages.error(request, str(error))
            return redirect(help_request)
        messages.success(request, _("Your changes are saved."))
        return redirect(help_request)
    return render(request, "requests/form.html", {"form": form, "help_request": help_request})


def _run(request: HttpRequest, action, success: str, **kwargs):
    try:
        result = action(by=request.user, **kwargs)
    except services.ServiceError as error:
        messages.error(request, str(error))
        return None
    messages.success(request, success)
    return result


@require_POST
@login_required
def resolve(request: HttpRequest, public_id: str) -> HttpResponse:
    help_request = selectors.get_own_request(request.user, public_id)
    _run(
        request,
        services.resolve_request,
        _("Marked as resolved. We're glad you found some support."),
        help_request=help_request,
    )
    return redirect(help_request)


@require_POST
@login_required
def close(request: HttpRequest, public_id: str) -> HttpResponse:
    help_request = selectors.get_own_request(request.user, public_id)
    _run(request, services.close_request, _("Your request is closed."), help_request=help_request)
    return redirect(help_request)


@require_POST
@login_required
def offer(request: HttpRequest, public_id: str) -> HttpResponse:
    help_request = selectors.get_request_for(request.user, public_id)
    form = OfferForm(request.POST)
    if not form.is_valid():
        return detail(request, public_id, offer_form=form)
    try:
        new_offer = services.make_offer(
            help_request=help_request, helper=request.user, message=form.cleaned_data["message"]
        )
    except services.ServiceError as error:
        form.add_error(None, str(error))
        return detail(request, public_id, offer_form=form)
    messages.success(request, _("Thank you for offering. The asker has been told."))
    return redirect(new_offer)


def _offer_page(request: HttpRequest, offer, message_form: MessageForm | None = None):
    context = {
        "offer": offer,
        "help_request": offer.request,
        "is_asker": offer.request.author_id == request.user.pk,
        "thread": selectors.conversation(offer),
        "message_form": message_form or MessageForm(),
    }
    return render(request, "requests/offer.html", context)


@login_required
def offer_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """The offer and the private conversation between the asker and this helper."""
    offer = selectors.get_offer_for(request.user, public_id)
    if request.method != "POST":
        return _offer_page(request, offer)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.send_message(offer=offer, sender=request.user, body=form.cleaned_data["body"])
        except services.ServiceError as error:
            form.add_error(None, str(error))
        else:
            return redirect(f"{offer.get_absolute_url()}#latest")
    return _offer_page(request, offer, message_form=form)


@require_POST
@login_required
def accept(request: HttpRequest, public_id: str) -> HttpResponse:
    offer = selectors.get_offer_for(request.user, public_id)
    _run(
        request,
        services.accept_offer,
        _("You accepted this offer. The helper has been told, and you can talk here."),
        offer=offer,
    )
    return redirect(offer)


@require_POST
@login_required
def decline(request: HttpRequest, public_id: str) -> HttpResponse:
    offer = selectors.get_offer_for(request.user, public_id)
    _run(
        request,
        services.decline_offer,
        _("Done. The helper will only see that you aren't taking up this offer."),
        offer=offer,
    )
    return redirect(offer.request)


@require_POST
@login_required
def withdraw(request: HttpRequest, public_id: str) -> HttpResponse:
    offer = selectors.get_offer_for(request.user, public_id)
    _run(request, services.withdraw_offer, _("Your offer is withdrawn."), offer=offer)
    return redirect(offer.request)


@login_required
def my_requests(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.requests_of(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "requests/my_requests.html", {"page": page})


@login_required
def my_offers(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.offers_of(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "requests/my_offers.html", {"page": page})
