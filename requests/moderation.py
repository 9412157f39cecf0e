"""Reports, the moderators' actions, and the board's safety rules.

Everyone can report a request, an offer or a message they can see; moderators
(staff with the moderator permission) hide or show content, dismiss reports,
warn or suspend people, and approve or reject offers held for review. Every
action writes a `ModerationAction` row, and whoever reported the content gets a
kind, generic note of the outcome that never names the other person.

Names, always through `name_in_context`: the author of an anonymous request is
shown by the request's alias, here as everywhere. Moderators learn who wrote
an anonymous request only through the audited break-glass action.

The checks at the bottom (`check_can_post`, `check_can_offer`,
`check_can_message`, `should_hold_offer`) are what requests.services asks
before someone posts, offers or writes. A block answers them without linking
anything: see "Blocks that link nothing" for when it says no and when an offer
or message becomes a silent shadow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Block, User
from board.converters import as_key
from notifications.models import Notification
from notifications.services import notify
from requests.models import HelpRequest, Message, ModerationAction, Offer, Report
from requests.services import ServiceError

Kind = ModerationAction.Kind

# What the reporter is told: kind, generic, and never about the other person.
OUTCOMES = {
    Kind.HIDE: _(
        "A moderator looked at what you reported and has removed it from the board. "
        "Thank you for helping keep this a safe place."
    ),
    Kind.WARN: _(
        "A moderator looked at what you reported and has reminded the person of the board's "
        "guidelines. Thank you for helping keep this a safe place."
    ),
    Kind.SUSPEND: _(
        "A moderator looked at what you reported and has taken action. Thank you for helping "
        "keep this a safe place."
    ),
    Kind.DISMISS: _(
        "A moderator looked at what you reported and didn't find that it goes against the "
        "board's guidelines this time. Thank you for telling us: please report anything that "
        "worries you, always."
    ),
}


# --- Who may moderate, and what people are called --------------------------------------


def can_moderate(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and (user.is_superuser or user.has_perm("requests.change_helprequest"))
    )


def name_in_context(user: User | None, help_request: HelpRequest | None) -> str:
    """What others see `user` called where `help_request` is concerned: the asker of an
    anonymous request by its alias, everyone else by their display name."""
    if user is None:
        return _("Former member")
    if help_request is not None and help_request.is_anonymous and user.pk == help_request.author_id:
        return help_request.alias
    return user.display_name


# --- Targets: a request, an offer or a message ------------------------------------------


@dataclass(frozen=True)
class Target:
    """One thing that can be reported or hidden."""

    help_request: HelpRequest | None = None
    offer: Offer | None = None
    message: Message | None = None

    @classmethod
    def of(cls, obj) -> Target:
        if isinstance(obj, Target):
            return obj
        if isinstance(obj, HelpRequest):
            return cls(help_request=obj)
        if isinstance(obj, Offer):
            return cls(offer=obj)
        if isinstance(obj, Message):
            return cls(message=obj)
        if isinstance(obj, Report | ModerationAction):
            return cls(help_request=obj.help_request, offer=obj.offer, message=obj.message)
        raise TypeError(f"Not something that can be moderated: {obj!r}")

    @property
    def obj(self):
        return self.help_request or self.offer or self.message

    @property
    def kind(self) -> str:
        if self.help_request:
            return "request"
        return "offer" if self.offer else "message"

    @property
    def ref(self) -> str:
        """How URLs name it: a public id, or a message's number."""
        obj = self.obj
        return str(obj.pk) if self.message else obj.public_id

    @property
    def request(self) -> HelpRequest:
        """The request this content belongs to (for names and links)."""
        if self.help_request:
            return self.help_request
        if self.offer:
            return self.offer.request
        return self.message.offer.request

    @property
    def author(self) -> User:
        if self.help_request:
            return self.help_request.author
        if self.offer:
            return self.offer.helper
        return self.message.sender

    @property
    def author_id(self) -> int:
        if self.help_request:
            return self.help_request.author_id
        if self.offer:
            return self.offer.helper_id
        return self.message.sender_id

    @property
    def author_name(self) -> str:
        """Who wrote it, as moderators see them (an anonymous asker by alias)."""
        request = self.request
        if request.is_anonymous and self.author_id == request.author_id:
            return request.alias
        return self.author.display_name

    @property
    def text(self) -> str:
        if self.help_request:
            return f"{self.help_request.title}\n\n{self.help_request.body}"
        if self.offer:
            return self.offer.message
        return self.message.body

    @property
    def is_hidden(self) -> bool:
        return self.obj.is_hidden

    def fields(self) -> dict:
        return {"help_request": self.help_request, "offer": self.offer, "message": self.message}


def target_for(user: User, kind: str, ref: str) -> Target:
    """What `user` may report (or a 404): a request they can open, an offer or a
    message of a conversation they are part of."""
    from django.http import Http404

    from requests import selectors

    if kind == "request":
        return Target(help_request=selectors.get_request_for(user, ref))
    if kind == "offer":
        return Target(offer=selectors.get_offer_for(user, ref))
    if kind == "message" and (pk := as_key(ref)) is not None:
        message = Message.objects.select_related("offer__request", "sender").filter(pk=pk).first()
        if message is not None:
            # Only the asker and the helper may see a conversation, and in it only
            # the messages shown to them: not a shadow message (unless they sent
            # it), nor one a moderator hid.
            offer = selectors.get_offer_for(user, message.offer.public_id)
            if (
                not message.is_hidden
                and selectors.conversation(offer, user).filter(pk=message.pk).exists()
            ):
                return Target(message=message)
    raise Http404


# --- Reports ----------------------------------------------------------------------------


def _open_reports(target: Target):
    return Report.objects.filter(status=Report.Status.OPEN, **target.fields())


@transaction.atomic
def report_content(
    *, reporter: User, target: Target, reason: str, details: str = ""
) -> tuple[Report, bool]:
    """Tell the moderators about something. Returns the report and whether it is
    new: a second report of the same thing by the same person adds nothing."""
    check_can_post(reporter)
    if target.author_id == reporter.pk:
        raise ServiceError(_("This is something you wrote, so you can't report it."))
    if reason not in Report.Reason.values:
        raise ServiceError(_("Please choose what is wrong."))
    existing = _open_reports(target).filter(reporter=reporter).first()
    if existing is not None:
        return existing, False
    report = Report.objects.create(
        reporter=reporter, reason=reason, details=details.strip(), **target.fields()
    )
    return report, True


def _close_reports(
    reports, *, moderator: User, kind: str, status: str, help_request: HelpRequest | None
):
    """Close the reports, telling each reporter the outcome kindly."""
    now = timezone.now()
    outcome = str(OUTCOMES[kind])
    for report in reports:
        report.status = status
        report.outcome = outcome
        report.handled_by = moderator
        report.handled_at = now
        report.save(update_fields=["status", "outcome", "handled_by", "handled_at"])
        notify(
            kind=Notification.Kind.REPORT_OUTCOME,
            recipient=report.reporter,
            key=f"report_outcome:{report.pk}",
            url=reverse("moderation:my_reports"),
            help_request=help_request,
        )


def record_story_action(
    *, moderator: User, kind: str, story_ref: str, reason: str = ""
) -> ModerationAction:
    """Log a moderator's decision on a story of asking (the stories app's services
    call this inside their own transaction), so the log holds every action."""
    _check_moderator(moderator)
    return ModerationAction.objects.create(
        moderator=moderator, kind=kind, story_ref=story_ref, reason=reason
    )


def _record(*, moderator: User, kind: str, target: Target | None, **fields) -> ModerationAction:
    if target is not None:
        fields = {**target.fields(), **fields}
    return ModerationAction.objects.create(moderator=moderator, kind=kind, **fields)


def _check_moderator(moderator: User) -> None:
    if not can_moderate(moderator):
        raise ServiceError(_("Only moderators can do this."))


def _lock(target: Target) -> Target:
    """The target, locked and loaded with what names and notes need."""
    if target.help_request:
        obj = HelpRequest.objects.select_for_update().get(pk=target.help_request.pk)
        return Target(help_request=obj)
    if target.offer:
        obj = Offer.objects.select_for_update().select_related("request").get(pk=target.offer.pk)
        return Target(offer=obj)
    obj = (
        Message.objects.select_for_update()
        .select_related("offer__request")
        .get(pk=target.message.pk)
    )
    return Target(message=obj)


def _set_hidden(target: Target, hidden: bool) -> None:
    obj = target.obj
    obj.is_hidden = hidden
    obj.save(update_fields=["is_hidden"])
    if hidden:
        # Fuller emails quote offers and messages; a hidden one is quoted no more.
        if target.offer:
            key = f"offer_received:{target.offer.public_id}"
        elif target.message:
            key = f"message_received:{target.message.pk}"
        else:
            return
        Notification.objects.filter(key=key).update(payload={})


def _act_on_reports(
    *, moderator: User, target: Target, kind: str, report: Report | None, status: str
) -> None:
    reports = list(_open_reports(target).select_related("reporter"))
    if report is not None and report.status == Report.Status.OPEN and report not in reports:
        reports.append(report)
    _close_reports(
        reports, moderator=moderator, kind=kind, status=status, help_request=target.request
    )


@transaction.atomic
def hide_content(
    *, moderator: User, target: Target, note: str = "", report: Report | None = None
) -> ModerationAction:
    """Hide a request, offer or message from everyone but its author; the open
    reports about it are closed and their reporters told."""
    _check_moderator(moderator)
    target = _lock(target)
    _set_hidden(target, True)
    action = _record(
        moderator=moderator, kind=Kind.HIDE, target=target, report=report, reason=note.strip()
    )
    _act_on_reports(
        moderator=moderator,
        target=target,
        kind=Kind.HIDE,
        report=report,
        status=Report.Status.ACTIONED,
    )
    return action


@transaction.atomic
def unhide_content(*, moderator: User, target: Target, note: str = "") -> ModerationAction:
    _check_moderator(moderator)
    target = _lock(target)
    if not target.is_hidden:
        raise ServiceError(_("This isn't hidden."))
    _set_hidden(target, False)
    return _record(moderator=moderator, kind=Kind.UNHIDE, target=target, reason=note.strip())


@transaction.atomic
def dismiss_report(*, moderator: User, report: Report, note: str = "") -> ModerationAction:
    """No action needed: this report (and the same person's... only this one) is closed."""
    _check_moderator(moderator)
    report = Report.objects.select_for_update().select_related("reporter").get(pk=report.pk)
    if report.status != Report.Status.OPEN:
        raise ServiceError(_("A moderator has already handled this report."))
    target = Target.of(report)
    action = _record(
        moderator=moderator, kind=Kind.DISMISS, target=target, report=report, reason=note.strip()
    )
    _close_reports(
        [report],
        moderator=moderator,
        kind=Kind.DISMISS,
        status=Report.Status.DISMISSED,
        help_request=target.request,
    )
    return action


@transaction.atomic
def mark_seen(*, moderator: User, help_request: HelpRequest, note: str = "") -> ModerationAction:
    """A request flagged for attention was looked at; nothing more is needed."""
    _check_moderator(moderator)
    updated = HelpRequest.objects.filter(pk=help_request.pk, needs_attention=True).update(
        needs_attention=False
    )
    if not updated:
        raise ServiceError(_("This request isn't waiting for a moderator."))
    return _record(
        moderator=moderator,
        kind=Kind.DISMISS,
        target=Target(help_request=help_request),
        reason=note.strip(),
    )


def _tell_person(action: ModerationAction, recipient: User, help_request: HelpRequest) -> None:
    notify(
        kind=Notification.Kind.MODERATOR_WARNING,
        recipient=recipient,
        key=f"moderator_note:{action.pk}",
        url=reverse("moderation:note", args=[action.pk]),
        help_request=help_request,
    )


def _person_action(
    *, moderator: User, target: Target, note: str, report: Report | None, kind: str, hide: bool
) -> ModerationAction:
    _check_moderator(moderator)
    note = note.strip()
    if not note:
        raise ServiceError(_("Please write a note for the person: it is what they will read."))
    target = _lock(target)
    person = User.objects.select_for_update().get(pk=target.author_id)
    if person.pk == moderator.pk:
        raise ServiceError(_("You can't do this to your own account."))
    if kind == Kind.WARN:
        person.warnings += 1
        person.save(update_fields=["warnings"])
    else:
        if person.suspended_at is not None:
            raise ServiceError(_("This person is already suspended."))
        person.suspended_at = timezone.now()
        person.save(update_fields=["suspended_at"])
    if hide and not target.is_hidden:
        _set_hidden(target, True)
        _record(moderator=moderator, kind=Kind.HIDE, target=target, report=report)
    action = _record(
        moderator=moderator, kind=kind, target=target, report=report, subject=person, reason=note
    )
    _tell_person(action, person, target.request)
    _act_on_reports(
        moderator=moderator, target=target, kind=kind, report=report, status=Report.Status.ACTIONED
    )
    return action


def warn_person(
    *, moderator: User, target: Target, note: str, report: Report | None = None, hide=False
) -> ModerationAction:
    """Warn whoever wrote `target`; they read `note` on the board."""
    with transaction.atomic():
        return _person_action(
            moderator=moderator, target=target, note=note, report=report, kind=Kind.WARN, hide=hide
        )


def suspend_person(
    *, moderator: User, target: Target, note: str, report: Report | None = None, hide=False
) -> ModerationAction:
    """Suspend whoever wrote `target`: they can still read, but not post, offer,
    write or report. They read `note` on the board."""
    with transaction.atomic():
        return _person_action(
            moderator=moderator,
            target=target,
            note=note,
            report=report,
            kind=Kind.SUSPEND,
            hide=hide,
        )


# --- Offers held for review -------------------------------------------------------------


@transaction.atomic
def approve_offer(*, moderator: User, offer: Offer, note: str = "") -> ModerationAction:
    """The asker sees the offer now, and hears of it as if it had just been made;
    the helper is told it has been passed on."""
    _check_moderator(moderator)
    locked = Offer.objects.select_for_update().select_related("request__author").get(pk=offer.pk)
    if not locked.held_for_review:
        raise ServiceError(_("This offer isn't waiting for a moderator."))
    locked.held_for_review = False
    locked.save(update_fields=["held_for_review", "updated_at"])
    action = _record(
        moderator=moderator, kind=Kind.APPROVE_OFFER, target=Target(offer=locked), reason=note
    )
    if locked.status == Offer.Status.PENDING:
        from requests.services import present_offer

        present_offer(locked, help_request=locked.request)
        notify(
            kind=Notification.Kind.OFFER_APPROVED,
            recipient=locked.helper,
            key=f"offer_approved:{locked.public_id}",
            url=locked.get_absolute_url(),
            help_request=locked.request,
        )
    return action


@transaction.atomic
def reject_offer(*, moderator: User, offer: Offer, note: str = "") -> ModerationAction:
    """The asker never sees the offer. The helper is told, kindly and truthfully,
    that a moderator didn't pass it on, and reads the moderator's note (if any)
    on their offer's page."""
    _check_moderator(moderator)
    locked = Offer.objects.select_for_update().select_related("request").get(pk=offer.pk)
    if not locked.held_for_review:
        raise ServiceError(_("This offer isn't waiting for a moderator."))
    was_live = locked.is_live
    locked.held_for_review = False
    locked.is_hidden = True
    update_fields = ["held_for_review", "is_hidden", "updated_at"]
    if was_live:
        locked.status = Offer.Status.DECLINED
        locked.decline_reason = Offer.DeclineReason.NOT_APPROVED
        update_fields += ["status", "decline_reason"]
    locked.save(update_fields=update_fields)
    action = _record(
        moderator=moderator,
        kind=Kind.REJECT_OFFER,
        target=Target(offer=locked),
        reason=note.strip(),
    )
    if was_live:
        notify(
            kind=Notification.Kind.OFFER_NOT_APPROVED,
            recipient=locked.helper,
            key=f"offer_not_approved:{locked.public_id}",
            url=locked.get_absolute_url(),
            help_request=locked.request,
        )
    return action


def review_note_for_helper(offer: Offer) -> str:
    """The moderator's words to a helper whose held offer was not passed on."""
    if offer.decline_reason != Offer.DeclineReason.NOT_APPROVED:
        return ""
    action = (
        ModerationAction.objects.filter(offer=offer, kind=Kind.REJECT_OFFER)
        .order_by("-created_at", "-pk")
        .first()
    )
    return action.reason if action else ""


# --- The safety rules services ask -------------------------------------------------------


def check_can_post(user: User) -> None:
    """A suspended person can read the board but not add to it."""
    if user.suspended_at is not None:
        raise ServiceError(
            _(
                "Your account is paused by the moderators, so for now you can read the board "
                "but not post, offer, write messages or report. Your notifications say why."
            )
        )


# --- Blocks that link nothing ------------------------------------------------------------
#
# A block must not tell the blocked person who the blocker is. If "you can't offer
# on this request" came back on every request of the person who blocked you, the
# answer would pick out their anonymous requests among everyone else's; if messages
# were refused in every conversation with them, it would tie an anonymous
# conversation to a named one. So a block answers in one of two ways:
#
# - Openly ("you can't..."), only where the blocked person already knows who they
#   are dealing with: in the conversation the block was made from, and, if the
#   blocker was known there by name, wherever else they are known by name (their
#   named requests, conversations where they are the helper or showed their name).
# - Silently everywhere else (a "shadow"): the offer or message is accepted and
#   shown to its writer like any other, counts like any other on the public board,
#   ends like any other (an offer is declined kindly when the request finishes), but
#   the blocker never sees it and is never told. From the blocked person's side it
#   is indistinguishable from an offer to an asker who did not take it up.
#
# A block made where the blocker was anonymous (from a conversation on their
# anonymous request) is therefore open only in that one conversation: refusing
# offers on their named requests too would tie the two together. The conversation
# a block ends teaches only what that conversation could: that the other person in
# it does not want to hear more.


def _block(*, blocker_id: int, blocked_id: int) -> Block | None:
    return (
        Block.objects.select_related("offer__request")
        .filter(blocker_id=blocker_id, blocked_id=blocked_id)
        .first()
    )


def blocked(*, blocker_id: int, blocked_id: int) -> bool:
    return _block(blocker_id=blocker_id, blocked_id=blocked_id) is not None


def named_in(offer: Offer, person_id: int) -> bool:
    """Whether `person` is known by name to the other side of the conversation `offer`:
    a helper always is; an asker when the request is named or they showed their name."""
    if person_id != offer.request.author_id:
        return True
    return not offer.request.is_anonymous or offer.asker_revealed_at is not None


def _refuses_openly(block: Block, *, named_here: bool, offer: Offer | None = None) -> bool:
    """Whether `block` may say "no" where the blocker is (`named_here`) or is not known
    by name; see the comment above."""
    if offer is not None and block.offer_id == offer.pk:
        return True
    if not named_here or block.offer is None:
        return False
    return named_in(block.offer, block.blocker_id)


def offer_block_answer(*, helper_id: int, help_request: HelpRequest) -> str:
    """How a block answers an offer by `helper_id` on `help_request`: "" (no block),
    "refuse" (openly) or "shadow" (silently); see the comment above."""
    block = _block(blocker_id=help_request.author_id, blocked_id=helper_id)
    if block is None:
        return ""
    if _refuses_openly(block, named_here=not help_request.is_anonymous):
        return "refuse"
    return "shadow"


def check_can_offer(*, helper: User, help_request: HelpRequest) -> bool:
    """Raise if `helper` may not offer on `help_request`; return whether their offer is
    a shadow (made despite a block that must stay silent here)."""
    check_can_post(helper)
    answer = offer_block_answer(helper_id=helper.pk, help_request=help_request)
    if answer == "refuse":
        # Neutral: nothing says who or why.
        raise ServiceError(_("You can't offer on this request."))
    shadow = answer == "shadow"
    days = settings.BOARD_NEW_ACCOUNT_DAYS
    per_day = settings.BOARD_NEW_ACCOUNT_OFFERS_PER_DAY
    now = timezone.now()
    if per_day and helper.date_joined > now - timedelta(days=days):
        today = Offer.objects.filter(helper=helper, created_at__gt=now - timedelta(days=1))
        if today.count() >= per_day:
            raise ServiceError(
                _(
                    "New accounts can make up to %(count)d offers a day while they settle in. "
                    "Thank you for wanting to help so much: please try again tomorrow."
                )
                % {"count": per_day}
            )
    return shadow


def should_hold_offer(helper: User) -> bool:
    """Whether a new offer waits for a moderator: a helper's first N offers do,
    when BOARD_REVIEW_FIRST_OFFERS is N > 0."""
    first = settings.BOARD_REVIEW_FIRST_OFFERS
    if first <= 0:
        return False
    approved = Offer.objects.filter(helper=helper, held_for_review=False, is_hidden=False)
    return approved.count() < first


def check_can_message(*, offer: Offer, sender: User) -> bool:
    """Raise if `sender` may not write in `offer`'s conversation; return whether their
    message is a shadow (the recipient blocked them, and saying so here would link)."""
    check_can_post(sender)
    asker_id = offer.request.author_id
    recipient_id = offer.helper_id if sender.pk == asker_id else asker_id
    block = _block(blocker_id=recipient_id, blocked_id=sender.pk)
    if block is None:
        return False
    if _refuses_openly(block, named_here=named_in(offer, recipient_id), offer=offer):
        raise ServiceError(_("You can't send messages in this conversation any more."))
    return True


# --- Reads for the moderators' pages -----------------------------------------------------

QUEUE_LIMIT = 50


def open_reports():
    return (
        Report.objects.filter(status=Report.Status.OPEN)
        .select_related(
            "reporter",
            "help_request__author",
            "offer__helper",
            "offer__request",
            "message__sender",
            "message__offer__request",
        )
        .order_by("created_at", "pk")
    )


def flagged_requests():
    return (
        HelpRequest.objects.filter(needs_attention=True)
        .select_related("author")
        .order_by("created_at", "pk")
    )


def held_offers():
    return (
        # One the helper withdrew meanwhile needs nobody's review.
        Offer.objects.filter(held_for_review=True, status=Offer.Status.PENDING)
        .select_related("helper", "request")
        .order_by("created_at", "pk")
    )


def log():
    return ModerationAction.objects.select_related(
        "moderator",
        "subject",
        "report",
        "help_request",
        "offer__helper",
        "offer__request",
        "message__sender",
        "message__offer__request",
    ).order_by("-created_at", "-pk")


def notes_for(user: User):
    """The warnings and suspensions a person may read."""
    return ModerationAction.objects.filter(subject=user, kind__in=[Kind.WARN, Kind.SUSPEND])


def reports_of(user: User):
    return Report.objects.filter(reporter=user).select_related(
        "help_request", "offer__request", "message__offer__request"
    )
