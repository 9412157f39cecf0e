from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet["Notification"]):
    def due(self, now=None):
        """Queued rows whose next try has come (a lost task, a broker outage)."""
        now = now or timezone.now()
        return self.filter(
            state=Notification.State.QUEUED,
            delivery=Notification.Delivery.IMMEDIATE,
            next_attempt_at__lte=now,
        )

    def in_app(self, user):
        """What a person sees on their notifications page."""
        return self.filter(recipient=user, withheld=False).exclude(
            kind__in=[Notification.Kind.ACCOUNT, Notification.Kind.DIGEST]
        )

    def unread(self):
        return self.filter(read_at__isnull=True)

    def waiting_for_digest(self):
        return self.filter(
            state=Notification.State.QUEUED,
            delivery=Notification.Delivery.DIGEST,
            digest__isnull=True,
            withheld=False,
        )

    def lease_lapsed(self, now=None):
        """Rows in "sending" whose claimer stopped renewing its lease: it died,
        or it could not reach the database (see `notifications.sweep`)."""
        now = now or timezone.now()
        # No lease at all: claimed by code older than leases (during a deploy).
        return self.filter(
            models.Q(lease_until__lt=now) | models.Q(lease_until__isnull=True),
            state=Notification.State.SENDING,
        )

    def backlog(self):
        """Rows waiting to be emailed now: queued or being sent (not digests)."""
        return self.filter(
            state__in=[Notification.State.QUEUED, Notification.State.SENDING],
            delivery=Notification.Delivery.IMMEDIATE,
        )


class Notification(models.Model):
    """The outbox: one row per thing a person is told, written in the same
    transaction as the event, delivered by a Celery task (at least once,
    idempotently: the row's state says whether it was sent)."""

    class Kind(models.TextChoices):
        OFFER_RECEIVED = "offer_received", _("Someone offered to help with your request")
        MESSAGE_RECEIVED = "message_received", _("A new message in a conversation")
        OFFER_ACCEPTED = "offer_accepted", _("Your offer of help was accepted")
        OFFER_DECLINED = "offer_declined", _("An update on an offer you made")
        OFFER_REOPENED = "offer_reopened", _("A request you offered on is open again")
        OFFER_WITHDRAWN = "offer_withdrawn", _("A helper withdrew their offer")
        OFFER_APPROVED = "offer_approved", _("Your first offer was passed on")
        OFFER_NOT_APPROVED = "offer_not_approved", _("A moderator didn't pass your offer on")
        REQUEST_RESOLVED = "request_resolved", _("A request you helped with was resolved")
        REQUEST_EXPIRING = "request_expiring", _("Your request will close soon")
        REQUEST_EXPIRED = "request_expired", _("Your request has closed")
        REQUEST_UNANSWERED = "request_unanswered", _("An update on your request")
        NEW_REQUEST = "new_request", _("A new request you could help with")
        REPORT_OUTCOME = "report_outcome", _("An update on something you reported")
        MODERATOR_WARNING = "moderator_warning", _("A note from the moderators")
        MODERATOR_LOOKED = "moderator_looked", _("A moderator looked at an anonymous request")
        # Stories and gratitude (requests/thanks.py, stories/).
        THANKED = "thanked", _("Someone thanked you for your help")
        STORY_UPDATE = "story_update", _("An update on a story you shared")
        STORY_CONSENT = "story_consent", _("Someone would like to mention you in their story")
        BEEN_THERE = "been_there", _("Someone said they've been there too")
        CAN_ASK_TOO = "can_ask_too", _("A note for people who help")
        DIGEST = "digest", _("Daily digest")
        ACCOUNT = "account", _("Account email")

    class Delivery(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately")
        DIGEST = "digest", _("In the daily digest")
        NONE = "none", _("Not by email")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
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
    # sweeper first found the lease lapsed (see notifications.sweep).
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
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="notification_due"),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_state_display()})"


class CrisisResource(models.Model):
    """A service shown on the crisis help page; staff keep the list."""

    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    url = models.URLField(_("website"), blank=True)
    # Blank means everywhere / every language.
    region = models.CharField(
        _("region"), max_length=60, blank=True, help_text=_("e.g. UK, Germany; blank for all")
    )
    language = models.CharField(
        _("language"), max_length=10, blank=True, help_text=_("e.g. en, de; blank for all")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("shown"), default=True)

    class Meta:
        verbose_name = _("crisis resource")
        verbose_name_plural = _("crisis resources")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name
