"""Every kind of notification, declared once.

A kind's declaration says what the kind is called (admin, inbox, API), whether
people choose how they hear about it and, if so, its default and the words of
its setting; which of its texts a variant replaces on the notifications page;
where its email's button goes. The words of its email are in its template,
`templates/notifications/emails/<kind>.txt` (notifications/emails.py).

The model's `kind` field is checked against this registry rather than given
`choices`, so a new kind needs no migration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Delivery(models.TextChoices):
    """How a person hears about a notification by email: the one enum of both their
    preference for a kind (NotificationPreference) and what each outbox row was
    recorded with (Notification.delivery, copied from the preference). "never"
    rows stay in-app only."""

    IMMEDIATE = "immediate", _("Email me right away")
    DIGEST = "digest", _("Once a day, in a digest")
    NEVER = "never", _("Don't email me (I'll see it on the board)")


@dataclass(frozen=True)
class KindSpec:
    key: str
    # What the kind is called (admin, API, and the inbox item's title by default).
    name: Promise | str
    # People choose how they hear about it (their settings, unsubscribe links).
    configurable: bool = True
    default: str = Delivery.IMMEDIATE
    # Opt-in kinds: a person whose choice is "don't email me" isn't told at all,
    # not even on the notifications page ("been there too", the gentle note).
    opt_in: bool = False
    # What the setting means, on the settings page and in the API (the name if empty),
    # and who gets the kind.
    label: Promise | str = ""
    audience: Promise | str = ""
    # The title of the item on the notifications page (the name if empty).
    inbox: Promise | str = ""
    # Where the email's button goes, when not to the notification's own page
    # (a URL name: the email stays discreet, the in-app item opens the request).
    email_url_name: str = ""
    # Some kinds say different things depending on what happened (was the request
    # shown to anyone? were offers waiting?): the service that records the event
    # names a variant. Its email words are in the kind's template (`variant`); here,
    # its inbox title, or "" to keep the kind's.
    variants: Mapping[str, Promise | str] = field(default_factory=dict)
    # Rendered from a template per kind; account emails come pre-rendered.
    has_template: bool = True

    @property
    def template(self) -> str:
        return f"notifications/emails/{self.key}.txt"

    @property
    def setting_label(self) -> str:
        return str(self.label or self.name)

    def inbox_title(self, variant: str = "") -> str:
        return str(self.variants.get(variant) or self.inbox or self.name)


REGISTRY: dict[str, KindSpec] = {}


def declare(key: str, name: Promise | str, **options: Any) -> str:
    """Register a kind; its key, for `Kind.<NAME>`."""
    if key in REGISTRY:
        raise ValueError(f"Notification kind {key!r} is declared twice")
    REGISTRY[key] = KindSpec(key=key, name=name, **options)
    return key


ASKER = _("When you ask")
HELPER = _("When you help")


class Kind:
    """The kinds, as constants (`Kind.OFFER_RECEIVED == "offer_received"`)."""

    OFFER_RECEIVED = declare(
        "offer_received",
        _("Someone offered to help with your request"),
        audience=ASKER,
        label=_("Someone offers to help with your request"),
    )
    MESSAGE_RECEIVED = declare(
        "message_received",
        _("A new message in a conversation"),
        audience=_("When you ask or help"),
        label=_("A new message in one of your conversations"),
    )
    OFFER_ACCEPTED = declare(
        "offer_accepted",
        _("Your offer of help was accepted"),
        audience=HELPER,
        label=_("Your offer of help is accepted"),
    )
    OFFER_DECLINED = declare(
        "offer_declined",
        _("An update on an offer you made"),
        audience=HELPER,
        label=_("An offer you made isn't taken up, or its request closes before an answer"),
        inbox=_("An offer you made wasn't taken up"),
        email_url_name="requests:board",
        variants={
            # The request closed after a quiet period: the asker did nothing.
            "expired": _("A request you offered on closed after a quiet period"),
            # A new helper's first offer, still waiting for a moderator when the
            # request finished: the asker never saw it, so they didn't turn it down.
            "before_review": _("A request you offered on closed before your offer was passed on"),
        },
    )
    OFFER_REOPENED = declare(
        "offer_reopened",
        _("A request you offered on is open again"),
        audience=HELPER,
        label=_("A request you offered on is open again"),
        # A new helper's first offer: it waits for a moderator, not the asker.
        variants={"held": ""},
    )
    OFFER_WITHDRAWN = declare(
        "offer_withdrawn",
        _("A helper withdrew their offer"),
        audience=ASKER,
        label=_("Someone withdraws an offer they made on your request"),
    )
    OFFER_APPROVED = declare(
        "offer_approved", _("Your first offer was passed on"), configurable=False
    )
    OFFER_NOT_APPROVED = declare(
        "offer_not_approved", _("A moderator didn't pass your offer on"), configurable=False
    )
    REQUEST_RESOLVED = declare(
        "request_resolved",
        _("A request you helped with was resolved"),
        audience=HELPER,
        label=_("A request you helped with is marked as resolved"),
        # Only when the asker wrote a thank-you note for this helper.
        variants={"thanked": _("A request you helped with is resolved, with a thank-you note")},
    )
    REQUEST_EXPIRING = declare(
        "request_expiring",
        _("Your request will close soon"),
        audience=ASKER,
        label=_("Your request will close in a few days"),
    )
    REQUEST_EXPIRED = declare(
        "request_expired",
        _("Your request has closed"),
        audience=ASKER,
        label=_("Your request has closed after a quiet period"),
        # Offers were still waiting for the asker's answer when it closed.
        variants={
            "with_offer": _("Your request has closed, with an offer still waiting"),
            "with_offers": _("Your request has closed, with offers still waiting"),
        },
    )
    REQUEST_UNANSWERED = declare(
        "request_unanswered",
        _("An update on your request"),
        audience=ASKER,
        label=_("Nobody has offered on your request yet"),
        inbox=_("Nobody has offered on your request yet"),
        variants={
            # Helpers who follow requests like it were told about it again.
            "shown_again": "",
            # Nobody follows requests like it: say so, and what might help.
            "not_shown": "",
        },
    )
    NEW_REQUEST = declare(
        "new_request",
        _("A new request you could help with"),
        default=Delivery.DIGEST,
        audience=_("Requests you follow"),
        label=_("A new request like the ones you follow"),
    )
    REPORT_OUTCOME = declare(
        "report_outcome",
        _("An update on something you reported"),
        audience=_("When you report something"),
        label=_("A moderator has looked at something you reported"),
    )
    MODERATOR_WARNING = declare(
        "moderator_warning", _("A note from the moderators"), configurable=False
    )
    MODERATOR_LOOKED = declare(
        "moderator_looked", _("A moderator looked at an anonymous request"), configurable=False
    )
    # Stories and gratitude (requests/thanks.py, stories/). Discreet like the rest:
    # no names, no words of the note.
    THANKED = declare(
        "thanked",
        _("Someone thanked you for your help"),
        audience=HELPER,
        label=_("Someone thanks you for your help"),
    )
    STORY_UPDATE = declare(
        "story_update",
        _("An update on a story you shared"),
        audience=_("When you share a story"),
        label=_("A moderator has looked at a story you shared"),
        variants={
            "published": _("Your story is published"),
            "edit_proposed": _("A moderator suggests a change to your story"),
            "declined": _("A note about a story you shared"),
            "helper_answered": _("Your helper answered about your story"),
        },
    )
    STORY_CONSENT = declare(
        "story_consent",
        _("Someone would like to mention you in their story"),
        audience=HELPER,
        label=_("Someone you helped would like to mention you in their story"),
    )
    BEEN_THERE = declare(
        "been_there",
        _("Someone said they've been there too"),
        default=Delivery.NEVER,
        opt_in=True,
        audience=ASKER,
        label=_("Someone says they've been there too (at most once a day)"),
    )
    CAN_ASK_TOO = declare(
        "can_ask_too",
        _("A note for people who help"),
        default=Delivery.DIGEST,
        opt_in=True,
        audience=HELPER,
        label=_("A one-time note that helpers can ask too"),
    )
    DIGEST = declare("digest", _("Daily digest"), configurable=False)
    # allauth's emails (verification, password reset), rendered by allauth.
    ACCOUNT = declare("account", _("Account email"), configurable=False, has_template=False)


CONFIGURABLE_KINDS = [key for key, spec in REGISTRY.items() if spec.configurable]


def spec(kind: str) -> KindSpec:
    return REGISTRY[kind]


def name(kind: str) -> str:
    """What a kind is called (the key itself for a kind no longer declared)."""
    found = REGISTRY.get(kind)
    return str(found.name) if found else kind


def label_for(kind: str) -> str:
    """What a kind's setting means, for the settings page and the API."""
    return REGISTRY[kind].setting_label


def choices() -> list[tuple[str, str]]:
    return [(key, str(found.name)) for key, found in REGISTRY.items()]


def validate_kind(value: str) -> None:
    if value not in REGISTRY:
        raise ValidationError(_("Unknown kind of notification: %(kind)s"), params={"kind": value})
