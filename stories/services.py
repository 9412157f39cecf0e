"""Every write of stories, "been there too" and the gentle note to helpers.

Views, the API, admin and tasks call these; each owns its transaction. A rule
that says no raises requests.services.ServiceError, with a message for the person
(the API turns it into a 409, as for requests).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from board.errors import Invalid, validate
from moderation.crisis import find_crisis_phrases
from moderation.models import ModerationAction
from moderation.rules import can_moderate, check_can_post
from moderation.services import record_story_action
from notifications.models import Notification
from notifications.services import notify
from requests.models import Category, HelpRequest, Offer
from requests.services import ServiceError
from stories import cache
from stories.models import NO_ANSWER, BeenThere, Story

# --- Stories --------------------------------------------------------------------------


def clean_texts(texts: Mapping[str, str]) -> dict[str, str]:
    """The three answers, stripped; at least one, none too long (the length rule is
    on the model's fields: Invalid naming the field). The one place these rules are
    checked: the form and the serializer leave them to this."""
    cleaned = {name: (texts.get(name) or "").strip() for name in Story.TEXT_FIELDS}
    if not any(cleaned.values()):
        raise Invalid(str(NO_ANSWER), field=Story.TEXT_FIELDS[0])
    validate(Story(**cleaned), fields=Story.TEXT_FIELDS)
    return cleaned


def suggests_danger(texts: Mapping[str, str]) -> bool:
    """The crisis phrase check (moderation/crisis.py): such a story waits, flagged,
    for a moderator to look at first."""
    return bool(find_crisis_phrases("\n".join(texts.values())))


def check_can_share(*, author: User, help_request: HelpRequest) -> None:
    check_can_post(author)
    if help_request.author_id != author.pk:
        raise ServiceError(_("Only the person who asked can share a story about this request."))
    if help_request.status != HelpRequest.Status.RESOLVED:
        raise ServiceError(_("You can share a story once your request is resolved."))
    if Story.objects.filter(source_request=help_request).exists():
        raise ServiceError(_("You have already shared a story about this request."))


def accepted_helper(help_request: HelpRequest) -> User | None:
    offer = (
        help_request.offers.filter(status=Offer.Status.ACCEPTED, is_hidden=False)
        .select_related("helper")
        .first()
    )
    return offer.helper if offer is not None and offer.helper.is_active else None


def _ask_helper(story: Story, helper: User) -> None:
    story.helper = helper
    story.helper_naming = Story.HelperNaming.ASKED
    notify(
        kind=Notification.Kind.STORY_CONSENT,
        recipient=helper,
        key=f"story_consent:{story.public_id}",
        url=reverse("stories:naming", args=[story.public_id]),
    )


@transaction.atomic
def create_story(
    *,
    author: User,
    help_request: HelpRequest,
    texts: Mapping[str, str],
    category: Category | None = None,
    show_name: bool = False,
    name_helper: bool = False,
) -> Story:
    """Share what it was like to ask. Nobody else sees it until a moderator
    publishes it; with `name_helper`, the helper is asked (through the board)
    whether they may be named, and is named only if they agree."""
    locked = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
    check_can_share(author=author, help_request=locked)
    cleaned = clean_texts(texts)
    story = Story(
        author=author,
        source_request=locked,
        category=category,
        show_name=show_name,
        needs_attention=suggests_danger(cleaned),
        **cleaned,
    )
    helper = accepted_helper(locked) if name_helper else None
    try:
        with transaction.atomic():
            story.save()
    except IntegrityError:
        raise ServiceError(_("You have already shared a story about this request.")) from None
    if helper is not None:
        _ask_helper(story, helper)
        story.save(update_fields=["helper", "helper_naming"])
    return story


def _lock_own(story: Story, by: User) -> Story:
    locked = Story.objects.select_for_update().filter(pk=story.pk).first()
    if locked is None or locked.author_id != by.pk:
        raise ServiceError(_("Only the person who shared this story can change it."))
    return locked


@transaction.atomic
def update_story(
    *,
    story: Story,
    by: User,
    texts: Mapping[str, str],
    category: Category | None,
    show_name: bool,
) -> Story:
    """The author edits their story. Changed words wait for a moderator again
    (a published story is off the Stories page until then); changing only
    whether the name shows takes effect at once."""
    locked = _lock_own(story, by)
    cleaned = clean_texts(texts)
    if cleaned != locked.texts():
        for name, text in cleaned.items():
            setattr(locked, name, text)
        locked.status = Story.Status.PENDING
        locked.published_at = None
        locked.proposed = {}
        locked.needs_attention = locked.needs_attention or suggests_danger(cleaned)
    locked.category = category
    locked.show_name = show_name
    locked.save()
    cache.forget_published()
    return locked


@transaction.atomic
def withdraw_story(*, story: Story, by: User) -> None:
    """The author withdraws their story: it is deleted, and gone from every
    page and cache at once."""
    locked = _lock_own(story, by)
    locked.delete()
    # Its notifications (the helper's question, moderators' updates) go with it.
    Notification.objects.filter(
        key__startswith="story_", key__contains=f":{story.public_id}"
    ).delete()
    cache.forget_published()


@transaction.atomic
def answer_naming(*, story: Story, by: User, consent: bool) -> Story:
    """The helper says whether the story may name them (they may change their mind)."""
    locked = Story.objects.select_for_update().filter(pk=story.pk).first()
    if locked is None or locked.helper_id != by.pk or not locked.helper_naming:
        raise ServiceError(_("This question isn't for you."))
    first_answer = locked.helper_naming == Story.HelperNaming.ASKED
    locked.helper_naming = Story.HelperNaming.CONSENTED if consent else Story.HelperNaming.REFUSED
    locked.save(update_fields=["helper_naming", "updated_at"])
    if first_answer:
        notify(
            kind=Notification.Kind.STORY_UPDATE,
            recipient=locked.author,
            key=f"story_helper_answered:{locked.public_id}",
            url=reverse("stories:mine"),
            variant="helper_answered",
        )
    cache.forget_published()
    return locked


# --- Moderation -----------------------------------------------------------------------


def _lock_for_moderator(story: Story, moderator: User) -> Story:
    if not can_moderate(moderator):
        raise ServiceError(_("Only moderators can do this."))
    return Story.objects.select_for_update().select_related("author").get(pk=story.pk)


def _tell_author(story: Story, variant: str) -> None:
    notify(
        kind=Notification.Kind.STORY_UPDATE,
        recipient=story.author,
        key=f"story_{variant}:{story.public_id}:{story.moderated_at:%Y%m%d%H%M%S%f}",
        url=reverse("stories:mine"),
        variant=variant,
    )


def _moderated(story: Story, moderator: User, status: Story.Status, note: str = "") -> None:
    kind = {
        Story.Status.PUBLISHED: ModerationAction.Kind.PUBLISH_STORY,
        Story.Status.EDIT_PROPOSED: ModerationAction.Kind.PROPOSE_STORY_EDIT,
        Story.Status.DECLINED: (
            ModerationAction.Kind.TAKE_DOWN_STORY
            if story.status == Story.Status.PUBLISHED
            else ModerationAction.Kind.DECLINE_STORY
        ),
    }[status]
    record_story_action(
        moderator=moderator, kind=kind, story_ref=story.public_id, reason=note.strip()
    )
    story.status = status
    story.moderated_by = moderator
    story.moderated_at = timezone.now()
    story.moderator_note = note.strip()
    story.needs_attention = False


@transaction.atomic
def publish_story(*, moderator: User, story: Story) -> Story:
    locked = _lock_for_moderator(story, moderator)
    if locked.status != Story.Status.PENDING:
        raise ServiceError(_("This story isn't waiting for a moderator."))
    _moderated(locked, moderator, Story.Status.PUBLISHED)
    locked.published_at = timezone.now()
    locked.save()
    _tell_author(locked, "published")
    cache.forget_published()
    return locked


@transaction.atomic
def propose_edit(*, moderator: User, story: Story, texts: Mapping[str, str], note: str) -> Story:
    """Suggest an edit for privacy (a name, a place): published only if the author agrees."""
    locked = _lock_for_moderator(story, moderator)
    if locked.status != Story.Status.PENDING:
        raise ServiceError(_("This story isn't waiting for a moderator."))
    cleaned = clean_texts(texts)
    if cleaned == locked.texts():
        raise ServiceError(_("The suggested version is the same as the story."))
    if not note.strip():
        raise ServiceError(_("Please write a short, kind note saying why: the author reads it."))
    _moderated(locked, moderator, Story.Status.EDIT_PROPOSED, note)
    locked.proposed = cleaned
    locked.save()
    _tell_author(locked, "edit_proposed")
    return locked


@transaction.atomic
def answer_proposed_edit(*, story: Story, by: User, agree: bool) -> Story:
    """The author agrees (the edited story is published) or not (it stays theirs,
    unpublished; they can change it themselves or withdraw it)."""
    locked = _lock_own(story, by)
    if locked.status != Story.Status.EDIT_PROPOSED:
        raise ServiceError(_("There is no suggested change waiting for you."))
    if agree:
        for name, text in clean_texts(locked.proposed).items():
            setattr(locked, name, text)
        locked.status = Story.Status.PUBLISHED
        locked.published_at = timezone.now()
    else:
        locked.status = Story.Status.DECLINED
    locked.proposed = {}
    locked.save()
    cache.forget_published()
    return locked


@transaction.atomic
def decline_story(*, moderator: User, story: Story, note: str) -> Story:
    """Not published, with a kind note the author reads."""
    locked = _lock_for_moderator(story, moderator)
    if locked.status not in (Story.Status.PENDING, Story.Status.PUBLISHED):
        raise ServiceError(_("This story isn't waiting for a moderator."))
    if not note.strip():
        raise ServiceError(_("Please write a short, kind note: the author reads it."))
    _moderated(locked, moderator, Story.Status.DECLINED, note)
    locked.published_at = None
    locked.save()
    _tell_author(locked, "declined")
    cache.forget_published()
    return locked


# --- "I've been there too" ------------------------------------------------------------------


@transaction.atomic
def say_been_there(*, user: User, help_request: HelpRequest) -> bool:
    """One button, no text. Returns whether it is new. The asker hears of it at
    most once a day, and only if they chose to."""
    check_can_post(user)
    if help_request.author_id == user.pk:
        raise ServiceError(_("This is your own request."))
    if help_request.is_hidden or not help_request.is_open:
        raise ServiceError(_("This request isn't open any more."))
    _row, created = BeenThere.objects.get_or_create(help_request=help_request, user=user)
    if created:
        asker = help_request.author
        notify(
            kind=Notification.Kind.BEEN_THERE,
            recipient=asker,
            # At most one a day for each asker, whichever request it was about.
            key=f"been_there:{asker.pk}:{timezone.now():%Y-%m-%d}",
            url=help_request.get_absolute_url(),
            help_request=help_request,
        )
    return created


@transaction.atomic
def take_back_been_there(*, user: User, help_request: HelpRequest) -> bool:
    deleted, _rows = BeenThere.objects.filter(help_request=help_request, user=user).delete()
    return bool(deleted)


# --- The gentle note to people who help --------------------------------------------------


def send_gentle_notes() -> int:
    """Once ever, to each helper whose accepted help ended in a resolved request
    several times: the same courage is welcome in the other direction. Opt-out
    by the preference (an opt-in kind: "don't email me" means no note at all)."""
    helpers = (
        Offer.objects.filter(
            status=Offer.Status.ACCEPTED,
            request__status=HelpRequest.Status.RESOLVED,
            helper__is_active=True,
        )
        .values("helper_id")
        .annotate(times=Count("pk"))
        .filter(times__gte=settings.BOARD_GENTLE_NOTE_AFTER)
        .values_list("helper_id", flat=True)
    )
    told = set(
        Notification.objects.filter(kind=Notification.Kind.CAN_ASK_TOO).values_list(
            "recipient_id", flat=True
        )
    )
    sent = 0
    for user in User.objects.filter(pk__in=list(helpers)).exclude(pk__in=told):
        with transaction.atomic():
            if notify(
                kind=Notification.Kind.CAN_ASK_TOO,
                recipient=user,
                key=f"can_ask_too:{user.pk}",
                url=reverse("requests:create"),
            ):
                sent += 1
    return sent
