"""Stories of asking, "I've been there too", and the board's public figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from board.fields import PlainTextField
from requests.models import Category, HelpRequest, length_rules, new_alias, new_public_id

if TYPE_CHECKING:  # accounts sits below stories; the type is for annotations only
    from django_stubs_ext import StrOrPromise

    from accounts.models import User

PROMPT_MAX = 2000
ANSWER_TOO_LONG = _(
    "Please keep this to %(limit_value)d characters or fewer (it has %(show_value)d)."
)
NO_ANSWER = _("Please answer at least one of the questions. A few lines are enough.")


def _answer(label: StrOrPromise) -> PlainTextField:
    """One of a story's three answers: optional, at most PROMPT_MAX characters (the
    rule every write path checks: the service with board.errors.validate, the form
    and the serializer by deriving theirs from this field)."""
    return PlainTextField(
        label,
        max_length=PROMPT_MAX,
        blank=True,
        validators=length_rules(None, PROMPT_MAX, too_long=ANSWER_TOO_LONG),
    )


class StoryQuerySet(models.QuerySet["Story"]):
    def published(self) -> StoryQuerySet:
        return self.filter(status=Story.Status.PUBLISHED)

    def of(self, user: User) -> StoryQuerySet:
        return self.filter(author=user)


class Story(models.Model):
    """What it was like to ask, told by someone who asked. Anonymous by default,
    under its own alias (drawn afresh, unrelated to the request's); it never
    shows which request it came from. Nobody but its author sees it before a
    moderator publishes it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a moderator")
        EDIT_PROPOSED = "edit_proposed", _("A moderator suggests a change")
        PUBLISHED = "published", _("Published")
        DECLINED = "declined", _("Not published")

    class HelperNaming(models.TextChoices):
        NONE = "", _("Not named")
        ASKED = "asked", _("Waiting for the helper's answer")
        CONSENTED = "consented", _("The helper agreed to be named")
        REFUSED = "refused", _("The helper prefers not to be named")

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stories"
    )
    # Where it came from: for the rules (one story per request, which helper may
    # be named); never shown, never serialised.
    source_request = models.OneToOneField(
        HelpRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stories",
        verbose_name=_("category"),
    )
    alias = models.CharField(_("alias"), max_length=40, default=new_alias, editable=False)
    show_name = models.BooleanField(_("show my display name"), default=False)
    hard_to_ask = _answer(_("What made it hard to ask?"))
    when_i_did = _answer(_("What happened when you did?"))
    to_someone_hesitating = _answer(_("What would you tell someone who is hesitating?"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    # The helper is named only with their own consent, asked through the board.
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    helper_naming = models.CharField(
        _("naming the helper"), max_length=16, choices=HelperNaming.choices, blank=True
    )
    # A moderator's edit for privacy, published only if the author agrees.
    proposed = models.JSONField(default=dict, blank=True)
    moderator_note = PlainTextField(_("note from the moderators"), max_length=2000, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True)
    needs_attention = models.BooleanField(_("needs a moderator's attention"), default=False)
    created_at = models.DateTimeField(_("shared"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = StoryQuerySet.as_manager()

    TEXT_FIELDS = ("hard_to_ask", "when_i_did", "to_someone_hesitating")

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(
                fields=["-published_at", "-id"],
                condition=Q(status="published"),
                name="story_published",
            ),
        ]

    def __str__(self) -> str:
        return f"Story {self.public_id}"

    def get_absolute_url(self) -> str:
        return reverse("stories:detail", args=[self.public_id])

    @property
    def public_author_name(self) -> str:
        return self.author.display_name if self.show_name else self.alias

    @property
    def public_helper_name(self) -> str:
        """The helper's name, only once they consented through the board."""
        if self.helper is not None and self.helper_naming == self.HelperNaming.CONSENTED:
            return self.helper.display_name
        return ""

    @property
    def teaser(self) -> str:
        text = self.to_someone_hesitating or self.when_i_did or self.hard_to_ask
        return text if len(text) <= 220 else f"{text[:217].rstrip()}…"

    def texts(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.TEXT_FIELDS}


class BeenThere(models.Model):
    """Someone said "I've been there too" on an open request. Only the asker sees
    how many; nobody sees who."""

    help_request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("“been there too”")
        verbose_name_plural = _("“been there too”")
        constraints = [
            models.UniqueConstraint(fields=["help_request", "user"], name="been_there_once")
        ]

    def __str__(self) -> str:
        return f"Been there {self.pk}"


class FiguresSnapshot(models.Model):
    """The public figures, as the periodic task last computed them. Pages read
    the cache, and this row when the cache is empty: never the live tables."""

    figures = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("public figures")
        verbose_name_plural = _("public figures")
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"Figures of {self.computed_at:%Y-%m-%d %H:%M}"
