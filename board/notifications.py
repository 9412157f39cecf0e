"""The notification pipeline: outbox rows, enqueue on commit, idempotent delivery.

Services call `notify(...)` inside their transaction. After commit a Celery task
is queued with the row's id; if the broker is unreachable the person's action
still succeeds and the row waits for the sweeper. The task claims the row with
a conditional update, so two workers (or a redelivered task) never both send it.

Every row is also an entry on the recipient's notifications page, whatever
their email preference for its kind: right away, in the daily digest, or never.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import smtplib
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, transaction
from django.db import connection as db_connection
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.timesince import timesince
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Delivery, NotificationPreference, UnsubscribeToken, User
from board import outbox
from board.models import Notification

logger = logging.getLogger(__name__)

# This run of this process (inherited by a prefork pool's children): part of
# every claim, so a worker restarted under the same name knows its earlier
# run's rows (see reclaim_after_restart).
RUN_ID = uuid.uuid4().hex[:12]

MAX_ATTEMPTS = 6
BASE_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 30 * 60  # well under the broker's visibility timeout (one hour)
SWEEP_BATCH = 500
UNSUBSCRIBE_SALT = "board.unsubscribe"
EXCERPT_LENGTH = 300

Kind = Notification.Kind


@dataclass(frozen=True)
class KindSpec:
    """What an email of one kind says. Subjects and the opening lines are
    discreet: no request text, no names, nothing an inbox preview could betray.

    Some kinds say different things depending on what happened (was the request
    shown to anyone? were offers waiting?): the service that records the event
    names a `variant`, whose texts replace the kind's own."""

    subject: Promise
    lead: Promise
    action: Promise
    more: Promise | str = ""
    default: str = Delivery.IMMEDIATE
    configurable: bool = True
    # Shown on the settings page to say who gets this kind.
    audience: Promise | str = ""
    # What the setting means, in the words of the settings page and the API.
    label: Promise | str = ""
    # The title of the item on the notifications page (the kind's name if empty).
    inbox: Promise | str = ""
    # Where the email's button goes, when not to the notification's own page
    # (a URL name: the email stays discreet, the in-app item opens the request).
    email_url_name: str = ""
    # Opt-in kinds: a person whose choice is "don't email me" isn't told at all,
    # not even on the notifications page ("been there too", the gentle note).
    opt_in: bool = False
    variants: Mapping[str, Mapping[str, Promise | str]] = field(default_factory=dict)

    def variant(self, name: str) -> KindSpec:
        """The texts of one variant (the kind's own texts for an unknown one)."""
        if name in self.variants:
            return replace(self, **self.variants[name])
        return self


KINDS: dict[str, KindSpec] = {
    Kind.OFFER_RECEIVED: KindSpec(
        subject=_("Someone offered to help — open the board to read it"),
        lead=_(
            "Someone has offered to help with a request you posted. Their message is waiting "
            "for you on the board."
        ),
        more=_(
            "You can accept the offer and talk privately, or say “not this time” with one "
            "click. There's no rush."
        ),
        action=_("Read the offer"),
        audience=_("When you ask"),
        label=_("Someone offers to help with your request"),
    ),
    Kind.MESSAGE_RECEIVED: KindSpec(
        subject=_("You have a new message on the board"),
        lead=_("Someone you are talking with on the board has sent you a message."),
        action=_("Read the message"),
        audience=_("When you ask or help"),
        label=_("A new message in one of your conversations"),
    ),
    Kind.OFFER_ACCEPTED: KindSpec(
        subject=_("Your offer of help was accepted — open the board to continue"),
        lead=_(
            "Good news: the person you offered to help has accepted your offer. You can now "
            "talk privately on the board."
        ),
        more=_("Thank you for being there for someone."),
        action=_("Open the conversation"),
        audience=_("When you help"),
        label=_("Your offer of help is accepted"),
    ),
    Kind.OFFER_DECLINED: KindSpec(
        subject=_("An update on an offer you made"),
        lead=_(
            "Thank you for offering to help. The person who asked isn't taking up this offer. "
            "Perhaps they have found help already; no reason is needed or given."
        ),
        more=_("Your kindness still matters, and someone else may be hoping for it today."),
        action=_("See who else is asking"),
        audience=_("When you help"),
        label=_("An offer you made isn't taken up, or its request closes before an answer"),
        inbox=_("An offer you made wasn't taken up"),
        email_url_name="requests:board",
        variants={
            # The request closed after a quiet period: the asker did nothing.
            "expired": {
                "lead": _(
                    "Thank you for offering to help. The request you offered on has closed "
                    "after a quiet period, before the person who asked had answered. They "
                    "didn't turn your offer down: if they reopen the request, your offer will "
                    "be waiting for them again, and we'll let you know."
                ),
                "inbox": _("A request you offered on closed after a quiet period"),
            },
            # A new helper's first offer, still waiting for a moderator when the
            # request finished: the asker never saw it, so they didn't turn it down.
            "before_review": {
                "lead": _(
                    "Thank you for offering to help. The request you offered on has "
                    "closed before a moderator had passed your offer on, so the person "
                    "who asked never saw it. It says nothing about your offer."
                ),
                "inbox": _("A request you offered on closed before your offer was passed on"),
            },
        },
    ),
    Kind.OFFER_REOPENED: KindSpec(
        subject=_("A request you offered on is open again"),
        lead=_(
            "A request you offered to help with had closed after a quiet period. The person "
            "who asked has now reopened it, and your offer is waiting for their answer again."
        ),
        more=_("If you can no longer help, that's okay: you can withdraw your offer on the board."),
        action=_("See your offer"),
        audience=_("When you help"),
        label=_("A request you offered on is open again"),
        variants={
            # A new helper's first offer: it waits for a moderator, not the asker.
            "held": {
                "lead": _(
                    "A request you offered to help with had closed after a quiet period. "
                    "The person who asked has now reopened it, and your offer is waiting "
                    "again for a moderator to look at it before it is passed on."
                ),
            },
        },
    ),
    Kind.OFFER_WITHDRAWN: KindSpec(
        subject=_("An update on your request"),
        lead=_(
            "Someone who offered to help with a request you posted has withdrawn their offer. "
            "People's circumstances change; it says nothing about you."
        ),
        more=_("Your request is still on the board, and others can still offer to help."),
        action=_("View your request"),
        audience=_("When you ask"),
        label=_("Someone withdraws an offer they made on your request"),
    ),
    Kind.OFFER_APPROVED: KindSpec(
        subject=_("Your offer of help has been passed on"),
        lead=_(
            "A moderator looks at a new helper's first offers before they are passed on. "
            "They have looked at yours: the person who asked has now been told about it."
        ),
        more=_("Thank you for offering. We'll let you know when they answer."),
        action=_("See your offer"),
        configurable=False,
    ),
    Kind.OFFER_NOT_APPROVED: KindSpec(
        subject=_("An update on an offer you made"),
        lead=_(
            "A moderator looks at a new helper's first offers before they are passed on. "
            "They didn't pass this one on, so the person who asked hasn't seen it."
        ),
        more=_("Thank you for wanting to help. There is a little more on the board."),
        action=_("See your offer"),
        configurable=False,
    ),
    Kind.REQUEST_RESOLVED: KindSpec(
        subject=_("A request you helped with is marked as resolved"),
        lead=_(
            "The person you offered to help has marked their request as resolved. The "
            "conversation stays on the board if you'd like to read it again."
        ),
        more=_("Thank you for giving your time."),
        action=_("Open the conversation"),
        audience=_("When you help"),
        label=_("A request you helped with is marked as resolved"),
        variants={
            # Only when the asker wrote a thank-you note for this helper.
            "thanked": {
                "subject": _("A request you helped with is resolved — there's a note for you"),
                "lead": _(
                    "The person you helped has marked their request as resolved, and wrote "
                    "you a thank-you note. You can read it on the board."
                ),
                "inbox": _("A request you helped with is resolved, with a thank-you note"),
            },
        },
    ),
    Kind.REQUEST_EXPIRING: KindSpec(
        subject=_("Your request will close in a few days"),
        lead=_(
            "A request you posted has been open for a while and will close in a few days. "
            "If you still need support, open the link below and tell us it's still needed: "
            "it then stays open for another full period."
        ),
        more=_("If things have moved on, you don't need to do anything."),
        action=_("Keep my request open"),
        audience=_("When you ask"),
        label=_("Your request will close in a few days"),
    ),
    Kind.REQUEST_EXPIRED: KindSpec(
        subject=_("Your request has closed"),
        lead=_(
            "A request you posted has closed after a quiet period. If you still need support, "
            "you can reopen it from the link below. Asking again is always okay."
        ),
        action=_("Reopen my request"),
        audience=_("When you ask"),
        label=_("Your request has closed after a quiet period"),
        variants={
            # Offers were still waiting for the asker's answer when it closed.
            "with_offer": {
                "lead": _(
                    "A request you posted has closed after a quiet period. Someone had offered "
                    "to help, and their offer was still waiting for your answer. If you still "
                    "need support, you can reopen it from the link below: the offer will be "
                    "waiting for you again. Asking again is always okay."
                ),
                "inbox": _("Your request has closed, with an offer still waiting"),
            },
            "with_offers": {
                "lead": _(
                    "A request you posted has closed after a quiet period. Several people had "
                    "offered to help, and their offers were still waiting for your answer. If "
                    "you still need support, you can reopen it from the link below: those "
                    "offers will be waiting for you again. Asking again is always okay."
                ),
                "inbox": _("Your request has closed, with offers still waiting"),
            },
        },
    ),
    Kind.REQUEST_UNANSWERED: KindSpec(
        subject=_("An update on your request"),
        lead=_(
            "Nobody has offered on your request yet. That says nothing about you: the right "
            "person may simply not have seen it yet."
        ),
        more=_(
            "If you like, you could add a clearer first line about the support you'd like, or "
            "choose another category. If things feel hard right now, urgent help is always "
            "linked at the top of every page."
        ),
        action=_("View your request"),
        audience=_("When you ask"),
        label=_("Nobody has offered on your request yet"),
        inbox=_("Nobody has offered on your request yet"),
        variants={
            # Helpers who follow requests like it were told about it again.
            "shown_again": {
                "lead": _(
                    "Nobody has offered on your request yet. That says nothing about you: the "
                    "right person may simply not have seen it. We have shown it again to "
                    "people who asked to hear about requests like yours."
                ),
            },
            # Nobody follows requests like it: say so, and what might help.
            "not_shown": {
                "lead": _(
                    "Nobody has offered on your request yet. That says nothing about you: the "
                    "right person may simply not have seen it. It is still on the board for "
                    "everyone who looks, though right now nobody has asked to hear about new "
                    "requests like yours."
                ),
                "more": _(
                    "It might help to choose another category, or to add a clearer first line "
                    "about the support you'd like. If things feel hard right now, urgent help "
                    "is always linked at the top of every page."
                ),
            },
        },
    ),
    Kind.NEW_REQUEST: KindSpec(
        subject=_("Someone is asking for support you could offer"),
        lead=_("A request matches the kinds of help you said you would like to offer."),
        action=_("Read the request"),
        default=Delivery.DIGEST,
        audience=_("Requests you follow"),
        label=_("A new request like the ones you follow"),
    ),
    Kind.REPORT_OUTCOME: KindSpec(
        subject=_("Thank you for your report — an update from the moderators"),
        lead=_(
            "Thank you for telling us about something that worried you. A moderator has "
            "looked at it; you can read what happened on the board."
        ),
        action=_("Read the update"),
        audience=_("When you report something"),
        label=_("A moderator has looked at something you reported"),
    ),
    Kind.MODERATOR_WARNING: KindSpec(
        subject=_("A note from the board's moderators"),
        lead=_(
            "A moderator has written to you about something you posted. Please read it on "
            "the board; it helps keep this a safe place for everyone."
        ),
        action=_("Read the note"),
        configurable=False,
    ),
    Kind.MODERATOR_LOOKED: KindSpec(
        subject=_("A moderator looked at one of your anonymous requests"),
        lead=_(
            "To keep people safe, a moderator looked at who wrote one of your anonymous "
            "requests. This is rare, always recorded with a reason, and we tell you every "
            "time. Nobody else can see it."
        ),
        action=_("See which request"),
        configurable=False,
    ),
    # Stories and gratitude. Discreet like the rest: no names, no words of the note.
    Kind.THANKED: KindSpec(
        subject=_("Someone thanked you for your help"),
        lead=_("Someone you helped on the board wrote you a thank-you note."),
        action=_("Read it on the board"),
        audience=_("When you help"),
        label=_("Someone thanks you for your help"),
    ),
    Kind.STORY_UPDATE: KindSpec(
        subject=_("An update on a story you shared"),
        lead=_(
            "A moderator has looked at a story you shared. You can see what happened on the board."
        ),
        action=_("See your story"),
        audience=_("When you share a story"),
        label=_("A moderator has looked at a story you shared"),
        variants={
            "published": {"inbox": _("Your story is published")},
            "edit_proposed": {
                "lead": _(
                    "A moderator suggests a small change to a story you shared, to keep "
                    "everyone's privacy safe. It is published only if you agree."
                ),
                "inbox": _("A moderator suggests a change to your story"),
            },
            "declined": {"inbox": _("A note about a story you shared")},
            "helper_answered": {
                "lead": _("The person who helped you has answered your question about your story."),
                "inbox": _("Your helper answered about your story"),
            },
        },
    ),
    Kind.STORY_CONSENT: KindSpec(
        subject=_("A question for you on the board"),
        lead=_(
            "Someone you helped is sharing a story of asking for help, and would like to "
            "mention you by your display name. Only you can say yes; nothing is shown unless "
            "you do."
        ),
        action=_("Read and answer"),
        audience=_("When you help"),
        label=_("Someone you helped would like to mention you in their story"),
    ),
    Kind.BEEN_THERE: KindSpec(
        subject=_("Someone said they've been there too"),
        lead=_(
            "Someone who read your request said they've been there too. You're not alone in this."
        ),
        action=_("See your request"),
        default=Delivery.NEVER,
        opt_in=True,
        audience=_("When you ask"),
        label=_("Someone says they've been there too (at most once a day)"),
    ),
    Kind.CAN_ASK_TOO: KindSpec(
        subject=_("A note for people who help"),
        lead=_(
            "Thank you for helping people on the board, several times now. The same courage is "
            "welcome in the other direction: if something weighs on you, you can ask too, "
            "anonymously if you like."
        ),
        action=_("Ask for help"),
        default=Delivery.DIGEST,
        opt_in=True,
        audience=_("When you help"),
        label=_("A one-time note that helpers can ask too"),
    ),
    Kind.DIGEST: KindSpec(
        subject=_("Your daily update from the board"),
        lead=_("Here is what happened on the board for you since your last daily update."),
        action=_("Open your notifications"),
        configurable=False,
    ),
}


def spec_for(notification: Notification) -> KindSpec:
    """What this notification says: its kind's texts, or its variant's."""
    return KINDS[notification.kind].variant(notification.payload.get("variant", ""))


def label_for(kind: str) -> str:
    """What a kind's setting means, for the settings page and the API."""
    spec = KINDS[kind]
    return str(spec.label or Notification.Kind(kind).label)


CONFIGURABLE_KINDS = [kind for kind, spec in KINDS.items() if spec.configurable]


# --- Preferences --------------------------------------------------------------------


def preferences_for(user: User) -> dict[str, str]:
    """Every configurable kind with the person's chosen delivery (or the default)."""
    chosen = dict(user.notification_preferences.values_list("kind", "delivery"))
    return {kind: chosen.get(kind, KINDS[kind].default) for kind in CONFIGURABLE_KINDS}


def set_preferences(*, user: User, choices: dict[str, str]) -> None:
    for kind, delivery in choices.items():
        if kind not in CONFIGURABLE_KINDS or delivery not in Delivery.values:
            raise ValueError(f"Unknown kind or delivery: {kind}={delivery}")
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"delivery": delivery}
        )


def _row_delivery(delivery: str) -> str:
    return {
        Delivery.IMMEDIATE: Notification.Delivery.IMMEDIATE,
        Delivery.DIGEST: Notification.Delivery.DIGEST,
        Delivery.NEVER: Notification.Delivery.NONE,
    }[delivery]


def _deliveries(kind: str, recipients: list[User]) -> dict[int, str]:
    spec = KINDS[kind]
    if not spec.configurable:
        return {user.pk: Delivery.IMMEDIATE for user in recipients}
    chosen = dict(
        NotificationPreference.objects.filter(
            kind=kind, user__in=[user.pk for user in recipients]
        ).values_list("user_id", "delivery")
    )
    return {user.pk: chosen.get(user.pk, spec.default) for user in recipients}


# --- Recording ------------------------------------------------------------------------


def _new_row(
    kind, recipient, key, url, help_request, excerpt, delivery, variant="", withheld=False
) -> Notification:
    row_delivery = _row_delivery(delivery)
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
        delivery=row_delivery,
        withheld=withheld,
        # Never-by-email rows are done as far as email goes; they stay in-app.
        state=Notification.State.SKIPPED
        if row_delivery == Notification.Delivery.NONE
        else Notification.State.QUEUED,
    )


def notify(
    *,
    kind: str,
    recipient: User,
    key: str,
    url: str = "",
    help_request=None,
    excerpt: str = "",
    variant: str = "",
    withheld: bool = False,
) -> Notification | None:
    """Record that `recipient` must be told about something; email after commit.

    `key` makes the notification idempotent: recording the same event twice
    creates one row and one email. `excerpt` (the text of an offer or message)
    is shown only to people who chose fuller emails. `variant` names which of
    the kind's texts fits what happened (KindSpec.variants). A `withheld` row is
    recorded and queued the same way, but never shown nor sent (Notification.withheld).
    """
    if not recipient.is_active:
        return None
    if variant and variant not in KINDS[kind].variants:
        raise ValueError(f"Unknown variant {variant!r} of {kind}")
    delivery = _deliveries(kind, [recipient])[recipient.pk]
    if KINDS[kind].opt_in and delivery == Delivery.NEVER:
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
    *, kind: str, recipients: Iterable[User], key_prefix: str, url: str, help_request=None
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
        kind=Notification.Kind.ACCOUNT,
        recipient=recipient,
        to_email=to,
        payload={"subject": subject, "text": text, "html": html},
    )
    enqueue_on_commit(notification.pk)
    return notification


def enqueue_on_commit(notification_id: int) -> None:
    """Queue the delivery task once the current transaction commits."""

    # A named function rather than functools.partial: Django logs a failing
    # robust callback by its __qualname__, which a partial lacks.
    def callback() -> None:
        enqueue(notification_id)

    transaction.on_commit(callback, robust=True)


def enqueue(notification_id: int) -> None:
    """Hand a row to the worker. Never raises: an unreachable broker only
    delays the email (the sweeper re-enqueues it), it never fails the action."""
    from board.tasks import deliver_notification

    try:
        deliver_notification.delay(notification_id)
    except Exception:
        logger.warning("Could not queue notification %s; the sweeper will retry.", notification_id)


# --- Delivery --------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    state: str
    retry_in: int | None = None


def claimer_id(node: str) -> str:
    """Who claims a row: the Celery node ("worker@host"), this run of it and
    the process, so a restarted node knows the rows its earlier run held."""
    return f"{node or socket.gethostname()} {RUN_ID} {os.getpid()}"


def deliver(notification_id: int, *, claimer: str = "") -> Outcome:
    """Claim the row, send it, record the outcome. A row waiting for its next
    try is left alone until then: a second copy of its task (the sweeper's, a
    redelivery) must not cut the backoff short and use up the tries in seconds.
    A first try is never early.

    The claim is a lease, renewed while this worker holds the row, so the
    sweeper can tell a slow send from a dead worker; once SMTP has accepted the
    message, recording "sent" is retried until the database answers."""
    claimer = claimer or claimer_id("")
    now = timezone.now()
    claimed = Notification.objects.filter(
        Q(attempts=0) | Q(next_attempt_at__lte=now),
        pk=notification_id,
        state=Notification.State.QUEUED,
        delivery=Notification.Delivery.IMMEDIATE,
    ).update(
        state=Notification.State.SENDING,
        attempts=F("attempts") + 1,
        claimed_at=now,
        claimed_by=claimer,
        lease_until=now + timedelta(seconds=settings.BOARD_LEASE_SECONDS),
        suspected_at=None,
    )
    if not claimed:
        # Already sent, being sent by another worker, failed, skipped, digested
        # or waiting for its next try.
        return Outcome(state="not-claimed")
    with _lease_renewed(notification_id, claimer):
        notification = Notification.objects.select_related("recipient", "help_request").get(
            pk=notification_id
        )
        if notification.recipient_id and not notification.recipient.is_active:
            if not _still_claimed(notification.pk, claimer).update(
                state=Notification.State.SKIPPED, lease_until=None
            ):
                return _claim_lost(notification.pk, "skipped")
            return Outcome(state=Notification.State.SKIPPED)
        try:
            message = build_message(notification)
            if notification.withheld:
                # Built like any email, so that it costs the same, but never sent.
                Notification.objects.filter(pk=notification.pk).update(
                    state=Notification.State.SKIPPED, lease_until=None
                )
                return Outcome(state=Notification.State.SKIPPED)
            message.send()
        except Exception as exc:
            # SMTP and network errors are the usual ones; anything else (a template
            # error, the soft time limit) is retried the same way and ends failed,
            # visible to staff, rather than leaving the row stuck in "sending".
            return _record_failure(notification, claimer, exc)
        # SMTP has accepted it: from here on, sending again would duplicate it.
        _record_sent(notification, claimer)
    return Outcome(state=Notification.State.SENT)


def _still_claimed(notification_id: int, claimer: str):
    """The row, only while `claimer` still holds it. Every write after a claim
    goes through this: if the sweeper took the row from us (a lapsed lease)
    and another worker has claimed or sent it since, our late outcome must not
    overwrite theirs (a failure would queue a sent email again)."""
    return Notification.objects.filter(
        pk=notification_id, state=Notification.State.SENDING, claimed_by=claimer
    )


def _claim_lost(notification_id: int, outcome: str) -> Outcome:
    logger.warning(
        "Notification %s was taken over by another worker; this worker's outcome (%s) "
        "is not recorded.",
        notification_id,
        outcome,
    )
    return Outcome(state="not-claimed")


@contextmanager
def _lease_renewed(notification_id: int, claimer: str) -> Iterator[None]:
    """Renew the row's lease from a thread while the block runs (a slow SMTP
    server, a database that is briefly away), so the sweeper never takes a
    row whose worker is alive. The thread touches the database only after a
    quarter of the lease, by its own connection, which it closes."""
    lease = timedelta(seconds=settings.BOARD_LEASE_SECONDS)
    stop = threading.Event()

    def renew() -> None:
        try:
            while not stop.wait(lease.total_seconds() / 4):
                try:
                    Notification.objects.filter(
                        pk=notification_id, state=Notification.State.SENDING, claimed_by=claimer
                    ).update(lease_until=timezone.now() + lease, suspected_at=None)
                except DatabaseError as exc:
                    logger.warning(
                        "Could not renew the lease of notification %s: %s", notification_id, exc
                    )
                    _drop_broken_connection()
        finally:
            db_connection.close()

    thread = threading.Thread(target=renew, name=f"lease-{notification_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()


def _drop_broken_connection() -> None:
    """After a database error, close this thread's connection if it is broken
    (a restarted PostgreSQL), so the next query opens a fresh one. Never inside
    a transaction, which must end first."""
    if db_connection.in_atomic_block:
        return
    with suppress(DatabaseError):
        db_connection.close_if_unusable_or_obsolete()


def _record_sent(notification: Notification, claimer: str) -> None:
    """Mark the row sent, retrying with backoff while the database is away,
    for up to BOARD_RECORD_SENT_SECONDS: well inside the time the sweeper
    needs to take a row from a worker (its lease, renewed meanwhile, plus a
    confirmation), so a database blip never sends an email twice. Past that
    the row is left "sending" and may be sent again, with the same Message-ID
    (the documented window, together with a worker killed right here)."""
    deadline = time.monotonic() + settings.BOARD_RECORD_SENT_SECONDS
    pause = 0.2
    while True:
        # Account emails can hold one-time keys: keep them no longer than needed.
        account = notification.kind == Notification.Kind.ACCOUNT
        try:
            recorded = Notification.objects.filter(
                pk=notification.pk, state=Notification.State.SENDING, claimed_by=claimer
            ).update(
                state=Notification.State.SENT,
                sent_at=timezone.now(),
                last_error="",
                lease_until=None,
                suspected_at=None,
                payload={} if account else notification.payload,
            )
        except DatabaseError as exc:
            _drop_broken_connection()
            if time.monotonic() + pause > deadline:
                logger.error(
                    "Notification %s was accepted by SMTP but could not be recorded as sent "
                    "for %ss (%s); it may be sent again, with the same Message-ID.",
                    notification.pk,
                    settings.BOARD_RECORD_SENT_SECONDS,
                    exc,
                )
                raise
            logger.warning(
                "Notification %s was sent; recording it failed (%s), trying again in %.1fs.",
                notification.pk,
                exc,
                pause,
            )
            time.sleep(pause)
            pause = min(pause * 2, 5.0)
            continue
        if not recorded:
            logger.warning(
                "Notification %s was sent after another worker took it over.", notification.pk
            )
        return


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def retry_delay(attempts: int) -> int:
    """Exponential backoff with jitter, capped below the broker's visibility timeout."""
    base = settings.BOARD_RETRY_BASE_SECONDS
    ceiling = min(MAX_DELAY_SECONDS, base * 2 ** max(attempts - 1, 0))
    return max(1, int(random.uniform(ceiling / 2, ceiling)))  # noqa: S311


def _record_failure(notification: Notification, claimer: str, exc: Exception) -> Outcome:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    mine = _still_claimed(notification.pk, claimer)
    if _is_permanent(exc) or notification.attempts >= MAX_ATTEMPTS:
        if not mine.update(state=Notification.State.FAILED, last_error=error, lease_until=None):
            return _claim_lost(notification.pk, f"failed: {error}")
        logger.error("Notification %s failed for good: %s", notification.pk, error)
        return Outcome(state=Notification.State.FAILED)
    delay = retry_delay(notification.attempts)
    if not mine.update(
        state=Notification.State.QUEUED,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        last_error=error,
        lease_until=None,
    ):
        return _claim_lost(notification.pk, f"to retry: {error}")
    logger.warning("Notification %s will be retried in %ss: %s", notification.pk, delay, error)
    return Outcome(state=Notification.State.QUEUED, retry_in=delay)


def sweep() -> int:
    """Re-enqueue rows that are due (lost task, broker outage), and rows whose
    claimer is gone (a worker killed mid-send: the email may go out twice,
    never zero times).

    A lapsed lease alone does not prove its worker gone: after a database
    outage no worker could renew, and a live one renews within a quarter of
    the lease once the database is back. So a lapsed row is first marked
    (`suspected_at`), and taken only if, 40% of a lease later (more than one
    renewal), it still has not been renewed: its claimer failed to renew while
    the database answered. So `now` is read once the database has answered
    (a sweep may have waited on a reconnect through the whole outage)."""
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    now = timezone.now()
    lapsed = Notification.objects.lease_lapsed(now)
    confirm = timedelta(seconds=settings.BOARD_LEASE_SECONDS * 0.4)
    _rescue(lapsed.filter(suspected_at__lte=now - confirm), now)
    lapsed.filter(suspected_at__isnull=True).update(suspected_at=now)
    # A grace period, so rows whose task is simply waiting in the queue are
    # not queued a second time (harmless, since delivery claims once, but wasteful).
    grace = timedelta(seconds=settings.BOARD_SWEEP_GRACE_SECONDS)
    ids = list(
        Notification.objects.due(now - grace)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    # Not again until another grace period has passed: after an outage the
    # backlog is queued once, not on every sweep while it drains. The UPDATE
    # checks again that each row is still due: a worker may have tried it
    # since it was selected and set a retry delay that must not be cut short.
    if ids and Notification.objects.due(now - grace).filter(pk__in=ids).update(
        next_attempt_at=now
    ) < len(ids):
        ids = list(
            Notification.objects.filter(
                pk__in=ids, state=Notification.State.QUEUED, next_attempt_at=now
            ).values_list("pk", flat=True)
        )
    for pk in ids:
        enqueue(pk)
    # Said loudly in the worker's log when the outbox is falling behind.
    outbox.health(now=now)
    return len(ids)


def reclaim_after_restart(*, node: str) -> int:
    """At a worker's start: rows an earlier run of this same Celery node left in
    "sending" are queued again now, without waiting for their lease. That run
    is gone (Celery node names are unique; a supervisor restarts a worker under
    the same name), so a killed worker's emails go out as soon as it is back."""
    now = timezone.now()
    earlier = Notification.objects.filter(
        state=Notification.State.SENDING, claimed_by__startswith=f"{node} "
    ).exclude(claimed_by__startswith=f"{node} {RUN_ID} ")
    ids = list(earlier.values_list("pk", flat=True))
    if not ids:
        return 0
    # The conditions are checked again in each UPDATE: a row the sweeper took
    # meanwhile and another worker claimed is that worker's, not ours to take.
    _rescue(earlier.filter(pk__in=ids), now)
    grace = timedelta(seconds=settings.BOARD_SWEEP_GRACE_SECONDS)
    rescued = Notification.objects.filter(
        pk__in=ids, state=Notification.State.QUEUED, claimed_by="", next_attempt_at=now - grace
    )
    queued = list(rescued.values_list("pk", flat=True))
    rescued.filter(pk__in=queued).update(next_attempt_at=now)
    logger.warning(
        "Worker %s restarted: %d notification(s) its earlier run was sending are queued again.",
        node,
        len(queued),
    )
    for pk in queued:
        enqueue(pk)
    return len(queued)


def _rescue(claimed, now) -> int:
    """Put rows taken from a gone claimer back in the queue, due at once."""
    released = {"claimed_by": "", "lease_until": None, "suspected_at": None}
    # A row that used its last try and still never finished (a send that kills
    # its worker every time) is failed, where staff see it, not retried forever.
    claimed.filter(attempts__gte=MAX_ATTEMPTS).update(
        state=Notification.State.FAILED,
        last_error="The worker never finished sending, even on the last try.",
        **released,
    )
    grace = timedelta(seconds=settings.BOARD_SWEEP_GRACE_SECONDS)
    return claimed.filter(state=Notification.State.SENDING).update(
        state=Notification.State.QUEUED, next_attempt_at=now - grace, **released
    )


def requeue(queryset) -> int:
    """Give failed rows a fresh set of tries (the admin's "send again")."""
    ids = list(queryset.values_list("pk", flat=True))
    Notification.objects.filter(pk__in=ids).update(
        state=Notification.State.QUEUED,
        delivery=Notification.Delivery.IMMEDIATE,
        attempts=0,
        next_attempt_at=timezone.now(),
    )
    for pk in ids:
        enqueue_on_commit(pk)
    return len(ids)


# --- Digests ---------------------------------------------------------------------------


def build_digests(now=None) -> int:
    """Gather each person's digest rows into one digest email (a row of its own,
    delivered like any other). Rows join exactly one digest."""
    now = now or timezone.now()
    recipients = set(
        Notification.objects.waiting_for_digest()
        .filter(created_at__lte=now)
        .values_list("recipient_id", flat=True)
    )
    made = 0
    for recipient_id in recipients:
        with transaction.atomic():
            items = list(
                Notification.objects.waiting_for_digest()
                .filter(recipient_id=recipient_id, created_at__lte=now)
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)
            )
            if not items:
                continue
            digest, created = Notification.objects.get_or_create(
                key=f"digest:{recipient_id}:{now:%Y-%m-%d}",
                defaults={
                    "kind": Notification.Kind.DIGEST,
                    "recipient_id": recipient_id,
                    "url": reverse("notifications"),
                },
            )
            if not created:
                # Today's digest is out already; these wait for tomorrow's.
                continue
            Notification.objects.filter(pk__in=items).update(
                digest=digest, state=Notification.State.SKIPPED
            )
            enqueue_on_commit(digest.pk)
            made += 1
    return made


# --- Unsubscribe -----------------------------------------------------------------------


def unsubscribe_token(user: User, kind: str) -> str:
    """The opaque value in one person's "stop emails like this" links for one kind.

    A random value kept in the database, not a signed one: it decodes to nothing
    (no id, no kind, no date) and works for as long as the person's account does,
    so a months-old email's one-click unsubscribe still works."""
    return UnsubscribeToken.objects.get_or_create(user=user, kind=kind)[0].token


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


# --- Rendering -------------------------------------------------------------------------


def message_id(notification: Notification) -> str:
    digest = hashlib.sha256(notification.key.encode()).hexdigest()[:40]
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "localhost"
    return f"<{digest}@{domain}>"


def _absolute(path: str) -> str:
    return path if path.startswith("http") else f"{settings.SITE_URL}{path}"


def digest_line(item: Notification, *, now, full: bool) -> str:
    """One line of a digest. New requests are told apart by category, kind of
    response and age (and their title, for people who chose fuller emails);
    other items by what happened and when."""
    # Plain spaces: "5 hours", not timesince's no-break space, in a plain-text line.
    age = timesince(item.created_at, now, depth=1).replace("\xa0", " ")
    help_request = item.help_request
    if item.kind == Kind.NEW_REQUEST and help_request is not None:
        line = gettext("A request for “%(kind)s” in %(category)s, posted %(age)s ago") % {
            "kind": help_request.get_response_kind_display(),
            "category": help_request.category.name,
            "age": timesince(help_request.created_at, now, depth=1).replace("\xa0", " "),
        }
        if full:
            line = f"{line}: {help_request.title}"
        return line
    what = spec_for(item).inbox or item.get_kind_display()
    line = gettext("%(what)s, %(age)s ago") % {"what": what, "age": age}
    if full and help_request is not None:
        line = f"{line}: {help_request.title}"
    return line


def email_context(notification: Notification) -> dict:
    recipient = notification.recipient
    full = recipient.full_emails
    spec = spec_for(notification)
    items = []
    if notification.kind == Kind.DIGEST:
        items = [
            {
                "text": digest_line(item, now=notification.created_at, full=full),
                "url": _absolute(item.url),
            }
            for item in notification.items.select_related("help_request__category").order_by(
                "created_at", "pk"
            )
        ]
    url = reverse(spec.email_url_name) if spec.email_url_name else notification.url
    return {
        "recipient": recipient,
        "spec": spec,
        "url": _absolute(url),
        "site_url": settings.SITE_URL,
        "settings_url": _absolute(reverse("accounts:notifications")),
        "unsubscribe_url": _absolute(
            reverse("unsubscribe", args=[unsubscribe_token(recipient, notification.kind)])
        ),
        # Fuller emails, only for people who chose them: the request's title and
        # the words of the offer or message. Never an author's name.
        "title": notification.help_request.title if full and notification.help_request else "",
        "excerpt": notification.payload.get("excerpt", "") if full else "",
        "items": items,
        # Fuller emails (digest lines carry titles too): no "never contains" promise.
        "full": full,
    }


def build_message(notification: Notification) -> EmailMultiAlternatives:
    headers = {"Message-ID": message_id(notification)}
    if notification.kind == Notification.Kind.ACCOUNT:
        subject = notification.payload["subject"]
        text = notification.payload["text"]
        html = notification.payload.get("html", "")
        to = notification.to_email
    else:
        context = email_context(notification)
        subject = str(context["spec"].subject)
        if context["title"]:
            subject = f"{subject}: {context['title']}"
        text = render_to_string("email/notification.txt", context)
        html = render_to_string("email/notification.html", context)
        to = notification.recipient.email
        # RFC 8058 one-click unsubscribe: mail clients POST to this address.
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers,
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message
