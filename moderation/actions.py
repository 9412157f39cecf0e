"""The moderators' actions, one declaration each.

An `Action` says everything the pages need: its name (the form's value), its
button label (and, for actions on a person, the label that names them), where it
is offered (`on`: a report's card, a flagged request, a held offer, or any
request, offer or message from the log), the service that does it, and the
confirmation the moderator reads. The queue's buttons, the form's choices, what a
POST may ask for and the dispatch all come from `ACTIONS`; what the reporter is
told is the service's (moderation.services.REPORT_OUTCOMES, by what was logged).

A new action is one `Action(...)` here, its service in moderation/services.py,
and (if it logs a new kind) a `ModerationAction.Kind` choice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from board.errors import Conflict
from moderation import services
from moderation.models import ModerationAction, Report
from moderation.targets import KINDS, ReportedOffer, ReportedRequest, Target

# Where an action can be offered: the queue's three sections, and any piece of
# content by its kind (the log's "Show again", a card's form for that content).
Place = Literal["report", "flagged", "held", "request", "offer", "message"]


@dataclass(frozen=True)
class Act:
    """What a moderator sent: the action's inputs, whichever action it is."""

    moderator: User
    target: Target
    note: str = ""
    report: Report | None = None
    also_hide: bool = False


@dataclass(frozen=True)
class Action:
    name: str
    label: Promise
    on: frozenset[Place]
    run: Callable[[Act], ModerationAction]
    # The confirmation, with %(kind)s (request, offer, message) and %(name)s (the person).
    done: Promise
    # For actions on a person: the button names them ("Warn %(name)s"), and the card
    # asks for the note they will read and offers "also hide it".
    person_label: Promise | None = None

    @property
    def acts_on_person(self) -> bool:
        return self.person_label is not None

    def button(self, person: str) -> str:
        """What the button says: what it will do, to whom."""
        if self.person_label is not None:
            return str(self.person_label) % {"name": person}
        return str(self.label)

    def confirmation(self, target: Target) -> str:
        kind = {"request": _("request"), "offer": _("offer"), "message": _("message")}[target.kind]
        done = str(self.done) % {"kind": kind, "name": target.author_name}
        return " ".join([done, _("It's in the moderation log.")])


def _report_of(act: Act) -> Report:
    if act.report is None:  # only offered on a report's card
        raise Conflict(_("There is no report to dismiss here."))
    return act.report


def _request_of(act: Act) -> ReportedRequest:
    if not isinstance(act.target, ReportedRequest):  # only offered on requests
        raise Conflict(_("Only a request can be marked as looked at."))
    return act.target


def _offer_of(act: Act) -> ReportedOffer:
    if not isinstance(act.target, ReportedOffer):  # only offered on offers
        raise Conflict(_("Only an offer can be approved or rejected."))
    return act.target


def places(*names: Place) -> frozenset[Place]:
    return frozenset(names)


CONTENT = places(*KINDS)

# In the order the buttons appear on a card.
ACTIONS: dict[str, Action] = {
    action.name: action
    for action in [
        Action(
            name="seen",
            label=gettext_lazy("Looked at, nothing to do"),
            on=places("flagged", "request"),
            run=lambda act: services.mark_seen(
                moderator=act.moderator, help_request=_request_of(act).obj, note=act.note
            ),
            done=gettext_lazy("Marked as looked at."),
        ),
        Action(
            name="hide",
            label=gettext_lazy("Hide it"),
            on=places("report", "flagged") | CONTENT,
            run=lambda act: services.hide_content(
                moderator=act.moderator, target=act.target, note=act.note, report=act.report
            ),
            done=gettext_lazy("The %(kind)s is hidden from everyone but its author."),
        ),
        Action(
            name="unhide",
            label=gettext_lazy("Show it again"),
            on=CONTENT,
            run=lambda act: services.unhide_content(
                moderator=act.moderator, target=act.target, note=act.note
            ),
            done=gettext_lazy("The %(kind)s is shown again."),
        ),
        Action(
            name="dismiss",
            label=gettext_lazy("Dismiss the report"),
            on=places("report"),
            run=lambda act: services.dismiss_report(
                moderator=act.moderator, report=_report_of(act), note=act.note
            ),
            done=gettext_lazy("The report is dismissed; the person who reported it has been told."),
        ),
        Action(
            name="warn",
            label=gettext_lazy("Warn the person"),
            person_label=gettext_lazy("Warn %(name)s"),
            on=places("report", "flagged") | CONTENT,
            run=lambda act: services.warn_person(
                moderator=act.moderator,
                target=act.target,
                note=act.note,
                report=act.report,
                hide=act.also_hide,
            ),
            done=gettext_lazy("%(name)s is warned and can read your note."),
        ),
        Action(
            name="suspend",
            label=gettext_lazy("Suspend the person"),
            person_label=gettext_lazy("Suspend %(name)s"),
            on=places("report", "flagged") | CONTENT,
            run=lambda act: services.suspend_person(
                moderator=act.moderator,
                target=act.target,
                note=act.note,
                report=act.report,
                hide=act.also_hide,
            ),
            done=gettext_lazy("%(name)s is suspended and can read your note."),
        ),
        Action(
            name="approve",
            label=gettext_lazy("Approve the offer"),
            on=places("held", "offer"),
            run=lambda act: services.approve_offer(
                moderator=act.moderator, offer=_offer_of(act).obj, note=act.note
            ),
            # Said alike of every offer: whether the asker is told can depend on a block
            # of theirs, which the moderators' pages don't show (it would link them).
            done=gettext_lazy(
                "The offer is approved and its helper has been told; from now on it goes "
                "on as any offer on this request would."
            ),
        ),
        Action(
            name="reject",
            label=gettext_lazy("Reject the offer"),
            on=places("held", "offer"),
            run=lambda act: services.reject_offer(
                moderator=act.moderator, offer=_offer_of(act).obj, note=act.note
            ),
            done=gettext_lazy("The offer isn't passed on; the helper has been told kindly."),
        ),
    ]
}


def offered_on(place: Place) -> tuple[Action, ...]:
    """The actions offered at `place`, in button order."""
    return tuple(action for action in ACTIONS.values() if place in action.on)
