"""Reads for moderation: what a person may report, the moderators' queue and log,
and what a person may read about their own reports and warnings."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from board.converters import as_key
from moderation.models import ModerationAction, Report
from moderation.targets import (
    ReportedMessage,
    ReportedOffer,
    ReportedRequest,
    Target,
    target_of,
)
from requests import selectors as request_selectors
from requests.models import HelpRequest, Message, Offer

Kind = ModerationAction.Kind
QUEUE_LIMIT = 50


def target_for(user: User, kind: str, ref: str) -> Target:
    """What `user` may report (or a 404): a request they can open, an offer or a
    message of a conversation they are part of."""
    if kind == "request":
        return ReportedRequest(request_selectors.get_request_for(user, ref))
    if kind == "offer":
        return ReportedOffer(request_selectors.get_offer_for(user, ref))
    if kind == "message" and (pk := as_key(ref)) is not None:
        message = Message.objects.select_related("offer__request", "sender").filter(pk=pk).first()
        if message is not None:
            # Only the asker and the helper may see a conversation, and in it only
            # the messages shown to them: not a shadow message (unless they sent
            # it), nor one a moderator hid.
            offer = request_selectors.get_offer_for(user, message.offer.public_id)
            if (
                not message.is_hidden
                and request_selectors.conversation(offer, user).filter(pk=message.pk).exists()
            ):
                return ReportedMessage(message)
    raise Http404


def any_content(kind: str, ref: str) -> Target:
    """Any request, offer or message, for a moderator (hidden ones too), or a 404."""
    found: HelpRequest | Offer | Message | None = None
    if kind == "request":
        found = HelpRequest.objects.filter(public_id=ref).first()
    elif kind == "offer":
        found = Offer.objects.filter(public_id=ref).select_related("request").first()
    elif kind == "message" and (pk := as_key(ref)) is not None:
        found = Message.objects.filter(pk=pk).select_related("offer__request").first()
    if found is None:
        raise Http404
    return target_of(found)


def open_reports_about(target: Target) -> QuerySet[Report]:
    return Report.objects.filter(status=Report.Status.OPEN, **target.fields())


# --- The moderators' pages ---------------------------------------------------------------


def open_reports() -> QuerySet[Report]:
    return (
        Report.objects.filter(status=Report.Status.OPEN)
        .select_related(
            "reporter",
            "help_request__author",
            "offer__helper",
            "offer__request",
            "message__sender",
            "message__offer__request",
        )
        .order_by("created_at", "pk")
    )


def flagged_requests() -> QuerySet[HelpRequest]:
    return (
        HelpRequest.objects.filter(needs_attention=True)
        .select_related("author")
        .order_by("created_at", "pk")
    )


def held_offers() -> QuerySet[Offer]:
    return (
        # One the helper withdrew meanwhile needs nobody's review.
        Offer.objects.filter(held_for_review=True, status=Offer.Status.PENDING)
        .select_related("helper", "request")
        .order_by("created_at", "pk")
    )


def log() -> QuerySet[ModerationAction]:
    return ModerationAction.objects.select_related(
        "moderator",
        "subject",
        "report",
        "help_request",
        "offer__helper",
        "offer__request",
        "message__sender",
        "message__offer__request",
    ).order_by("-created_at", "-pk")


# --- What a person reads about themselves ------------------------------------------------


def notes_for(user: User) -> QuerySet[ModerationAction]:
    """The warnings and suspensions a person may read."""
    return ModerationAction.objects.filter(subject=user, kind__in=[Kind.WARN, Kind.SUSPEND])


def reports_of(user: User) -> QuerySet[Report]:
    return Report.objects.filter(reporter=user).select_related(
        "help_request", "offer__request", "message__offer__request"
    )


def review_note_for_helper(offer: Offer) -> str:
    """The moderator's words to a helper whose held offer was not passed on."""
    if offer.decline_reason != Offer.DeclineReason.NOT_APPROVED:
        return ""
    action = (
        ModerationAction.objects.filter(offer=offer, kind=Kind.REJECT_OFFER)
        .order_by("-created_at", "-pk")
        .first()
    )
    return action.reason if action else ""
