"""Operations that change help requests, offers and conversations.

Views, the API, admin actions and tasks call these, and nothing else writes
these rows: each function owns its transaction, checks every rule once (the
posting limits, the length and content rules declared on the model's fields,
who may do what, and when) and records the notifications its event causes. A
rule that says no raises one of board.errors' classes (Invalid, NotAllowed,
Conflict, Limited) with a message fit to show the person.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from board import ratelimit
from board.errors import Conflict, NotAllowed, validate

# Re-exported for the modules that still catch any refusal by this name (moderation, stories).
from board.errors import ServiceError as ServiceError
from moderation import rules
from moderation.crisis import find_crisis_phrases
from notifications.models import HelperSubscription, Notification
from notifications.services import notify, notify_many
from requests.models import (
    HelpRequest,
    Message,
    Offer,
    asker_offer_count,
    default_expiry,
)

RENEW_SALT = "requests.renew"


def _lock_request(help_request: HelpRequest) -> HelpRequest:
    return HelpRequest.objects.select_for_update().get(pk=help_request.pk)


def _lock_offer(offer: Offer) -> Offer:
    return Offer.objects.select_for_update().select_related("request").get(pk=offer.pk)


# --- Requests ------------------------------------------------------------------


def _write_fields(help_request: HelpRequest, fields: dict[str, Any]) -> None:
    """Set what the asker wrote (HelpRequest.EDITABLE_FIELDS, text stripped) and
    check it against the rules on the model's fields (Invalid naming the field)."""
    unknown = set(fields) - set(HelpRequest.EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not a field the asker writes: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(help_request, name, value.strip() if isinstance(value, str) else value)
    validate(help_request, fields=HelpRequest.EDITABLE_FIELDS)


@transaction.atomic
def create_request(*, author: User, **fields: Any) -> HelpRequest:
    """`author` asks for help; `fields` are HelpRequest.EDITABLE_FIELDS (title, body,
    category, response_kind, is_anonymous)."""
    help_request = HelpRequest(author=author)
    _write_fields(help_request, fields)
    ratelimit.check_rate(action="request", key=author.pk)
    rules.check_can_post(author)
    help_request.needs_attention = suggests_danger(help_request.title, help_request.body)
    help_request.save(force_insert=True)
    tell_matching_helpers(help_request, key_prefix=f"new_request:{help_request.public_id}")
    return help_request


def suggests_danger(title: str, body: str) -> bool:
    """Whether a request's words suggest its author may be in immediate danger
    (moderation/crisis.py): such requests are flagged for moderators to look at first."""
    return bool(find_crisis_phrases(f"{title}\n{body}"))


def matching_helpers(help_request: HelpRequest) -> list[User]:
    """Helpers who follow this request's category and kind of response, but not one
    who already has a live offer on it (shown again, it would tell them their offer
    went unseen: a shadow offer must read like any other)."""
    subscriptions = (
        HelperSubscription.objects.filter(is_active=True, user__is_active=True)
        .exclude(user_id=help_request.author_id)
        .exclude(user_id__in=help_request.offers.live().values("helper_id"))
        .filter(Q(categories=help_request.category_id) | Q(categories__isnull=True))
        .select_related("user")
        .distinct()
    )
    return [sub.user for sub in subscriptions if sub.wants_kind(help_request.response_kind)]


def tell_matching_helpers(help_request: HelpRequest, *, key_prefix: str) -> int:
    return notify_many(
        kind=Notification.Kind.NEW_REQUEST,
        recipients=matching_helpers(help_request),
        key_prefix=key_prefix,
        url=help_request.get_absolute_url(),
        help_request=help_request,
    )


@transaction.atomic
def update_request(*, help_request: HelpRequest, by: User, **fields: Any) -> HelpRequest:
    """The asker changes what they wrote: `fields` are any of
    HelpRequest.EDITABLE_FIELDS; the ones not given keep their value."""
    locked = _lock_request(help_request)
    if locked.author_id != by.pk:
        raise NotAllowed(_("Only the person who asked can change this request."))
    if not locked.is_editable:
        raise Conflict(_("This request is finished, so it can no longer be changed."))
    _write_fields(locked, fields)
    # Once flagged, a request stays flagged until a moderator has looked.
    locked.needs_attention = locked.needs_attention or suggests_danger(locked.title, locked.body)
    locked.save()
    return locked


def _finish_request(
    help_request: HelpRequest,
    by: User,
    status: str,
    thank_you_offer_ids: Collection[int] = (),
) -> HelpRequest:
    locked = _lock_request(help_request)
    if locked.author_id != by.pk:
        raise NotAllowed(_("Only the person who asked can do this."))
    if locked.status not in (HelpRequest.Status.OPEN, HelpRequest.Status.MATCHED):
        raise Conflict(_("This request is already finished."))
    locked.status = status
    if status == HelpRequest.Status.RESOLVED:
        locked.resolved_at = timezone.now()
    locked.save(update_fields=["status", "resolved_at", "updated_at"])
    # Offers still waiting when a request finishes are closed kindly.
    _decline_pending(
        locked,
        Offer.DeclineReason.FOUND_HELP
        if status == HelpRequest.Status.RESOLVED
        else Offer.DeclineReason.NOT_TAKEN,
    )
    if status == HelpRequest.Status.RESOLVED:
        accepted = locked.offers.filter(status=Offer.Status.ACCEPTED).select_related("helper")
        for offer in accepted:
            notify(
                kind=Notification.Kind.REQUEST_RESOLVED,
                recipient=offer.helper,
                key=f"request_resolved:{offer.public_id}",
                url=offer.get_absolute_url(),
                help_request=locked,
                # "Wanted to say thank you" only when the asker wrote this helper a note.
                variant="thanked" if offer.pk in thank_you_offer_ids else "",
            )
    return locked


def _decline_pending(
    help_request: HelpRequest, reason: str, *, exclude: Offer | None = None
) -> int:
    """Decline every offer still waiting on `help_request`, telling each helper.
    Returns how many the asker could see (not held, hidden, nor shadow offers)."""
    waiting = help_request.offers.filter(status=Offer.Status.PENDING).select_related("helper")
    if exclude is not None:
        waiting = waiting.exclude(pk=exclude.pk)
    pending = list(waiting)
    Offer.objects.filter(pk__in=[offer.pk for offer in pending]).update(
        status=Offer.Status.DECLINED, decline_reason=reason, updated_at=timezone.now()
    )
    for offer in pending:
        offer.decline_reason = reason
        offer.request = help_request
        _tell_declined(offer)
    return sum(1 for offer in pending if offer.seen_by_asker)


def _tell_declined(offer: Offer) -> None:
    if offer.held_for_review:
        # The asker never saw it: the request finished before a moderator had
        # passed it on. Only that is true to say (whatever the reason).
        key = f"offer_declined:{offer.public_id}"
        if offer.decline_reason == Offer.DeclineReason.EXPIRED:
            key = f"offer_expired:{offer.public_id}:{offer.request.expires_at:%Y%m%d%H%M}"
        notify(
            kind=Notification.Kind.OFFER_DECLINED,
            recipient=offer.helper,
            key=key,
            url=offer.get_absolute_url(),
            help_request=offer.request,
            variant="before_review",
        )
        return
    if offer.decline_reason == Offer.DeclineReason.EXPIRED:
        # The asker did nothing: the request closed after a quiet period. One
        # notice per closing (a reopened request may close again).
        key = f"offer_expired:{offer.public_id}:{offer.request.expires_at:%Y%m%d%H%M}"
        variant = "expired"
    else:
        key, variant = f"offer_declined:{offer.public_id}", ""
    notify(
        kind=Notification.Kind.OFFER_DECLINED,
        recipient=offer.helper,
        key=key,
        # The in-app item names the request and opens the offer; the email stays
        # discreet and points to the board (KindSpec.email_url_name).
        url=offer.get_absolute_url(),
        help_request=offer.request,
        variant=variant,
    )


@transaction.atomic
def resolve_request(
    *, help_request: HelpRequest, by: User, thank_you_offer_ids: Collection[int] = ()
) -> HelpRequest:
    """`thank_you_offer_ids`: the accepted offers whose helper the asker wrote a
    thank-you note to; only those helpers are told there is a thank-you."""
    return _finish_request(
        help_request, by, HelpRequest.Status.RESOLVED, thank_you_offer_ids=thank_you_offer_ids
    )


@transaction.atomic
def close_request(*, help_request: HelpRequest, by: User) -> HelpRequest:
    return _finish_request(help_request, by, HelpRequest.Status.CLOSED)


# --- Offers ----------------------------------------------------------------------


@transaction.atomic
def make_offer(*, help_request: HelpRequest, helper: User, message: str) -> Offer:
    """`helper` offers to help. Someone the asker blocked is refused only where that
    tells them nothing new (the asker's named requests, if the block was made where
    the asker was named); on an anonymous request a refusal would say who asked, so
    their offer is made as usual but as a shadow: counted on the board and shown to
    them like any other, never shown to the asker nor notified, and declined kindly
    when the request finishes (moderation.rules, "Blocks that link nothing")."""
    offer = Offer(helper=helper, message=message.strip())
    validate(offer, fields=["message"])
    ratelimit.check_rate(action="offer", key=helper.pk)
    locked = _lock_request(help_request)
    if locked.author_id == helper.pk:
        raise NotAllowed(_("This is your own request, so you can't offer help on it."))
    if locked.is_hidden or not locked.is_open:
        raise Conflict(_("This request isn't taking new offers any more."))
    if Offer.objects.filter(request=locked, helper=helper).live().exists():
        raise Conflict(_("You have already offered to help with this request."))
    # Suspended, blocked by the asker, or over a new account's daily limit. A block
    # that must stay silent here makes a shadow offer (see moderation.rules).
    shadow = rules.check_can_offer(helper=helper, help_request=locked)
    held = rules.should_hold_offer(helper)
    offer.request, offer.held_for_review, offer.shadowed = locked, held, shadow
    try:
        with transaction.atomic():
            offer.save(force_insert=True)
    except IntegrityError:
        # Two submits of the same form at once: the constraint keeps one.
        raise Conflict(_("You have already offered to help with this request.")) from None
    if not held:
        # A held offer reaches the asker once a moderator approves it.
        present_offer(offer, help_request=locked)
    return offer


def present_offer(offer: Offer, *, help_request: HelpRequest) -> None:
    """The asker sees the offer: it counts on the board, and they are told.

    A shadow offer counts on the public board like any other: `offer_count` is what
    the helper, everyone else and the API read, so the helper the asker blocked sees
    their offer counted exactly as on anyone's request, and an onlooker sees the
    count any offer makes. The asker's own pages count only the offers they see
    (`requests.models.asker_offer_count`, `seen_by_asker`), and rules about "nobody
    has offered" (resurfacing) use those too. The asker is never told of a shadow
    offer, but the same work is done as for any offer: a notification row is written
    and queued, and its delivery is skipped (`withheld`), so the time an offer takes
    says nothing about whether it is a shadow."""
    HelpRequest.objects.filter(pk=help_request.pk).update(offer_count=F("offer_count") + 1)
    notify(
        kind=Notification.Kind.OFFER_RECEIVED,
        recipient=help_request.author,
        key=f"offer_received:{offer.public_id}",
        url=offer.get_absolute_url(),
        help_request=help_request,
        excerpt=offer.message,
        withheld=offer.shadowed,
    )


@transaction.atomic
def withdraw_offer(*, offer: Offer, by: User) -> Offer:
    """The helper takes back a live offer while the request is still going. If
    the asker had seen it, they are told, without a reason and without a name."""
    locked = _lock_offer(offer)
    if locked.helper_id != by.pk:
        raise NotAllowed(_("Only the person who offered can withdraw this offer."))
    locked.request = _lock_request(locked.request)
    if not locked.is_live:
        raise Conflict(_("This offer is no longer active."))
    if not locked.can_withdraw:
        raise Conflict(
            _("This request is finished, so offers on it are final and can't be withdrawn.")
        )
    was_accepted = locked.status == Offer.Status.ACCEPTED
    locked.status = Offer.Status.WITHDRAWN
    locked.save(update_fields=["status", "updated_at"])
    help_request = locked.request
    # An offer still held for review was never counted, nor shown to the asker; a
    # shadow offer was counted (publicly), but never shown to the asker.
    seen_by_asker = locked.seen_by_asker
    update_fields = ["updated_at"]
    if not locked.held_for_review:
        help_request.offer_count = max(help_request.offer_count - 1, 0)
        update_fields.append("offer_count")
    if was_accepted:
        # The asker is looking for help again.
        help_request.status = HelpRequest.Status.OPEN
        update_fields.append("status")
    help_request.save(update_fields=update_fields)
    if locked.passed_on:
        # Never told of a shadow offer's end either; but the same work is done
        # (a withheld row, see present_offer).
        notify(
            kind=Notification.Kind.OFFER_WITHDRAWN,
            recipient=help_request.author,
            key=f"offer_withdrawn:{locked.public_id}",
            url=help_request.get_absolute_url(),
            help_request=help_request,
            withheld=not seen_by_asker,
        )
    return locked


@transaction.atomic
def accept_offer(*, offer: Offer, by: User) -> Offer:
    locked = _lock_offer(offer)
    help_request = locked.request = _lock_request(locked.request)
    if help_request.author_id != by.pk:
        raise NotAllowed(_("Only the person who asked can accept an offer."))
    if not help_request.is_open:
        raise Conflict(_("This request already has a helper, or is finished."))
    if not locked.can_answer:
        raise Conflict(_("This offer can't be accepted any more."))
    locked.status = Offer.Status.ACCEPTED
    locked.save(update_fields=["status", "updated_at"])
    # Others who offered learn only that the asker has found help.
    _decline_pending(help_request, Offer.DeclineReason.FOUND_HELP, exclude=locked)
    help_request.status = HelpRequest.Status.MATCHED
    help_request.save(update_fields=["status", "updated_at"])
    notify(
        kind=Notification.Kind.OFFER_ACCEPTED,
        recipient=locked.helper,
        key=f"offer_accepted:{locked.public_id}",
        url=locked.get_absolute_url(),
        help_request=help_request,
    )
    return locked


@transaction.atomic
def decline_offer(*, offer: Offer, by: User) -> Offer:
    locked = _lock_offer(offer)
    if locked.request.author_id != by.pk:
        raise NotAllowed(_("Only the person who asked can decline an offer."))
    locked.request = _lock_request(locked.request)
    if not locked.can_answer:
        raise Conflict(_("This offer is no longer waiting for an answer."))
    locked.status = Offer.Status.DECLINED
    locked.decline_reason = Offer.DeclineReason.NOT_TAKEN
    locked.save(update_fields=["status", "decline_reason", "updated_at"])
    _tell_declined(locked)
    return locked


@transaction.atomic
def reveal_name_to_helper(*, offer: Offer, by: User) -> Offer:
    """An anonymous asker shows their display name to the helper they accepted, in
    that conversation only; everyone else (and every other page) still sees the
    request's alias. Doing it again changes nothing."""
    locked = _lock_offer(offer)
    help_request = locked.request
    if help_request.author_id != by.pk:
        raise NotAllowed(_("Only the person who asked can show their name."))
    if not help_request.is_anonymous:
        raise Conflict(_("This request already shows your name."))
    if locked.status != Offer.Status.ACCEPTED:
        raise Conflict(_("You can show your name only to a helper whose offer you accepted."))
    if locked.asker_revealed_at is None:
        locked.asker_revealed_at = timezone.now()
        locked.save(update_fields=["asker_revealed_at", "updated_at"])
    return locked


# --- Conversation ------------------------------------------------------------------


@transaction.atomic
def send_message(*, offer: Offer, sender: User, body: str) -> Message:
    locked = _lock_offer(offer)
    if sender.pk not in (locked.helper_id, locked.request.author_id):
        raise NotAllowed(_("Only the asker and this helper can write here."))
    message = Message(offer=locked, sender=sender, body=body.strip())
    validate(message, fields=["body"])
    ratelimit.check_rate(action="message", key=sender.pk)
    if not locked.can_message:
        raise Conflict(_("This conversation is closed, so no new messages can be sent."))
    # A shadow message (the recipient blocked the sender, silently here) is kept for
    # its sender only; so is every message on a shadow offer.
    shadow = rules.check_can_message(offer=locked, sender=sender) or locked.shadowed
    message.shadowed = shadow
    message.save(force_insert=True)
    recipient = locked.helper if sender.pk == locked.request.author_id else locked.request.author
    # A shadow message is never shown nor told to its recipient, but the same work
    # is done as for any message (a withheld row, see present_offer).
    notify(
        kind=Notification.Kind.MESSAGE_RECEIVED,
        recipient=recipient,
        key=f"message_received:{message.pk}",
        url=f"{locked.get_absolute_url()}#latest",
        help_request=locked.request,
        excerpt=message.body,
        withheld=shadow,
    )
    return message


# --- Expiry, renewal and requests nobody has answered -----------------------------------


def renew_token(help_request: HelpRequest) -> str:
    return signing.dumps(help_request.public_id, salt=RENEW_SALT)


def renew_url(help_request: HelpRequest) -> str:
    return reverse("requests:renew", args=[help_request.public_id, renew_token(help_request)])


def read_renew_token(token: str) -> str:
    """The public id a renew link names; raises signing.BadSignature or SignatureExpired."""
    max_age = timedelta(days=settings.BOARD_EMAIL_LINK_MAX_AGE_DAYS)
    return signing.loads(token, salt=RENEW_SALT, max_age=max_age)


@transaction.atomic
def renew_request(*, help_request: HelpRequest) -> HelpRequest:
    """ "Still needed": keep an open request open for another full period, or
    reopen one that closed after a quiet period."""
    locked = _lock_request(help_request)
    if locked.status not in (HelpRequest.Status.OPEN, HelpRequest.Status.EXPIRED):
        raise Conflict(_("This request is no longer open, so it can't be renewed."))
    reopened = locked.status == HelpRequest.Status.EXPIRED
    locked.status = HelpRequest.Status.OPEN
    locked.expires_at = default_expiry()
    locked.expiry_warned_at = None
    locked.save(update_fields=["status", "expires_at", "expiry_warned_at", "updated_at"])
    if reopened:
        _restore_expired_offers(locked)
    return locked


def _restore_expired_offers(help_request: HelpRequest) -> int:
    """Offers closed only because the request expired wait for the asker again,
    and each helper is told. Not an offer whose helper has since been suspended, or
    who has offered again (one live offer per helper), nor one of a helper the asker
    blocked where the block may say so (as make_offer refuses them). Where it must
    stay silent (moderation.rules, "Blocks that link nothing"), their offer is
    restored like anyone's, and its helper told alike, but as a shadow."""
    closed = help_request.offers.filter(
        status=Offer.Status.DECLINED,
        decline_reason=Offer.DeclineReason.EXPIRED,
        is_hidden=False,
        helper__is_active=True,
        helper__suspended_at__isnull=True,
    ).select_related("helper")
    live_helpers = set(help_request.offers.live().values_list("helper_id", flat=True))
    restored, shadows = [], []
    for offer in closed:
        if offer.helper_id in live_helpers:
            continue
        answer = rules.offer_block_answer(helper_id=offer.helper_id, help_request=help_request)
        if answer == "refuse":
            continue
        restored.append(offer)
        if answer == "shadow":
            shadows.append(offer.pk)
    now = timezone.now()
    Offer.objects.filter(pk__in=[offer.pk for offer in restored]).update(
        status=Offer.Status.PENDING, decline_reason="", updated_at=now
    )
    # A block made after the offer: from now on the asker doesn't see it.
    Offer.objects.filter(pk__in=shadows).update(shadowed=True)
    for offer in restored:
        notify(
            kind=Notification.Kind.OFFER_REOPENED,
            recipient=offer.helper,
            key=f"offer_reopened:{offer.public_id}:{help_request.expires_at:%Y%m%d%H%M}",
            url=offer.get_absolute_url(),
            help_request=help_request,
            # A held offer waits for a moderator, not for the asker's answer.
            variant="held" if offer.held_for_review else "",
        )
    return len(restored)


def expire_requests(now: datetime | None = None) -> tuple[int, int]:
    """Warn askers whose open requests close soon, and close the overdue ones.
    Each request is warned once and expired once (guarded by its own fields)."""
    now = now or timezone.now()
    warn_before = now + timedelta(days=settings.BOARD_EXPIRY_WARNING_DAYS)
    warned = expired = 0
    due_warning = HelpRequest.objects.filter(
        status=HelpRequest.Status.OPEN,
        expiry_warned_at__isnull=True,
        expires_at__gt=now,
        expires_at__lte=warn_before,
    ).values_list("pk", flat=True)
    for pk in list(due_warning):
        with transaction.atomic():
            help_request = (
                HelpRequest.objects.select_for_update().select_related("author").get(pk=pk)
            )
            if help_request.expiry_warned_at is not None:
                continue
            help_request.expiry_warned_at = now
            help_request.save(update_fields=["expiry_warned_at"])
            notify(
                kind=Notification.Kind.REQUEST_EXPIRING,
                recipient=help_request.author,
                key=f"request_expiring:{help_request.public_id}:{help_request.expires_at:%Y%m%d}",
                url=renew_url(help_request),
                help_request=help_request,
            )
            warned += 1
    overdue = HelpRequest.objects.filter(
        status=HelpRequest.Status.OPEN, expires_at__lte=now
    ).values_list("pk", flat=True)
    for pk in list(overdue):
        with transaction.atomic():
            help_request = (
                HelpRequest.objects.select_for_update().select_related("author").get(pk=pk)
            )
            if help_request.status != HelpRequest.Status.OPEN:
                continue
            help_request.status = HelpRequest.Status.EXPIRED
            help_request.save(update_fields=["status", "updated_at"])
            waiting = _decline_pending(help_request, Offer.DeclineReason.EXPIRED)
            notify(
                kind=Notification.Kind.REQUEST_EXPIRED,
                recipient=help_request.author,
                key=f"request_expired:{help_request.public_id}:{help_request.expires_at:%Y%m%d}",
                url=renew_url(help_request),
                help_request=help_request,
                # Tell the asker when offers were still waiting for their answer.
                variant={0: "", 1: "with_offer"}.get(waiting, "with_offers"),
            )
            expired += 1
    return warned, expired


def resurface_unanswered(now: datetime | None = None) -> int:
    """Show requests nobody has offered on again to subscribed helpers, once,
    and tell the asker honestly what is happening."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.BOARD_UNANSWERED_HOURS)
    # "Nobody has offered" as the asker sees it: a shadow offer (from someone they
    # blocked) counts publicly but must not stop their request being shown again.
    candidates = (
        HelpRequest.objects.filter(
            status=HelpRequest.Status.OPEN,
            is_hidden=False,
            resurfaced_at__isnull=True,
            created_at__lte=cutoff,
        )
        .alias(seen_offers=asker_offer_count())
        .filter(seen_offers=0)
        .values_list("pk", flat=True)
    )
    done = 0
    for pk in list(candidates):
        with transaction.atomic():
            help_request = (
                HelpRequest.objects.select_for_update().select_related("author").get(pk=pk)
            )
            if help_request.resurfaced_at is not None:
                continue
            standing = help_request.offers.seen_by_asker().exclude(status=Offer.Status.WITHDRAWN)
            if standing.exists():
                continue
            help_request.resurfaced_at = now
            help_request.save(update_fields=["resurfaced_at"])
            shown = tell_matching_helpers(
                help_request, key_prefix=f"new_request:again:{help_request.public_id}"
            )
            notify(
                kind=Notification.Kind.REQUEST_UNANSWERED,
                recipient=help_request.author,
                key=f"request_unanswered:{help_request.public_id}",
                url=help_request.get_absolute_url(),
                help_request=help_request,
                # "Shown again to people who help" only when someone was.
                variant="shown_again" if shown else "not_shown",
            )
            done += 1
    return done
