"""The moderation domain's tables: reports, the moderators' log, blocks between
people, and the phrases that flag a request or story for a moderator.

Each table keeps the name it had in the app it came from (`db_table`), so moving
these models here renamed nothing in the database (migrations 0001_moder_*).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from board.fields import PlainCharField, PlainTextField
from requests.models import HelpRequest, Message, Offer


class Report(models.Model):
    """Someone tells the moderators about a request, offer or message."""

    class Reason(models.TextChoices):
        HARMFUL = "harmful", _("It's harmful, abusive or threatening")
        UNSAFE = "unsafe", _("Someone may be in danger")
        SPAM = "spam", _("Spam or advertising")
        INAPPROPRIATE = "inappropriate", _("Inappropriate or not kind")
        PRIVACY = "privacy", _("It shares someone's private information")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a moderator")
        ACTIONED = "actioned", _("Action taken")
        DISMISSED = "dismissed", _("No action needed")

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    help_request = models.ForeignKey(
        HelpRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    offer = models.ForeignKey(
        Offer, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    details = PlainTextField(_("anything else moderators should know"), max_length=2000, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    outcome = PlainCharField(_("outcome"), max_length=300, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports_handled",
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    created_at = models.DateTimeField(_("reported"), default=timezone.now)

    class Meta:
        db_table = "requests_report"
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(help_request__isnull=False, offer__isnull=True, message__isnull=True)
                    | Q(help_request__isnull=True, offer__isnull=False, message__isnull=True)
                    | Q(help_request__isnull=True, offer__isnull=True, message__isnull=False)
                ),
                name="report_has_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} ({self.get_reason_display()})"


class ModerationAction(models.Model):
    """The log of everything a moderator did, including every break-glass look."""

    class Kind(models.TextChoices):
        HIDE = "hide", _("Hid content")
        UNHIDE = "unhide", _("Showed content again")
        DISMISS = "dismiss", _("Dismissed a report")
        WARN = "warn", _("Warned a person")
        SUSPEND = "suspend", _("Suspended a person")
        APPROVE_OFFER = "approve_offer", _("Approved a held offer")
        REJECT_OFFER = "reject_offer", _("Rejected a held offer")
        REVEAL_AUTHOR = "reveal_author", _("Looked at who wrote an anonymous request")
        PUBLISH_STORY = "publish_story", _("Published a story")
        PROPOSE_STORY_EDIT = "propose_story_edit", _("Suggested a change to a story")
        DECLINE_STORY = "decline_story", _("Declined a story")
        TAKE_DOWN_STORY = "take_down_story", _("Took a published story down")

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="moderation_actions"
    )
    kind = models.CharField(_("action"), max_length=20, choices=Kind.choices)
    report = models.ForeignKey(
        Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    # Whom or what the action was about (at most one of these is usually set).
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_subject_of",
    )
    help_request = models.ForeignKey(
        HelpRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    offer = models.ForeignKey(
        Offer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A story of asking, by its public id: stories build on this app, so the log
    # names a story rather than pointing at it with a foreign key.
    story_ref = models.CharField(_("story"), max_length=16, blank=True)
    reason = PlainTextField(_("reason"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        db_table = "requests_moderationaction"
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation log")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d})"


class Block(models.Model):
    """`blocker` no longer hears from `blocked`: no offers on their requests, no
    messages, and their content is out of sight."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocked_by"
    )
    # What the blocker saw the person called when they blocked them (an
    # anonymous asker's alias, never the name behind it): shown in their list.
    label = PlainCharField(_("shown as"), max_length=60)
    # False when the person was anonymous to the blocker (an asker seen by alias):
    # then hiding their other, named content would tell the blocker who they are,
    # so the block only stops them offering and writing.
    hides_content = models.BooleanField(_("hides their content"), default=True)
    # The conversation the block ended: there (and only where the blocker is known
    # by name to the blocked person, if they were known by name here too) the
    # blocked person is told "no"; elsewhere the block is silent, so that it links
    # nothing (moderation.rules).
    offer = models.ForeignKey(
        Offer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "accounts_block"
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="block_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"Block {self.pk}"


class CrisisPhrase(models.Model):
    """Words that suggest someone may be in immediate danger. A request that
    contains one shows a gentle panel with crisis help before it is posted."""

    phrase = models.CharField(_("phrase"), max_length=100, unique=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        db_table = "board_crisisphrase"
        verbose_name = _("crisis phrase")
        verbose_name_plural = _("crisis phrases")
        ordering = ["phrase"]

    def __str__(self) -> str:
        return self.phrase
