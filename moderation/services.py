"""Everything that changes in moderation: reports, the moderators' actions, held
offers, blocks between people, the audited break-glass look, and who moderates.

Everyone can report a request, an offer or a message they can see; moderators
(staff with the moderator permission) hide or show content, dismiss reports,
warn or suspend people, and approve or reject offers held for review. Every
action writes a `ModerationAction` row, and whoever reported the content gets a
kind, generic note of the outcome that never names the other person.

Names, always through `rules.name_in_context`: the author of an anonymous request
is shown by the request's alias, here as everywhere. Moderators learn who wrote
an anonymous request only through the audited break-glass look (`reveal_author`).

What happens when someone is blocked: `block_person` below writes the row;
`moderation.rules` ("Blocks that link nothing") decides, when the blocked person
next offers or writes, whether they are refused openly or silently shadowed; the
board's listing and the asker's offers leave out a blocked person's named content
(requests.models.HelpRequestQuerySet.for_board, requests.selectors.offers_for_asker).

Every refusal is a `board.errors` class with a message for the person.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from board import ratelimit
from board.errors import Conflict, Invalid, NotAllowed
from moderation import rules
from moderation.models import Block, ModerationAction, Report
from moderation.selectors import open_reports_about
from moderation.targets import ReportedOffer, ReportedRequest, Target, report_target, target_of
from notifications.models import Notification
from notifications.services import notify
from requests.models import HelpRequest, Message, Offer
from requests.services import present_offer

Kind = ModerationAction.Kind

# What a reporter is told when their report is closed by an action of this kind:
# kind, generic, and never about the other person. A kind without its own words
# (a new action) gets the general one, never an error.
REPORT_OUTCOMES: dict[str, StrPromise] = {
    Kind.HIDE: gettext_lazy(
        "A moderator looked at what you reported and has removed it from the board. "
        "Thank you for helping keep this a safe place."
    ),
    Kind.WARN: gettext_lazy(
        "A moderator looked at what you reported and has reminded the person of the board's "
        "guidelines. Thank you for helping keep this a safe place."
    ),
    Kind.SUSPEND: gettext_lazy(
        "A moderator looked at what you reported and has taken action. Thank you for helping "
        "keep this a safe place."
    ),
    Kind.DISMISS: gettext_lazy(
        "A moderator looked at what you reported and didn't find that it goes against the "
        "board's guidelines this time. Thank you for telling us: please report anything that "
        "worries you, always."
    ),
}
GENERAL_OUTCOME = REPORT_OUTCOMES[Kind.SUSPEND]


def report_outcome(kind: str) -> str:
    return str(REPORT_OUTCOMES.get(kind, GENERAL_OUTCOME))


# --- Reports ----------------------------------------------------------------------------


@transaction.atomic
def report_content(
    *, reporter: User, target: Target, reason: str, details: str = ""
) -> tuple[Report, bool]:
    """Tell the moderators about something. Returns the report and whether it is
    new: a second report of the same thing by the same person adds nothing, though
    it counts toward the person's posting limit ("report" in BOARD_RATE_LIMITS),
    counted here once for every edge."""
    rules.check_can_post(reporter)
    rules.check_can_report(reporter, target)
    if reason not in Report.Reason.values:
        raise Invalid(_("Please choose what is wrong."), field="reason")
    ratelimit.check_rate(action="report", key=reporter.pk)
    existing = open_reports_about(target).filter(reporter=reporter).first()
    if existing is not None:
        return existing, False
    report = Report.objects.create(
        reporter=reporter, reason=reason, details=details.strip(), **target.fields()
    )
    return report, True


def _close_reports(
    reports: list[Report],
    *,
    moderator: User,
    kind: str,
    status: str,
    help_request: HelpRequest | None,
) -> None:
    """Close the reports, telling each reporter the outcome kindly."""
    now = timezone.now()
    outcome = report_outcome(kind)
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


def _act_on_reports(
    *, moderator: User, target: Target, kind: str, report: Report | None, status: str
) -> None:
    reports = list(open_reports_about(target).select_related("reporter"))
    if report is not None and report.status == Report.Status.OPEN and report not in reports:
        reports.append(report)
    _close_reports(
        reports, moderator=moderator, kind=kind, status=status, help_request=target.request
    )


# --- The log ------------------------------------------------------------------------------


def record_story_action(
    *, moderator: User, kind: str, story_ref: str, reason: str = ""
) -> ModerationAction:
    """Log a moderator's decision on a story of asking (the stories app's services
    call this inside their own transaction), so the log holds every action. The
    row names the story, never its author."""
    rules.check_moderator(moderator)
    return ModerationAction.objects.create(
        moderator=moderator, kind=kind, story_ref=story_ref, reason=reason
    )


def _record(
    *,
    moderator: User,
    kind: str,
    target: Target,
    report: Report | None = None,
    subject: User | None = None,
    reason: str = "",
) -> ModerationAction:
    return ModerationAction.objects.create(
        moderator=moderator,
        kind=kind,
        report=report,
        subject=subject,
        reason=reason,
        **target.fields(),
    )


# --- Content: hide, show again, looked at ----------------------------------------------


def _lock(target: Target) -> Target:
    """The target, locked and loaded with what names and notes need."""
    match target:
        case ReportedRequest(obj=help_request):
            return target_of(HelpRequest.objects.select_for_update().get(pk=help_request.pk))
        case ReportedOffer(obj=offer):
            locked = Offer.objects.select_for_update().select_related("request").get(pk=offer.pk)
            return target_of(locked)
        case _:
            message = (
                Message.objects.select_for_update()
                .select_related("offer__request")
                .get(pk=target.obj.pk)
            )
            return target_of(message)


def _set_hidden(target: Target, hidden: bool) -> None:
    obj = target.obj
    obj.is_hidden = hidden
    obj.save(update_fields=["is_hidden"])
    if hidden and target.kind != "request":
        # Fuller emails quote offers and messages; a hidden one is quoted no more.
        key = (
            f"offer_received:{target.ref}"
            if target.kind == "offer"
            else f"message_received:{target.ref}"
        )
        Notification.objects.filter(key=key).update(payload={})


@transaction.atomic
def hide_content(
    *, moderator: User, target: Target, note: str = "", report: Report | None = None
) -> ModerationAction:
    """Hide a request, offer or message from everyone but its author; the open
    reports about it are closed and their reporters told."""
    rules.check_moderator(moderator)
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
    rules.check_moderator(moderator)
    target = _lock(target)
    if not target.is_hidden:
        raise Conflict(_("This isn't hidden."))
    _set_hidden(target, False)
    return _record(moderator=moderator, kind=Kind.UNHIDE, target=target, reason=note.strip())


@transaction.atomic
def dismiss_report(*, moderator: User, report: Report, note: str = "") -> ModerationAction:
    """No action needed: this report (only this one) is closed."""
    rules.check_moderator(moderator)
    report = Report.objects.select_for_update().select_related("reporter").get(pk=report.pk)
    if report.status != Report.Status.OPEN:
        raise Conflict(_("A moderator has already handled this report."))
    target = report_target(report)
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
    rules.check_moderator(moderator)
    updated = HelpRequest.objects.filter(pk=help_request.pk, needs_attention=True).update(
        needs_attention=False
    )
    if not updated:
        raise Conflict(_("This request isn't waiting for a moderator."))
    return _record(
        moderator=moderator,
        kind=Kind.DISMISS,
        target=ReportedRequest(help_request),
        reason=note.strip(),
    )


# --- People: warn, suspend ----------------------------------------------------------------

# What a moderator is asked for when they leave out the note the person will read.
NOTE_REQUIRED: dict[str, StrPromise] = {
    Kind.WARN: gettext_lazy("To warn %(name)s, please write a note: it is what they will read."),
    Kind.SUSPEND: gettext_lazy(
        "To suspend %(name)s, please write a note: it is what they will read."
    ),
}


def _person_action(
    *, moderator: User, target: Target, note: str, report: Report | None, kind: str, hide: bool
) -> ModerationAction:
    rules.check_moderator(moderator)
    note = note.strip()
    if not note:
        raise Invalid(str(NOTE_REQUIRED[kind]) % {"name": target.author_name}, field="note")
    target = _lock(target)
    person = User.objects.select_for_update().get(pk=target.author_id)
    if person.pk == moderator.pk:
        raise NotAllowed(_("You can't do this to your own account."))
    if kind == Kind.WARN:
        person.warnings += 1
        person.save(update_fields=["warnings"])
    else:
        if person.suspended_at is not None:
            raise Conflict(_("This person is already suspended."))
        person.suspended_at = timezone.now()
        person.save(update_fields=["suspended_at"])
    if hide and not target.is_hidden:
        _set_hidden(target, True)
        _record(moderator=moderator, kind=Kind.HIDE, target=target, report=report)
    action = _record(
        moderator=moderator, kind=kind, target=target, report=report, subject=person, reason=note
    )
    notify(
        kind=Notification.Kind.MODERATOR_WARNING,
        recipient=person,
        key=f"moderator_note:{action.pk}",
        url=reverse("moderation:note", args=[action.pk]),
        help_request=target.request,
    )
    _act_on_reports(
        moderator=moderator, target=target, kind=kind, report=report, status=Report.Status.ACTIONED
    )
    return action


@transaction.atomic
def warn_person(
    *,
    moderator: User,
    target: Target,
    note: str,
    report: Report | None = None,
    hide: bool = False,
) -> ModerationAction:
    """Warn whoever wrote `target`; they read `note` on the board."""
    return _person_action(
        moderator=moderator, target=target, note=note, report=report, kind=Kind.WARN, hide=hide
    )


@transaction.atomic
def suspend_person(
    *,
    moderator: User,
    target: Target,
    note: str,
    report: Report | None = None,
    hide: bool = False,
) -> ModerationAction:
    """Suspend whoever wrote `target`: they can still read, but not post, offer,
    write or report. They read `note` on the board."""
    return _person_action(
        moderator=moderator, target=target, note=note, report=report, kind=Kind.SUSPEND, hide=hide
    )


# --- Offers held for review -------------------------------------------------------------


@transaction.atomic
def approve_offer(*, moderator: User, offer: Offer, note: str = "") -> ModerationAction:
    """The asker sees the offer now, and hears of it as if it had just been made;
    the helper is told it has been passed on."""
    rules.check_moderator(moderator)
    locked = Offer.objects.select_for_update().select_related("request__author").get(pk=offer.pk)
    if not locked.held_for_review:
        raise Conflict(_("This offer isn't waiting for a moderator."))
    locked.held_for_review = False
    locked.save(update_fields=["held_for_review", "updated_at"])
    action = _record(
        moderator=moderator, kind=Kind.APPROVE_OFFER, target=ReportedOffer(locked), reason=note
    )
    if locked.status == Offer.Status.PENDING:
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
    rules.check_moderator(moderator)
    locked = Offer.objects.select_for_update().select_related("request").get(pk=offer.pk)
    if not locked.held_for_review:
        raise Conflict(_("This offer isn't waiting for a moderator."))
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
        target=ReportedOffer(locked),
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


# --- Blocks -------------------------------------------------------------------------------


def block_person(
    *,
    blocker: User,
    blocked: User,
    label: str,
    hides_content: bool = True,
    offer: Offer | None = None,
) -> Block:
    """`blocker` stops hearing from `blocked`. `label` is what the blocker saw them
    called (an anonymous asker's alias, never the name behind it); `hides_content`
    is False when they were anonymous to the blocker (see Block). `offer` is the
    conversation the block was made from: the only place, with those where the
    blocker is known by name, that the block shows (moderation.rules). Blocking
    twice keeps the first block."""
    if blocker.pk == blocked.pk:
        raise Invalid(_("Nobody can block themselves."))
    block, _created = Block.objects.get_or_create(
        blocker=blocker,
        blocked=blocked,
        defaults={"label": label[:60], "hides_content": hides_content, "offer": offer},
    )
    return block


def block_other_side(*, blocker: User, offer: Offer) -> Block:
    """Block the other person of `offer`'s conversation, by what `blocker` saw them
    called there: the helper by name; the asker by name, or by the request's alias
    (and then without hiding their other, named content, which would name them)."""
    help_request = offer.request
    if help_request.author_id == blocker.pk:
        return block_person(
            blocker=blocker,
            blocked=offer.helper,
            label=offer.helper.display_name,
            hides_content=True,
            offer=offer,
        )
    return block_person(
        blocker=blocker,
        blocked=help_request.author,
        label=help_request.public_author_name,
        hides_content=not help_request.is_anonymous,
        offer=offer,
    )


def unblock_person(*, blocker: User, block_id: int) -> bool:
    """Lift one of `blocker`'s own blocks; False if there was no such block."""
    deleted, _rows = Block.objects.filter(pk=block_id, blocker=blocker).delete()
    return bool(deleted)


# --- Break-glass ---------------------------------------------------------------------

REVEAL_PERMISSION = "requests.reveal_author"
REVEAL_REASON_MIN = 20
# One look, however often the moderator reloads the answer or sends the form
# again within this window: recorded once, the asker told once.
REVEAL_LOOK_WINDOW = timedelta(minutes=15)


def may_reveal(user: User) -> bool:
    return bool(user.is_staff and user.has_perm(REVEAL_PERMISSION))


def recent_look(*, help_request: HelpRequest, moderator: User) -> ModerationAction | None:
    """This moderator's look at who wrote `help_request`, if it is recent enough
    to show its answer again without counting a new look."""
    return (
        ModerationAction.objects.filter(
            kind=Kind.REVEAL_AUTHOR,
            moderator=moderator,
            help_request=help_request,
            created_at__gt=timezone.now() - REVEAL_LOOK_WINDOW,
        )
        .order_by("-created_at")
        .first()
    )


@transaction.atomic
def reveal_author(*, help_request: HelpRequest, moderator: User, reason: str) -> User:
    """A moderator looks at who wrote an anonymous request. The look is recorded
    with who looked and why, and the asker is told a moderator looked (never which
    one); only then is the author returned. The same moderator looking again at
    the same request within REVEAL_LOOK_WINDOW is the same look. The log names the
    request and not the author, so the log itself links nobody to their anonymous
    requests."""
    if not may_reveal(moderator):
        raise NotAllowed(_("Only moderators allowed to do this can see who wrote a request."))
    reason = reason.strip()
    if len(reason) < REVEAL_REASON_MIN:
        raise Invalid(
            _("Please write why you need to know who wrote this request."), field="reason"
        )
    locked = (
        HelpRequest.objects.select_for_update().select_related("author").get(pk=help_request.pk)
    )
    if not locked.is_anonymous:
        raise Conflict(_("This request is not anonymous: its author's name is on it."))
    if recent_look(help_request=locked, moderator=moderator) is not None:
        # The same look, sent twice: counted and told once.
        return locked.author
    action = ModerationAction.objects.create(
        moderator=moderator, kind=Kind.REVEAL_AUTHOR, help_request=locked, reason=reason
    )
    notify(
        kind=Notification.Kind.MODERATOR_LOOKED,
        recipient=locked.author,
        key=f"moderator_looked:{action.pk}",
        url=locked.get_absolute_url(),
        help_request=locked,
    )
    return locked.author


# --- Who moderates ------------------------------------------------------------------------

# Staff in the "Moderators" group, with just the permissions the admin needs to
# look after the board (no user management, no deletes).
MODERATORS = "Moderators"
MODERATOR_PERMISSIONS = [
    ("requests", "view_category"),
    ("requests", "change_category"),
    ("requests", "add_category"),
    ("requests", "view_helprequest"),
    ("requests", "change_helprequest"),
    ("requests", "view_offer"),
    ("requests", "view_message"),
    ("notifications", "view_notification"),
    ("notifications", "change_notification"),
    # Reports and the moderation log (the queue at /moderation/, and the admin).
    ("moderation", "view_report"),
    ("moderation", "change_report"),
    ("moderation", "view_moderationaction"),
    # Crisis help: the resources listed and the phrases that show the crisis panel.
    ("board", "view_crisisresource"),
    ("board", "change_crisisresource"),
    ("board", "add_crisisresource"),
    ("moderation", "view_crisisphrase"),
    ("moderation", "change_crisisphrase"),
    ("moderation", "add_crisisphrase"),
    # The audited break-glass look at who wrote an anonymous request.
    ("requests", "reveal_author"),
]


def moderators_group() -> Group:
    group, _created = Group.objects.get_or_create(name=MODERATORS)
    permissions = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in MODERATOR_PERMISSIONS
    ]
    group.permissions.set(permissions)
    return group


def make_moderator(*, user: User) -> User:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(moderators_group())
    return user
