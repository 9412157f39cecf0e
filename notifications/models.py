"""The notification domain's tables: the outbox (`Notification`, one row per
thing a person is told, also their in-app notifications), each person's email
preferences, their unsubscribe links and what helpers follow.

They kept the tables they had in the board and accounts apps (`db_table`).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications import kinds
from notifications.kinds import Delivery

__all__ = [
    "Delivery",
    "HelperSubscription",
    "Notification",
    "NotificationPreference",
    "UnsubscribeToken",
]


class NotificationQuerySet(models.QuerySet["Notification"]):
    def due(self, now: datetime | None = None) -> NotificationQuerySet:
        """Queued rows whose next try has come (a lost task, a broker outage)."""
        now = now or timezone.now()
        return self.filter(
            state=Notification.State.QUEUED,
            delivery=Notification.Delivery.IMMEDIATE,
            next_attempt_at__lte=now,
        )

    def in_app(self, user: AbstractBaseUser) -> NotificationQuerySet:
        """What a person sees on their notifications page."""
        return self.filter(recipient=user, withheld=False).exclude(
            kind__in=[Notification.Kind.ACCOUNT, Notification.Kind.DIGEST]
        )

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def waiting_for_digest(self) -> NotificationQuerySet:
        return self.filter(
            state=Notification.State.QUEUED,
            delivery=Notification.Delivery.DIGEST,
            digest__isnull=True,
            withheld=False,
        )

    def lease_lapsed(self, now: datetime | None = None) -> NotificationQuerySet:
        """Rows in "sending" whose claimer stopped renewing its lease: it died,
        or it could not reach the database (see `notifications.delivery.sweep`)."""
        now = now or timezone.now()
        # No lease at all: claimed by code older than leases (during a deploy).
        return self.filter(
            models.Q(lease_until__lt=now) | models.Q(lease_until__isnull=True),
            state=Notification.State.SENDING,
        )

    def backlog(self) -> NotificationQuerySet:
        """Rows waiting to be emailed now: queued or being sent (not digests)."""
        return self.filter(
            state__in=[Notification.State.QUEUED, Notification.State.SENDING],
            delivery=Notification.Delivery.IMMEDIATE,
        )


class Notification(models.Model):
    """The outbox: one row per thing a person is told, written in the same
    transaction as the event, delivered by a Celery task (at least once,
    idempotently: the row's state says whether it was sent)."""

    # The kinds are declared in notifications/kinds.py (a new one needs no migration).
    Kind = kinds.Kind

    # The same enum as the person's preferences (notifications.kinds.Delivery).
    Delivery = kinds.Delivery

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, validators=[kinds.validate_kind])
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # Only for account emails (verification, password reset), which may go to
    # an address that has no account yet.
    to_email = models.EmailField(_("to address"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    help_request = models.ForeignKey(
        "requests.HelpRequest",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    delivery = models.CharField(
        _("email delivery"), max_length=16, choices=Delivery.choices, default=Delivery.IMMEDIATE
    )
    # The digest email that carried this row, once it has been put in one.
    digest = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Pre-rendered content of account emails; cleared once sent, since it can
    # hold a one-time key.
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.QUEUED, db_index=True
    )
    # Recorded and queued like any row, but never shown nor sent to its recipient:
    # the event must not reach them (an offer from someone they blocked, made
    # where refusing would link them), yet doing less work for it would be
    # measurable (requests.services.present_offer). Delivery skips it.
    withheld = models.BooleanField(_("withheld from the recipient"), default=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next try"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # Who is sending it ("<celery node> <worker run> <pid>"), until when, unless
    # they renew the lease, which they do while they work; and when the
    # sweeper first found the lease lapsed (see notifications.delivery.sweep).
    claimed_by = models.CharField(_("claimed by"), max_length=200, blank=True)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    suspected_at = models.DateTimeField(_("lease found lapsed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        # The table it has had since it lived in the board app.
        db_table = "board_notification"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="notification_due"),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_state_display()})"

    def get_kind_display(self) -> str:
        return kinds.name(self.kind)


class NotificationPreference(models.Model):
    """One person's choice for one kind of notification. No row means the
    kind's default (see notifications.kinds)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=32)
    delivery = models.CharField(_("delivery"), max_length=16, choices=Delivery.choices)

    class Meta:
        db_table = "accounts_notificationpreference"
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.delivery}"


def new_unsubscribe_token() -> str:
    """256 random bits, URL-safe: a value that means nothing outside our database."""
    return secrets.token_urlsafe(32)


class UnsubscribeToken(models.Model):
    """The opaque value in one person's one-click "stop emails like this" links for
    one kind of email. It never expires: a link works for as long as the account
    does (it goes with it), and it reveals nothing: no id, no kind, no date."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unsubscribe_tokens"
    )
    kind = models.CharField(_("kind"), max_length=32)
    token = models.CharField(max_length=64, unique=True, default=new_unsubscribe_token)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "accounts_unsubscribetoken"
        verbose_name = _("unsubscribe link")
        verbose_name_plural = _("unsubscribe links")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_unsubscribe_token_per_kind")
        ]

    def __str__(self) -> str:
        return f"Unsubscribe link for {self.kind}"


class HelperSubscription(models.Model):
    """What a helper wants to hear about: new requests in these categories and
    kinds of response (none chosen means all)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscription"
    )
    is_active = models.BooleanField(_("tell me about new requests I could help with"), default=True)
    categories = models.ManyToManyField(
        "requests.Category", blank=True, related_name="subscriptions", verbose_name=_("categories")
    )
    response_kinds = models.JSONField(_("kinds of response"), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "accounts_helpersubscription"
        verbose_name = _("helper subscription")
        verbose_name_plural = _("helper subscriptions")

    def __str__(self) -> str:
        return f"Subscription of user {self.user_id}"

    def wants_kind(self, response_kind: str) -> bool:
        return not self.response_kinds or response_kind in self.response_kinds
