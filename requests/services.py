"""Operations that change help requests, offers and conversations.

Views, admin actions and tasks call these; each owns its transaction and
records the notifications its event causes. Rules that can fail raise
`ServiceError` with a message fit to show the person.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from board.models import Notification
from board.notifications import notify
from requests.models import Category, HelpRequest, Message, Offer


class ServiceError(Exception):
    """A rule of the board said no; the message is for the person."""


def _lock_request(help_request: HelpRequest) -> HelpRequest:
    return HelpRequest.objects.select_for_update().get(pk=help_request.pk)


def _lock_offer(offer: Offer) -> Offer:
    return Offer.objects.select_for_update().select_related("request").get(pk=offer.pk)


# --- Requests ------------------------------------------------------------------


@transaction.atomic
def create_request(
    *,
    author: User,
    title: str,
    body: str,
    category: Category,
    response_kind: str,
    is_anonymous: bool,
) -> HelpRequest:
    return HelpRequest.objects.create(
        author=author,
        title=title.strip(),
        body=body.strip(),
        category=category,
        response_kind=response_kind,
        is_anonymous=is_anonymous,
    )


@transaction.atomic
def update_request(
    *,
    help_request: HelpRequest,
    by: User,
    title: str,
    body: str,
    category: Category,
    response_kind: str,
    is_anonymous: bool,
) -> HelpRequest:
    locked = _lock_request(help_request)
    if locked.author_id != by.pk:
        raise ServiceError(_("Only the person who asked can change this request."))
    if not locked.is_editable:
        raise ServiceError(_("This request is finished, so it can no longer be changed."))
    locked.title = title.strip()
    locked.body = body.strip()
    locked.category = category
    locked.response_kind = response_kind
    locked.is_anonymous = is_anonymous
    locked.save()
    return locked


def _finish_request(help_request: HelpRequest, by: User, status: str) -> HelpRequest:
    locked = _lock_request(help_request)
    if locked.author_id != by.pk:
        raise ServiceError(_("Only the person who asked can do this."))
    if locked.status not in (HelpRequest.Status.OPEN, HelpRequest.Status.MATCHED):
        raise ServiceError(_("This request is already finished."))
    locked.status = status
    if status == HelpRequest.Status.RESOLVED:
        locked.resolved_at = timezone.now()
    locked.save(update_fields=["status", "resolved_at", "updated_at"])
    # Offers still waiting when a request finishes are closed kindly.
    Offer.objects.filter(request=locked, status=Offer.Status.PENDING).update(
        status=Offer.Status.DECLINED,
        decline_reason=Offer.DeclineReason.FOUND_HELP
        if status == HelpRequest.Status.RESOLVED
        else Offer.DeclineReason.NOT_TAKEN,
        updated_at=timezone.now(),
    )
    return locked


@transaction.atomic
def resolve_request(*, help_request: HelpRequest, by: User) -> HelpRequest:
    return _finish_request(help_request, by, HelpRequest.Status.RESOLVED)


@transaction.atomic
def close_request(*, help_request: HelpRequest, by: User) -> HelpRequest:
    return _finish_request(help_request, by, HelpRequest.Status.CLOSED)


# --- Offers ----------------------------------------------------------------------


@transaction.atomic
def make_offer(*, help_request: HelpRequest, helper: User, message: str) -> Offer:
    locked = _lock_request(help_request)
    if locked.author_id == helper.pk:
        raise ServiceError(_("This is your own request, so you can't offer help on it."))
    if locked.is_hidden or not locked.is_open:
        raise ServiceError(_("This request isn't taking new offers any more."))
    if Offer.objects.filter(request=locked, helper=helper).live().exists():
        raise ServiceError(_("You have already offered to help with this request."))
    try:
        with transaction.atomic():
            offer = Offer.objects.create(request=locked, helper=helper, message=message.strip())
    except IntegrityError:
        # Two submits of the same form at once: the constraint keeps one.
        raise ServiceError(_("You have already offered to help with this request.")) from None
    HelpRequest.objects.filter(pk=locked.pk).update(offer_count=F("offer_count") + 1)
    notify(
        kind=Notification.Kind.OFFER_RECEIVED,
        recipient=locked.author,
        key=f"offer_received:{offer.public_id}",
        url=offer.get_absolute_url(),
    )
    return offer


@transaction.atomic
def withdraw_offer(*, offer: Offer, by: User) -> Offer:
    locked = _lock_offer(offer)
    if locked.helper_id != by.pk:
        raise ServiceError(_("Only the person who offered can withdraw this offer."))
    if not locked.is_live:
        raise ServiceError(_("This offer is no longer active."))
    was_accepted = locked.status == Offer.Status.ACCEPTED
    locked.status = Offer.Status.WITHDRAWN
    locked.save(update_fields=["status", "updated_at"])
    updates = {"offer_count": F("offer_count") - 1}
    if was_accepted:
        # The asker is looking for help again.
        updates["status"] = HelpRequest.Status.OPEN
    HelpRequest.objects.filter(pk=locked.request_id, status__in=["open", "matched"]).update(
        **updates
    )
    return locked


@transaction.atomic
def accept_offer(*, offer: Offer, by: User) -> Offer:
    locked = _lock_offer(offer)
    help_request = _lock_request(locked.request)
    if help_request.author_id != by.pk:
        raise ServiceError(_("Only the person who asked can accept an offer."))
    if locked.status != Offer.Status.PENDING:
        raise ServiceError(_("This offer can't be accepted any more."))
    if not help_request.is_open:
        raise ServiceError(_("This request already has a helper, or is finished."))
    locked.status = Offer.Status.ACCEPTED
    locked.save(update_fields=["status", "updated_at"])
    # Others who offered learn only that the asker has found help.
    Offer.objects.filter(request=help_request, status=Offer.Status.PENDING).update(
        status=Offer.Status.DECLINED,
        decline_reason=Offer.DeclineReason.FOUND_HELP,
        updated_at=timezone.now(),
    )
    help_request.status = HelpRequest.Status.MATCHED
    help_request.save(update_fields=["status", "updated_at"])
    notify(
        kind=Notification.Kind.OFFER_ACCEPTED,
        recipient=locked.helper,
        key=f"offer_accepted:{locked.public_id}",
        url=locked.get_absolute_url(),
    )
    return locked


@transaction.atomic
def decline_offer(*, offer: Offer, by: User) -> Offer:
    locked = _lock_offer(offer)
    if locked.request.author_id != by.pk:
        raise ServiceError(_("Only the person who asked can decline an offer."))
    if locked.status != Offer.Status.PENDING:
        raise ServiceError(_("This offer is no longer waiting for an answer."))
    locked.status = Offer.Status.DECLINED
    locked.decline_reason = Offer.DeclineReason.NOT_TAKEN
    locked.save(update_fields=["status", "decline_reason", "updated_at"])
    return locked


# --- Conversation ------------------------------------------------------------------


@transaction.atomic
def send_message(*, offer: Offer, sender: User, body: str) -> Message:
    locked = _lock_offer(offer)
    if sender.pk not in (locked.helper_id, locked.request.author_id):
        raise ServiceError(_("Only the asker and this helper can write here."))
    if not locked.can_message:
        raise ServiceError(_("This conversation is closed, so no new messages can be sent."))
    body = body.strip()
    if not body:
        raise ServiceError(_("Please write a message before sending."))
    return Message.objects.create(offer=locked, sender=sender, body=body)
