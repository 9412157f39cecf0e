from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken

from board.fields import PlainCharField, opaque_id

DISPLAY_NAME_MAX = 50


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
        max_length=DISPLAY_NAME_MAX,
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


# --- Personal API tokens (the REST API) ---------------------------------------------------


def _new_token_public_id() -> str:
    return opaque_id()


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
