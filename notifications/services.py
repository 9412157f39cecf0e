"""Writing notifications: record that someone must be told something, their
email preferences, unsubscribing, and the read state of their notifications.

Every row is also an entry on the recipient's notifications page, whatever
their email preference for its kind: right away, in the daily digest, or never.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core import signing
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from notifications.delivery import enqueue_on_commit
from notifications.kinds import CONFIGURABLE_KINDS, REGISTRY, Delivery, Kind
from notifications.models import (
    HelperSubscription,
    Notification,
    NotificationPreference,
    UnsubscribeToken,
)

if TYPE_CHECKING:  # for annotations only: requests imports this module
    from requests.models import Category, HelpRequest

UNSUBSCRIBE_SALT = "board.unsubscribe"
EXCERPT_LENGTH = 300


# --- Helper subscriptions: "tell me about new requests like these" ----------------


def update_subscription(
    *, user: User, is_active: bool, categories: Iterable[Category], response_kinds: Iterable[str]
) -> HelperSubscription:
    with transaction.atomic():
        subscription, _created = HelperSubscription.objects.update_or_create(
            user=user, defaults={"is_active": is_active, "response_kinds": list(response_kinds)}
        )
        subscription.categories.set(categories)
    return subscription


def follow_requests(
    *, user: User, category: Category | None = None, response_kind: str = ""
) -> HelperSubscription:
    """ "Tell me about new requests like these", from the board's filters: what the
    person already follows stays, and this category and kind are added (no
    category or kind chosen means all of them, as on the settings page)."""
    with transaction.atomic():
        subscription = HelperSubscription.objects.select_for_update().filter(user=user).first()
        if subscription is None or not subscription.is_active:
            # Nothing followed yet (or stopped): exactly what they are looking at.
            return update_subscription(
                user=user,
                is_active=True,
                categories=[category] if category else [],
                response_kinds=[response_kind] if response_kind else [],
            )
        categories = list(subscription.categories.all())
        if not category:
            categories = []
        elif categories and category not in categories:
            categories.append(category)
        kinds = list(subscription.response_kinds)
        if not response_kind:
            kinds = []
        elif kinds and response_kind not in kinds:
            kinds.append(response_kind)
        return update_subscription(
            user=user, is_active=True, categories=categories, response_kinds=kinds
        )


# --- Preferences ----------------------------------------------------------------------


def preferences_for(user: User) -> dict[str, str]:
    """Every configurable kind with the person's chosen delivery (or the default)."""
    chosen = dict(user.notification_preferences.values_list("kind", "delivery"))
    return {kind: chosen.get(kind, REGISTRY[kind].default) for kind in CONFIGURABLE_KINDS}


def set_preferences(*, user: User, choices: dict[str, str]) -> None:
    for kind, delivery in choices.items():
        if kind not in CONFIGURABLE_KINDS or delivery not in Delivery.values:
            raise ValueError(f"Unknown kind or delivery: {kind}={delivery}")
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"delivery": delivery}
        )


def update_settings(*, user: User, full_emails: bool, choices: dict[str, str]) -> None:
    """A person's email settings: delivery for the kinds in `choices` (others
    keep theirs) and fuller emails."""
    with transaction.atomic():
        set_preferences(user=user, choices=choices)
        if user.full_emails != full_emails:
            user.full_emails = full_emails
            user.save(update_fields=["full_emails"])


def _deliveries(kind: str, recipients: list[User]) -> dict[int, str]:
    spec = REGISTRY[kind]
    if not spec.configurable:
        return {user.pk: Delivery.IMMEDIATE for user in recipients}
    chosen = dict(
        NotificationPreference.objects.filter(
            kind=kind, user__in=[user.pk for user in recipients]
        ).values_list("user_id", "delivery")
    )
    return {user.pk: chosen.get(user.pk, spec.default) for user in recipients}


# --- Recording ----------------------------------------------------------------------


def _new_row(
    kind: str,
    recipient: User,
    key: str,
    url: str,
    help_request: HelpRequest | None,
    excerpt: str,
    delivery: str,
    variant: str = "",
    withheld: bool = False,
) -> Notification:
    payload = {"excerpt": excerpt[:EXCERPT_LENGTH]} if excerpt else {}
    if variant:
        payload["variant"] = variant
    return Notification(
        key=key,
        kind=kind,
        recipient=recipient,
        url=url,
        help_request=help_request,
        payload=payload,
        delivery=delivery,
        withheld=withheld,
        # Never-by-email rows are done as far as email goes; they stay in-app.
        state=Notification.State.SKIPPED
        if delivery == Delivery.NEVER
        else Notification.State.QUEUED,
    )


def notify(
    *,
    kind: str,
    recipient: User,
    key: str,
    url: str = "",
    help_request: HelpRequest | None = None,
    excerpt: str = "",
    variant: str = "",
    withheld: bool = False,
) -> Notification | None:
    """Record that `recipient` must be told about something; email after commit.

    `key` makes the notification idempotent: recording the same event twice
    creates one row and one email. `excerpt` (the text of an offer or message)
    is shown only to people who chose fuller emails. `variant` names which of
    the kind's texts fits what happened (declared in notifications.kinds, worded
    in the kind's template). A `withheld` row is recorded and queued the same
    way, but never shown nor sent (Notification.withheld).
    """
    if not recipient.is_active:
        return None
    if variant and variant not in REGISTRY[kind].variants:
        raise ValueError(f"Unknown variant {variant!r} of {kind}")
    delivery = _deliveries(kind, [recipient])[recipient.pk]
    if REGISTRY[kind].opt_in and delivery == Delivery.NEVER:
        return None
    row = _new_row(kind, recipient, key, url, help_request, excerpt, delivery, variant, withheld)
    notification, created = Notification.objects.get_or_create(
        key=key,
        defaults={
            field: getattr(row, field)
            for field in (
                "kind", "recipient", "url", "help_request", "payload", "delivery", "state",
                "withheld",
            )
        },
    )  # fmt: skip
    if created and notification.delivery == Notification.Delivery.IMMEDIATE:
        enqueue_on_commit(notification.pk)
    return notification if created else None


def notify_many(
    *,
    kind: str,
    recipients: Iterable[User],
    key_prefix: str,
    url: str,
    help_request: HelpRequest | None = None,
) -> int:
    """`notify` for many people at once (new requests for subscribed helpers)."""
    recipients = [user for user in recipients if user.is_active]
    if not recipients:
        return 0
    deliveries = _deliveries(kind, recipients)
    rows = [
        _new_row(kind, user, f"{key_prefix}:{user.pk}", url, help_request, "", deliveries[user.pk])
        for user in recipients
    ]
    existing = set(
        Notification.objects.filter(key__in=[row.key for row in rows]).values_list("key", flat=True)
    )
    rows = [row for row in rows if row.key not in existing]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    immediate = list(
        Notification.objects.filter(
            key__in=[row.key for row in rows], delivery=Notification.Delivery.IMMEDIATE
        ).values_list("pk", flat=True)
    )
    for pk in immediate:
        enqueue_on_commit(pk)
    return len(rows)


def queue_account_email(*, to: str, subject: str, text: str, html: str, kind: str) -> Notification:
    """Queue an already rendered account email (allauth's verification, reset...)."""
    recipient = User.objects.filter(email__iexact=to).first()
    notification = Notification.objects.create(
        # Each account email is its own event (a second reset link is a new email).
        key=f"account:{kind}:{uuid.uuid4().hex}",
        kind=Kind.ACCOUNT,
        recipient=recipient,
        to_email=to,
        payload={"subject": subject, "text": text, "html": html},
    )
    enqueue_on_commit(notification.pk)
    return notification


# --- Read state ----------------------------------------------------------------------


def mark_read(*, user: User, notification_id: int) -> Notification | None:
    notification = Notification.objects.in_app(user).filter(pk=notification_id).first()
    if notification and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, user: User) -> int:
    return Notification.objects.in_app(user).unread().update(read_at=timezone.now())


# --- Unsubscribe ----------------------------------------------------------------------


def read_unsubscribe_token(token: str) -> tuple[User, str]:
    """The person and kind a token names. Raises signing.BadSignature for a
    token that names nobody (made up, tampered, or its account is gone)."""
    found = (
        UnsubscribeToken.objects.filter(token=token, user__is_active=True)
        .select_related("user")
        .first()
    )
    if found is not None:
        user, kind = found.user, found.kind
    else:
        # Links sent before the opaque tokens: signed values, still honoured
        # without an age limit so that old emails keep working.
        try:
            data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
            user = User.objects.get(pk=data["u"], is_active=True)
            kind = data["k"]
        except (User.DoesNotExist, KeyError, TypeError) as error:
            raise signing.BadSignature("names nobody") from error
    if kind not in CONFIGURABLE_KINDS and kind != Kind.DIGEST:
        raise signing.BadSignature("unknown kind")
    return user, kind


def unsubscribe(*, user: User, kind: str) -> list[str]:
    """Stop emails of `kind` (for a digest: every kind now sent in the digest)."""
    if kind == Kind.DIGEST:
        kinds = [k for k, delivery in preferences_for(user).items() if delivery == Delivery.DIGEST]
    else:
        kinds = [kind]
    set_preferences(user=user, choices=dict.fromkeys(kinds, Delivery.NEVER))
    return kinds
