"""Thank-you notes: the asker thanks the helper whose offer they accepted.

The only writers of `ThankYou` rows, and the reads of them. Kept beside
services.py (not in it) so that the request services stay as they were: a note
sent while resolving goes through `services.resolve_request(...,
thank_you_offer_ids=...)`, whose "resolved" email then says there is a note; a
note sent afterwards sends its own discreet "Someone thanked you" email.

A note is private to the two people: only the asker and the helper ever see it
(the conversation page, the helper's private thanks page, their data exports).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from board.errors import Conflict, NotAllowed, validate
from moderation.rules import check_can_post
from notifications.models import Notification
from notifications.services import notify
from requests import services
from requests.models import HelpRequest, Offer, ThankYou

ALREADY_THANKED = gettext_lazy("You have already sent this helper a thank-you note.")


def check_can_thank(*, offer: Offer, by: User) -> None:
    """Whether `by` may thank the helper of `offer` now (NotAllowed or Conflict if not)."""
    if offer.request.author_id != by.pk:
        raise NotAllowed(_("Only the person who asked can thank their helper."))
    if offer.status != Offer.Status.ACCEPTED or offer.is_hidden:
        raise Conflict(_("You can thank a helper once you have accepted their offer."))
    if ThankYou.objects.filter(offer=offer).exists():
        raise Conflict(str(ALREADY_THANKED))


def _create(offer: Offer, by: User, body: str) -> ThankYou:
    check_can_post(by)
    # Its length and "a few words" rules are on ThankYou.body (Invalid naming the field).
    note = ThankYou(offer=offer, body=body.strip())
    validate(note, fields=["body"])
    check_can_thank(offer=offer, by=by)
    try:
        with transaction.atomic():
            note.save(force_insert=True)
    except IntegrityError:
        # Two submits at once: the one-to-one keeps one note.
        raise Conflict(str(ALREADY_THANKED)) from None
    return note


@transaction.atomic
def send_thank_you(*, offer: Offer, by: User, body: str, resolve: bool = False) -> ThankYou:
    """Write the note. With `resolve`, the request is marked resolved in the same
    step and the helper's "resolved" email says there is a note for them (one
    email, not two); otherwise a discreet "Someone thanked you" email goes."""
    locked = Offer.objects.select_for_update().select_related("request", "helper").get(pk=offer.pk)
    note = _create(locked, by, body)
    if resolve:
        services.resolve_request(
            help_request=locked.request, by=by, thank_you_offer_ids={locked.pk}
        )
    else:
        notify(
            kind=Notification.Kind.THANKED,
            recipient=locked.helper,
            key=f"thanked:{note.pk}",
            url=reverse("requests:thanks"),
        )
    return note


# --- Reads -------------------------------------------------------------------------


def thanks_received(user: User) -> QuerySet[ThankYou]:
    """The notes written to `user` as a helper, newest first (only they see this)."""
    return (
        ThankYou.objects.filter(offer__helper=user)
        .select_related("offer__request")
        .order_by("-created_at", "-pk")
    )


def thanks_sent(user: User) -> QuerySet[ThankYou]:
    return ThankYou.objects.filter(offer__request__author=user).order_by("created_at", "pk")


def note_for(offer: Offer) -> ThankYou | None:
    return ThankYou.objects.filter(offer=offer).first()


def can_thank_now(offer: Offer, user: User) -> bool:
    """Whether the conversation page offers `user` the thank-you form."""
    return (
        offer.request.author_id == user.pk
        and offer.status == Offer.Status.ACCEPTED
        and not offer.is_hidden
    )


def may_resolve_with_note(offer: Offer) -> bool:
    return offer.request.status in (HelpRequest.Status.OPEN, HelpRequest.Status.MATCHED)
