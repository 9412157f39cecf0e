"""Permission-aware reads: each getter returns what `user` may see or raises 404."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from moderation.models import Block
from requests.models import HelpRequest, Message, Offer, asker_offer_count


def get_request_for(user: User | AnonymousUser, public_id: str) -> HelpRequest:
    """A request anyone may open, unless a moderator hid it (then only its author)."""
    queryset = HelpRequest.objects.select_related("category", "author")
    visible = Q(is_hidden=False)
    if user.is_authenticated:
        visible |= Q(author=user)
    try:
        return queryset.filter(visible).get(public_id=public_id)
    except HelpRequest.DoesNotExist:
        raise Http404 from None


def get_own_request(user: User, public_id: str) -> HelpRequest:
    try:
        return HelpRequest.objects.select_related("category").get(public_id=public_id, author=user)
    except HelpRequest.DoesNotExist:
        raise Http404 from None


def get_offer_for(user: User, public_id: str) -> Offer:
    """An offer, only for its helper and the asker; everyone else gets a 404."""
    if not user.is_authenticated:
        raise Http404
    try:
        return (
            Offer.objects.involving(user)
            # A request a moderator hid stays visible to its author only.
            .filter(Q(request__is_hidden=False) | Q(request__author=user))
            # One hidden by a moderator, waiting for one, or a shadow offer (made
            # despite a block) stays the helper's only.
            .filter(Q(helper=user) | Q(held_for_review=False, is_hidden=False, shadowed=False))
            # thank_you: the asker's note, shown in the conversation (no extra query).
            .select_related("request__category", "request__author", "helper", "thank_you")
            .get(public_id=public_id)
        )
    except Offer.DoesNotExist:
        raise Http404 from None


def offers_for_asker(help_request: HelpRequest) -> QuerySet[Offer]:
    """The offers the asker sees: not those hidden or held by moderators, nor shadow
    offers, nor the pending ones of people the asker blocked."""
    blocked = Block.objects.filter(blocker=help_request.author_id, hides_content=True)
    return (
        help_request.offers.seen_by_asker()
        .exclude(status=Offer.Status.PENDING, helper__in=blocked.values("blocked"))
        .select_related("helper")
        .order_by("created_at")
    )


def asker_offer_count_of(help_request: HelpRequest) -> int:
    """How many offers the asker sees on `help_request` (not withdrawn ones)."""
    return help_request.offers.seen_by_asker().exclude(status=Offer.Status.WITHDRAWN).count()


def live_offer_of(user: User | AnonymousUser, help_request: HelpRequest) -> Offer | None:
    if not user.is_authenticated:
        return None
    return help_request.offers.filter(helper=user).live().first()


def conversation(offer: Offer, viewer: User) -> QuerySet[Message]:
    """The messages `viewer` sees: shadow messages only by their sender."""
    return offer.messages.filter(Q(shadowed=False) | Q(sender=viewer)).select_related("sender")


def requests_of(user: User) -> QuerySet[HelpRequest]:
    """The asker's own requests, each with `asker_offer_count`: the offers they see
    (the public `offer_count` also counts shadow offers, which they never see)."""
    return (
        HelpRequest.objects.authored_by(user)
        .select_related("category")
        .annotate(asker_offer_count=asker_offer_count())
        .order_by("-created_at")
    )


def offers_of(user: User) -> QuerySet[Offer]:
    return (
        Offer.objects.filter(helper=user)
        .select_related("request__category", "request__author")
        .order_by("-created_at")
    )


def asker_name_in_conversation(offer: Offer) -> str:
    """How a conversation names the asker: the request's alias, or, once an anonymous
    asker has shown their name to this helper, "Maya (Anonymous Otter on the board)"
    so that both names mean the same person. Only the conversation page uses this."""
    help_request = offer.request
    if help_request.is_anonymous and offer.asker_revealed_at is not None:
        return _("%(name)s (%(alias)s on the board)") % {
            "name": help_request.author.display_name,
            "alias": help_request.alias,
        }
    return help_request.public_author_name
