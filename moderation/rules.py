"""The safety rules other apps ask before someone posts, offers, writes or reports.

requests.services and stories.services import this module at the top: it builds
only on lower layers (board's errors, accounts, requests.models and this app's
models), never on a service, so asking a rule can never form an import circle.

Each `check_*` raises a `board.errors` refusal with a message for the person, or
returns what the caller needs to know (whether an offer or message is a silent
shadow because of a block).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from board.errors import Conflict, NotAllowed
from moderation.models import Block
from moderation.targets import Target
from requests.models import HelpRequest, Offer

# --- Who may moderate, and what people are called --------------------------------------


def can_moderate(user: User) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and (user.is_superuser or user.has_perm("requests.change_helprequest"))
    )


def check_moderator(user: User) -> None:
    if not can_moderate(user):
        raise NotAllowed(_("Only moderators can do this."))


def name_in_context(user: User | None, help_request: HelpRequest | None) -> str:
    """What others see `user` called where `help_request` is concerned: the asker of an
    anonymous request by its alias, everyone else by their display name."""
    if user is None:
        return _("Former member")
    if help_request is not None and help_request.is_anonymous and user.pk == help_request.author_id:
        return help_request.alias
    return user.display_name


# --- Posting at all ----------------------------------------------------------------------


def check_can_post(user: User) -> None:
    """A suspended person can read the board but not add to it."""
    if user.suspended_at is not None:
        # 409 as before the error hierarchy (API clients rely on it): the account is
        # in a state that doesn't allow posting for now.
        raise Conflict(
            _(
                "Your account is paused by the moderators, so for now you can read the board "
                "but not post, offer, write messages or report. Your notifications say why."
            )
        )


def check_can_report(reporter: User, target: Target) -> None:
    """Anyone who may post may report what they can see, except what they wrote."""
    if target.author_id == reporter.pk:
        # 409 as before the error hierarchy, which API clients see.
        raise Conflict(_("This is something you wrote, so you can't report it."))


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
        # Neutral: nothing says who or why, and it answers as any other refusal of
        # an offer does (409, a Conflict), not as a permission (403) would.
        raise Conflict(_("You can't offer on this request."))
    shadow = answer == "shadow"
    days = settings.BOARD_NEW_ACCOUNT_DAYS
    per_day = settings.BOARD_NEW_ACCOUNT_OFFERS_PER_DAY
    now = timezone.now()
    if per_day and helper.date_joined > now - timedelta(days=days):
        today = Offer.objects.filter(helper=helper, created_at__gt=now - timedelta(days=1))
        if today.count() >= per_day:
            # 409 as before (API clients see it); the posting limits' move to Limited (429)
            # belongs with the other posting limits.
            raise Conflict(
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
        # As any closed conversation answers (409), so the status says no more than the words.
        raise Conflict(_("You can't send messages in this conversation any more."))
    return True
