from __future__ import annotations

import unicodedata
from datetime import datetime

from allauth.account.models import EmailAddress
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import DISPLAY_NAME_MAX, User
from board.errors import Invalid, NotAllowed
from notifications.models import HelperSubscription, Notification
from notifications.services import preferences_for

# --- Display names -------------------------------------------------------------------------

# Joiners some scripts need between letters (Persian, Indic, emoji sequences):
# kept in a stored name; every other format character is dropped.
KEPT_FORMAT_CHARACTERS = {"\u200c", "\u200d"}
# Letters from other scripts that look like the Latin ones of "anonymous", and
# digits that pass for letters. Not every confusable: enough that the obvious
# lookalikes of the one reserved word fail too.
LOOKALIKES = str.maketrans(
    {
        "\u0430": "a",  # Cyrillic a
        "\u043e": "o",  # Cyrillic o
        "\u0443": "y",  # Cyrillic u (looks like y)
        "\u0455": "s",  # Cyrillic dze
        "\u03bf": "o",  # Greek omicron
        "\u03c5": "u",  # Greek upsilon
        "\u03bd": "v",  # Greek nu
        "0": "o",
    }
)
RESERVED_WORD = "anonymous"


def normalise_display_name(name: str) -> str:
    """The name as stored: NFKC (full-width and styled letters become plain
    ones), without invisible format characters (joiners, bidi controls, soft
    hyphens), control characters, or runs of spaces."""
    name = unicodedata.normalize("NFKC", name)
    name = "".join(
        char
        for char in name
        if char in KEPT_FORMAT_CHARACTERS or unicodedata.category(char) not in ("Cf", "Cc")
    )
    return " ".join(name.split())


def looks_like_an_alias(name: str) -> bool:
    """Whether `name` reads as "Anonymous ..." (an anonymous request's alias): its
    first word, once case, invisible characters, separators ("Anonymous-Otter",
    "Anonymous_Otter", "Anonymous\u2060 Otter") and lookalike letters are set
    aside, is "anonymous"; so is its first word when a capital starts a new one
    ("AnonymousOtter"). ("Anonymousse" is another word.)"""
    visible = "".join(c for c in normalise_display_name(name) if c not in KEPT_FORMAT_CHARACTERS)
    camel_split = "".join(
        f" {char}" if index and visible[index - 1].islower() and char.isupper() else char
        for index, char in enumerate(visible)
    )
    return any(_first_word(text) == RESERVED_WORD for text in (visible, camel_split))


def _first_word(text: str) -> str:
    folded = text.casefold().translate(LOOKALIKES)
    words = "".join(char if char.isalnum() else " " for char in folded).split()
    return words[0] if words else ""


def check_display_name(name: str) -> str:
    """The name normalised, or Invalid (on `display_name`) saying why it can't be used."""
    name = normalise_display_name(name)
    if not name:
        raise Invalid(_("Please choose a name others can call you."), field="display_name")
    if looks_like_an_alias(name):
        # "Anonymous Otter" would pass for an anonymous request's alias.
        raise Invalid(
            _("“Anonymous” is kept for anonymous requests. Please choose another name."),
            field="display_name",
        )
    if len(name) > DISPLAY_NAME_MAX:
        raise Invalid(
            _("Please choose a name of at most %(max)d characters.") % {"max": DISPLAY_NAME_MAX},
            field="display_name",
        )
    return name


def update_profile(*, user: User, display_name: str) -> User:
    """Set `user`'s display name: the one writer of it, for sign-up, the
    settings page, the API and the admin alike."""
    user.display_name = check_display_name(display_name)
    user.save(update_fields=["display_name"])
    return user


# --- Data rights: download my data, delete my account -----------------------------------

DELETED_ACCOUNT_EMAIL = "deleted-account@placeholder.invalid"
DELETED_NOTE = "This person deleted their account."


# A field's name in the export, where it is not the model's.
EXPORT_NAMES = {"is_anonymous": "anonymous"}


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _exported(value: object) -> object:
    """A field's value as the export writes it: a related row (a category) by its name."""
    return str(value) if isinstance(value, models.Model) else value


def export_user_data(user: User) -> dict:
    """Everything the board keeps about `user`, for them to download: their
    account, their requests (anonymous ones too), their offers, their own
    messages and their notifications. Nothing another person wrote, and no
    other person's name or address."""
    # local import: the apps whose rows the export reads sit above accounts in the
    # import order (README), so each is imported at call time.
    from requests.models import HelpRequest, Message, Offer
    from stories.export import stories_data  # local import: stories imports accounts

    subscription = HelperSubscription.objects.filter(user=user).first()
    requests = HelpRequest.objects.filter(author=user).select_related("category")
    offers = Offer.objects.filter(helper=user).select_related("request")
    messages = Message.objects.filter(sender=user).select_related("offer__request")
    # Not the rows withheld from them (an offer from someone they blocked).
    notifications = Notification.objects.filter(recipient=user, withheld=False).select_related(
        "help_request"
    )
    return {
        "format": "peer-support-board export, version 1",
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
            "full_emails": user.full_emails,
            "email_addresses": [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
            "notification_preferences": preferences_for(user),
            "subscription": None
            if subscription is None
            else {
                "is_active": subscription.is_active,
                "categories": [c.name for c in subscription.categories.all()],
                "response_kinds": list(subscription.response_kinds),
                "created_at": _when(subscription.created_at),
            },
        },
        "requests": [
            {
                "id": r.public_id,
                # What they wrote: every field the asker writes (HelpRequest.EDITABLE_FIELDS).
                **{
                    EXPORT_NAMES.get(name, name): _exported(getattr(r, name))
                    for name in HelpRequest.EDITABLE_FIELDS
                },
                "status": r.status,
                "hidden_by_moderator": r.is_hidden,
                "created_at": _when(r.created_at),
                "updated_at": _when(r.updated_at),
                "resolved_at": _when(r.resolved_at),
                "expires_at": _when(r.expires_at),
            }
            for r in requests.order_by("created_at", "pk")
        ],
        "offers": [
            {
                "id": o.public_id,
                "request": {"id": o.request.public_id, "title": o.request.title},
                "message": o.message,
                "status": o.status,
                "created_at": _when(o.created_at),
                "updated_at": _when(o.updated_at),
            }
            for o in offers.order_by("created_at", "pk")
        ],
        # Only the person's own words: the other side of a conversation is
        # the other person's.
        "messages": [
            {
                "conversation": m.offer.public_id,
                "request": m.offer.request.public_id,
                "body": m.body,
                "sent_at": _when(m.created_at),
            }
            for m in messages.order_by("created_at", "pk")
        ],
        "notifications": [
            {
                "kind": n.kind,
                "request": n.help_request.public_id if n.help_request else None,
                "created_at": _when(n.created_at),
                "read_at": _when(n.read_at),
                "email": n.delivery,
                "email_state": n.state,
                "emailed_at": _when(n.sent_at),
            }
            for n in notifications.order_by("created_at", "pk")
        ],
        # Thank-you notes written and received, stories, "been there too".
        **stories_data(user),
    }


def deleted_account_placeholder() -> User:
    """The inactive account that keeps what a deleted person chose to leave
    (their requests, anonymised) and stands in for them in other people's
    conversations. One per deployment, made when first needed; nobody can
    sign in as it and it is never notified (it is inactive)."""
    placeholder, created = User.objects.get_or_create(
        email=DELETED_ACCOUNT_EMAIL,
        defaults={"display_name": "Former member", "is_active": False},
    )
    if created:
        placeholder.set_unusable_password()
        placeholder.save(update_fields=["password"])
    return placeholder


@transaction.atomic
def delete_account(user: User, *, keep_requests: bool) -> None:
    """Delete `user` for good.

    - keep_requests=True: their requests stay on the board, anonymous and
      detached from them (moved to the placeholder account), and otherwise
      exactly as they were. keep_requests=False: their requests go, with the
      offers and conversations on them.
    - Conversations where they were known by name (they were the helper, the
      request was named, or they had shown their name to that helper) keep the
      other person's side; their own messages are deleted and a note says that
      they deleted their account.
    - Conversations on their kept anonymous requests where they were not known
      by name do not change at all: their messages stay, detached from them
      exactly like the request's text (sent by the placeholder, which is the
      request's author now, so they still show under the request's alias),
      their thank-you notes there stay too, and no note is added.
    - Their offers on other people's requests lose their words and are
      withdrawn (an accepted one frees the request to find help again).
    - Their notifications, preferences, subscription, email addresses and
      account emails are deleted; other people's notifications lose any
      excerpt of what they wrote, except of the messages that stay.

    Kept requests must not be tied together by the deletion (issue 8): anyone who
    saw one of them named, or who polls the API, would otherwise pick out the
    person's anonymous requests as the ones that all changed in the same instant.
    So nothing public changes on them: no status change, no `updated_at` (a
    queryset update, which leaves it alone), no new count. Only a named request
    changes, to anonymous, as the person asked; that change is on their named
    requests alone, which were already known to be theirs. Open requests then run
    their ordinary course, each on its own clock: helpers' offers wait, and are
    declined kindly ("not taken up") when the request closes after its quiet
    period, exactly as with an asker who stopped answering. Nor may a helper's
    conversations be tied together: a note appearing (and the person's words
    vanishing) at one instant in a conversation on a named request and in one on
    an anonymous request, or in two on anonymous requests, would tell a helper who
    talked in both that they were one person. So the only conversations that
    change are those where the helper already knew the person by name.

    What remains (keep_requests=False): the person's requests, anonymous ones
    included, disappear from the board in one transaction, so someone who watched
    the board closely could guess that requests vanishing at the same moment were
    one person's. The delete page says so beside that choice; keeping the requests
    is the choice that links nothing.
    """
    # local import: the apps whose rows a deletion changes sit above accounts in the
    # import order (README), so each is imported at call time.
    from moderation.rules import named_in  # local import: as above
    from requests.models import HelpRequest, Message, Offer  # local import: as above
    from requests.services import withdraw_offer  # local import: as above
    from stories.export import forget_user  # local import: stories imports accounts

    placeholder = deleted_account_placeholder()
    if user.pk == placeholder.pk:
        raise NotAllowed(_("The placeholder account cannot be deleted this way."))
    user = User.objects.select_for_update().get(pk=user.pk)
    now = timezone.now()
    own_requests = HelpRequest.objects.select_for_update().filter(author=user)
    # Conversations on their kept requests where the helper never knew their name:
    # these stay exactly as they are, thank-you notes included (see the docstring).
    unchanged: set[int] = set()
    if keep_requests:
        unchanged = {
            offer.pk
            for offer in Offer.objects.filter(request__author=user).select_related("request")
            if not named_in(offer, user.pk)
        }
    # First, while their requests and offers still name them: thank-you notes they
    # wrote or received, their stories and "been there too" (gone from every page
    # and cache at once).
    forget_user(user, keeping_notes_on=unchanged)
    their_messages = Message.objects.filter(sender=user)
    staying = their_messages.filter(offer_id__in=unchanged)
    going = their_messages.exclude(offer_id__in=unchanged)

    # Other people's notifications quote offers and messages in fuller emails.
    their_offer_ids = list(Offer.objects.filter(helper=user).values_list("public_id", flat=True))
    quoted = [f"offer_received:{public_id}" for public_id in their_offer_ids]
    quoted += [f"message_received:{pk}" for pk in going.values_list("pk", flat=True)]
    Notification.objects.filter(key__in=quoted).update(payload={})

    # Conversations where they were known by name: theirs removed, a note left for
    # the other person. The others keep their words, now the placeholder's.
    conversations = set(going.values_list("offer_id", flat=True)) | set(
        Offer.objects.filter(helper=user).values_list("pk", flat=True)
    )
    going.delete()
    staying.update(sender=placeholder)

    if keep_requests:
        # A queryset update: no save(), so `updated_at` keeps its value.
        own_requests.update(author=placeholder, is_anonymous=True)
    else:
        gone = list(own_requests.values_list("pk", flat=True))
        conversations -= set(Offer.objects.filter(request_id__in=gone).values_list("pk", flat=True))
        own_requests.delete()

    # Their offers of help on other people's requests: withdrawn by the usual
    # rule (an accepted one reopens the request), then emptied of their words.
    # On a finished request offers are final, so those stay as they were.
    for offer in Offer.objects.filter(helper=user).live().select_related("request"):
        if offer.can_withdraw:
            withdraw_offer(offer=offer, by=user)
    Offer.objects.filter(helper=user).update(
        helper=placeholder, message=DELETED_NOTE, updated_at=now
    )

    still_there = Offer.objects.filter(pk__in=conversations).values_list("pk", flat=True)
    Message.objects.bulk_create(
        Message(offer_id=offer_id, sender=placeholder, body=DELETED_NOTE, created_at=now)
        for offer_id in sorted(still_there)
    )
    Notification.objects.filter(to_email__iexact=user.email).delete()
    # Cascades: notifications to them, preferences, subscription, email addresses.
    user.delete()
