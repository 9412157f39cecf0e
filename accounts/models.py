from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken

from board.fields import PlainCharField
from board.ids import public_id


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


# knox (no type information) declares ApiToken's user, so django-stubs cannot name
# the reverse manager (auth_token_set).
class User(AbstractBaseUser, PermissionsMixin):  # type: ignore[django-manager-missing]
    """A person on the board. Their email address is private, always:
    other people only ever see `display_name` (or "Anonymous")."""

    email = models.EmailField(_("email address"), unique=True)
    display_name = PlainCharField(
        _("display name"),
        max_length=50,
        help_text=_("The name others see when you post under your name. It can be a nickname."),
    )
    is_staff = models.BooleanField(
        _("moderator / staff"),
        default=False,
        help_text=_("Can sign in to the admin and moderate the board."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Set by a moderator: the person can read but not post, offer or message.
    suspended_at = models.DateTimeField(_("suspended"), null=True, blank=True)
    warnings = models.PositiveSmallIntegerField(_("warnings from moderators"), default=0)
    full_emails = models.BooleanField(
        _("fuller emails"),
        default=False,
        help_text=_(
            "Include the request's title and the message in emails. Off by default, so that "
            "nothing personal shows in an inbox or on a lock screen."
        ),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or str(_("Board member"))

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


class Delivery(models.TextChoices):
    """How a person wants to hear about one kind of notification by email."""

    IMMEDIATE = "immediate", _("Email me right away")
    DIGEST = "digest", _("Once a day, in a digest")
    NEVER = "never", _("Don't email me (I'll see it on the board)")


class NotificationPreference(models.Model):
    """One person's choice for one kind of notification. No row means the
    kind's default (see board.notifications.KINDS)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=32)
    delivery = models.CharField(_("delivery"), max_length=16, choices=Delivery.choices)

    class Meta:
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

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="unsubscribe_tokens")
    kind = models.CharField(_("kind"), max_length=32)
    token = models.CharField(max_length=64, unique=True, default=new_unsubscribe_token)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
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

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="subscription")
    is_active = models.BooleanField(_("tell me about new requests I could help with"), default=True)
    categories = models.ManyToManyField(
        "requests.Category", blank=True, related_name="subscriptions", verbose_name=_("categories")
    )
    response_kinds = models.JSONField(_("kinds of response"), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("helper subscription")
        verbose_name_plural = _("helper subscriptions")

    def __str__(self) -> str:
        return f"Subscription of user {self.user_id}"

    def wants_kind(self, response_kind: str) -> bool:
        return not self.response_kinds or response_kind in self.response_kinds


# --- Personal API tokens (the REST API) ---------------------------------------------------


def _new_token_public_id() -> str:
    # The migrations name this function; the id is the board's usual public id.
    return public_id()


class ApiToken(AbstractAuthToken):
    """A personal API token: named by its owner, shown once, stored only as a
    hash (django-rest-knox's digest), revoked by deleting the row."""

    public_id = models.CharField(
        max_length=16, unique=True, default=_new_token_public_id, editable=False
    )
    name = PlainCharField(_("name"), max_length=60)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.name
