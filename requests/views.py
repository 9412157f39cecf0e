"""Pages for requests, offers and conversations. Each view parses input,
calls one service or selector, and renders; the rules live in services.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from board import crisis
from board.drafts import member_action, pop_draft
from board.errors import ServiceError, refused
from board.http import AuthenticatedHttpRequest
from moderation import selectors as moderation_selectors
from notifications import services as notification_services
from requests import selectors, services
from requests.filters import BoardFilter
from requests.forms import FollowForm, HelpRequestForm, MessageForm, OfferForm
from requests.models import HelpRequest, Offer
from requests.search import CappedPaginator

_Result = TypeVar("_Result")


def _request_page(public_id: str) -> str:
    return reverse("requests:detail", args=[public_id])


def _offer_page(public_id: str) -> str:
    return reverse("requests:offer", args=[public_id])


def board(request: HttpRequest) -> HttpResponse:
    """The board: open requests, newest first, with filters and search."""
    filterset = BoardFilter(request.GET, queryset=HelpRequest.objects.for_board(request.user))
    searching = bool(request.GET.get("q", "").strip())
    # A search is counted up to a cap ("more than 1,000 requests"), never in full.
    paginator: Paginator[HelpRequest]
    if searching:
        paginator = CappedPaginator(
            filterset.qs, settings.BOARD_PAGE_SIZE, cap=settings.BOARD_SEARCH_COUNT_CAP
        )
    else:
        paginator = Paginator(filterset.qs, settings.BOARD_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "requests/board.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "follow": _follow_choice(filterset),
        },
    )


def _follow_choice(filterset: BoardFilter) -> dict:
    """What "Tell me about new requests like these" would follow: the board's
    category and kind filters (search words and status are not followed)."""
    data = filterset.form.cleaned_data if filterset.form.is_valid() else {}
    category, kind = data.get("category"), data.get("kind") or ""
    return {
        "category": category,
        "kind": kind,
        "kind_label": HelpRequest.ResponseKind(kind).label if kind else "",
        # Where a visitor comes back to after signing in: these filters only,
        # not the search words (which need not travel through the login page).
        "board_url": _board_url(category.slug if category else "", kind),
    }


def _board_url(category: str, kind: str) -> str:
    query = {name: value for name, value in (("category", category), ("kind", kind)) if value}
    board_url = reverse("requests:board")
    return f"{board_url}?{urlencode(query)}" if query else board_url


@login_required
def follow(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Follow new requests like the ones on the board (its category and kind).
    A GET (coming back from signing in) just shows the board."""
    if request.method != "POST":
        return redirect("requests:board")
    form = FollowForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Those filters have changed; please choose them again."))
        return redirect("requests:board")
    category, kind = form.cleaned_data["category"], form.cleaned_data["kind"]
    notification_services.follow_requests(user=request.user, category=category, response_kind=kind)
    messages.success(
        request,
        _(
            "Done: we'll tell you about new requests like these. You can see and change "
            "everything you follow, and how you hear, in your email settings."
        ),
    )
    return redirect(_board_url(category.slug if category else "", kind))


def _crisis_panel(request: HttpRequest, form: HelpRequestForm) -> dict | None:
    """When a request about to be posted suggests its author may be in danger, and
    they have not yet seen the crisis panel for it, what the panel shows. They can
    still post: the form comes back with everything typed and a "post" button."""
    if request.POST.get("crisis_seen") == "1":
        return None
    if not services.suggests_danger(form.cleaned_data["title"], form.cleaned_data["body"]):
        return None
    return {"resources": crisis.resources_for(get_language() or settings.LANGUAGE_CODE)}


@login_required
def create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = HelpRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if panel := _crisis_panel(request, form):
            return render(request, "requests/form.html", {"form": form, "crisis_panel": panel})
        try:
            help_request = services.create_request(author=request.user, **form.cleaned_data)
        except ServiceError as error:
            # Refused (posting too fast, the account paused): the form comes back
            # with the reason and everything typed.
            form.add_error(error.field if error.field in form.fields else None, str(error))
            return refused(render(request, "requests/form.html", {"form": form}), error)
        messages.success(
            request,
            _("Your request is posted. Asking takes courage: we'll email you when someone offers."),
        )
        return redirect(help_request)
    return render(request, "requests/form.html", {"form": form})


def _asker_offers(help_request: HelpRequest, is_author: bool) -> dict:
    """The asker's offers: the ones still standing (or answered), and apart from
    them the withdrawn ones, so that the page never says "nobody has offered"
    beside an offer, nor lists a withdrawn one as if it could be accepted."""
    if not is_author:
        # Everyone else reads the public count, shadow offers included, so that a
        # helper the asker blocked sees their offer counted like anywhere else.
        return {"offers": None, "withdrawn_offers": None, "offer_count": help_request.offer_count}
    offers = list(selectors.offers_for_asker(help_request))
    standing = [o for o in offers if o.status != Offer.Status.WITHDRAWN]
    return {
        "offers": standing,
        # The asker counts only the offers they see (never a shadow offer).
        "offer_count": len(standing),
        "withdrawn_offers": [o for o in offers if o.status == Offer.Status.WITHDRAWN],
    }


def detail(
    request: HttpRequest, public_id: str, offer_form: OfferForm | None = None
) -> HttpResponse:
    help_request = selectors.get_request_for(request.user, public_id)
    is_author = request.user.is_authenticated and help_request.author_id == request.user.pk
    my_offer = None if is_author else selectors.live_offer_of(request.user, help_request)
    can_offer = not is_author and my_offer is None and help_request.is_open
    if offer_form is None:
        offer_form = OfferForm(initial={"message": pop_draft(request, request.path)})
    context = {
        "help_request": help_request,
        "is_author": is_author,
        **_asker_offers(help_request, is_author),
        "my_offer": my_offer,
        "can_offer": can_offer,
        "offer_form": offer_form,
        # An offer the board refused (say the request closed meanwhile): the
        # reason, and what they wrote, so nothing is lost.
        "refused_offer": offer_form if offer_form.is_bound and not can_offer else None,
    }
    return render(request, "requests/detail.html", context)


@login_required
def edit(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    help_request = selectors.get_own_request(request.user, public_id)
    if not help_request.is_editable:
        messages.info(request, _("This request is finished, so it can no longer be changed."))
        return redirect(help_request)
    form = HelpRequestForm(request.POST or None, instance=help_request)
    if request.method == "POST" and form.is_valid():
        if panel := _crisis_panel(request, form):
            context = {"form": form, "help_request": help_request, "crisis_panel": panel}
            return render(request, "requests/form.html", context)
        try:
            services.update_request(help_request=help_request, by=request.user, **form.cleaned_data)
        except ServiceError as error:
            messages.error(request, str(error))
            return redirect(help_request)
        messages.success(request, _("Your changes are saved."))
        return redirect(help_request)
    return render(request, "requests/form.html", {"form": form, "help_request": help_request})


def _run(
    request: AuthenticatedHttpRequest,
    action: Callable[..., _Result],
    success: str,
    **kwargs: Any,
) -> _Result | None:
    try:
        result = action(by=request.user, **kwargs)
    except ServiceError as error:
        messages.error(request, str(error))
        return None
    messages.success(request, success)
    return result


@member_action(_request_page)
def resolve(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    help_request = selectors.get_own_request(request.user, public_id)
    _run(
        request,
        services.resolve_request,
        _("Marked as resolved. We're glad you found some support."),
        help_request=help_request,
    )
    return redirect(help_request)


@member_action(_request_page)
def close(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    help_request = selectors.get_own_request(request.user, public_id)
    _run(request, services.close_request, _("Your request is closed."), help_request=help_request)
    return redirect(help_request)


@member_action(_request_page, draft_field="message")
def offer(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    help_request = selectors.get_request_for(request.user, public_id)
    form = OfferForm(request.POST)
    if not form.is_valid():
        return detail(request, public_id, offer_form=form)
    try:
        new_offer = services.make_offer(
            help_request=help_request, helper=request.user, message=form.cleaned_data["message"]
        )
    except ServiceError as error:
        # The offer page again, with the reason and what they wrote (a 200 as any
        # refusal there, but a 429 with Retry-After when posting too fast).
        form.add_error(None, str(error))
        return refused(detail(request, public_id, offer_form=form), error, only_limits=True)
    if new_offer.held_for_review:
        messages.success(
            request,
            _(
                "Thank you for offering. A moderator looks at a new helper's first offers "
                "before they reach the asker; we'll let you know as soon as yours is passed on."
            ),
        )
    else:
        messages.success(request, _("Thank you for offering. The asker has been told."))
    return redirect(new_offer)


def _conversation(
    request: AuthenticatedHttpRequest, offer: Offer, message_form: MessageForm | None = None
) -> HttpResponse:
    is_asker = offer.request.author_id == request.user.pk
    context = {
        "offer": offer,
        "help_request": offer.request,
        "is_asker": is_asker,
        # What this conversation calls the asker: their name only if they chose to
        # show it to this helper, else the request's alias.
        "asker_name": selectors.asker_name_in_conversation(offer),
        "thread": selectors.conversation(offer, request.user),
        "message_form": message_form or MessageForm(),
        # A helper whose held offer a moderator didn't pass on reads the
        # moderator's words here.
        "review_note": "" if is_asker else moderation_selectors.review_note_for_helper(offer),
    }
    return render(request, "requests/offer.html", context)


@member_action(_offer_page, draft_field="body", allow_get=True)
def offer_detail(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """The offer and the private conversation between the asker and this helper."""
    offer = selectors.get_offer_for(request.user, public_id)
    if request.method != "POST":
        draft = pop_draft(request, request.path)
        return _conversation(request, offer, MessageForm(initial={"body": draft}))
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.send_message(offer=offer, sender=request.user, body=form.cleaned_data["body"])
        except ServiceError as error:
            form.add_error(None, str(error))
            response = _conversation(request, offer, message_form=form)
            return refused(response, error, only_limits=True)
        return redirect(f"{offer.get_absolute_url()}#latest")
    return _conversation(request, offer, message_form=form)


@member_action(_offer_page)
def accept(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    offer = selectors.get_offer_for(request.user, public_id)
    _run(
        request,
        services.accept_offer,
        _("You accepted this offer. The helper has been told, and you can talk here."),
        offer=offer,
    )
    return redirect(offer)


@member_action(_offer_page)
def reveal_name(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """An anonymous asker shows their name to the helper they accepted."""
    offer = selectors.get_offer_for(request.user, public_id)
    _run(
        request,
        services.reveal_name_to_helper,
        _("Done. %(name)s can now see your name in this conversation; nobody else can.")
        % {"name": offer.helper.display_name},
        offer=offer,
    )
    return redirect(offer)


@member_action(_offer_page)
def decline(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    offer = selectors.get_offer_for(request.user, public_id)
    _run(
        request,
        services.decline_offer,
        _("Done. The helper will only see that you aren't taking up this offer."),
        offer=offer,
    )
    return redirect(offer.request)


@member_action(_offer_page, allow_get=True)
def withdraw(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """A GET asks first (a page of its own, no script needed); the POST withdraws."""
    offer = selectors.get_offer_for(request.user, public_id)
    if request.method != "POST":
        if offer.helper_id != request.user.pk:
            return redirect(offer)
        if not offer.can_withdraw:
            messages.info(request, _("This offer can't be withdrawn any more."))
            return redirect(offer)
        return render(request, "requests/withdraw.html", {"offer": offer})
    withdrawn = _run(
        request,
        services.withdraw_offer,
        _(
            "Your offer is withdrawn. The asker has been told that an offer was withdrawn, "
            "without a reason."
        )
        # What the helper can know: a shadow offer reads like any other to them.
        if offer.passed_on
        else _("Your offer is withdrawn. The asker never saw it."),
        offer=offer,
    )
    return redirect(offer.request if withdrawn else offer)


@login_required
def my_requests(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.requests_of(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "requests/my_requests.html", {"page": page})


@login_required
def my_offers(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.offers_of(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "requests/my_offers.html", {"page": page})


def renew(request: HttpRequest, public_id: str, token: str) -> HttpResponse:
    """The "still needed" link from an email; works signed out. A GET only asks
    (mail scanners open links), the button on that page renews."""
    try:
        signed_id = services.read_renew_token(token)
    except signing.SignatureExpired:
        return render(request, "requests/renew.html", {"problem": "expired"}, status=400)
    except signing.BadSignature:
        return render(request, "requests/renew.html", {"problem": "invalid"}, status=400)
    if signed_id != public_id:
        return render(request, "requests/renew.html", {"problem": "invalid"}, status=400)
    help_request = get_object_or_404(HelpRequest, public_id=public_id)
    context = {
        # Whether the request had closed (reopen) or is still open (keep open).
        "reopening": help_request.status == HelpRequest.Status.EXPIRED,
        # The link names no request to whoever holds it; its signed-in owner is
        # shown which one it is.
        "is_owner": request.user.is_authenticated and request.user.pk == help_request.author_id,
    }
    if request.method != "POST":
        return render(request, "requests/renew.html", {**context, "confirm": help_request})
    try:
        help_request = services.renew_request(help_request=help_request)
    except ServiceError as error:
        return refused(render(request, "requests/renew.html", {"problem": str(error)}), error)
    return render(request, "requests/renew.html", {**context, "help_request": help_request})


@member_action(_request_page)
def keep_open(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    help_request = selectors.get_own_request(request.user, public_id)
    reopening = help_request.status == HelpRequest.Status.EXPIRED
    try:
        services.renew_request(help_request=help_request)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Your request is open again. People can offer help again.")
            if reopening
            else _("Your request stays open. People can keep offering help."),
        )
    return redirect(help_request)
