from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from django.apps import apps
from django.conf import settings
from django.core.validators import BaseValidator, MaxLengthValidator, MinLengthValidator
from django.db import connection, models
from django.db.models import BooleanField, FloatField, Q
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from board.fields import PlainCharField, PlainTextField, opaque_id
from requests import search

if TYPE_CHECKING:  # a development dependency (django-stubs), for annotations only
    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import StrOrPromise

    # accounts builds on this module: the type is for annotations only.
    from accounts.models import User

TITLE_MIN, TITLE_MAX = 5, 120
BODY_MIN, BODY_MAX = 20, 5000
OFFER_MESSAGE_MIN, OFFER_MESSAGE_MAX = 10, 2000
MESSAGE_MAX = 4000

# What a person is told when their text breaks a length rule, written once: the model
# fields below carry these rules, the services check them (board.errors.validate)
# before every write, and the forms and the API take their limits from the fields.
EMPTY = _("This can't be empty. A few words are enough.")
TOO_SHORT = _("Please write at least %(limit_value)d characters (it has %(show_value)d).")
TOO_LONG = _("Please keep this to %(limit_value)d characters or fewer (it has %(show_value)d).")
CHOOSE_CATEGORY = _("Please choose what your request is about.")
CHOOSE_KIND = _("Please choose the kind of response you'd like.")


def length_rules(
    minimum: int | None, maximum: int, too_long: StrOrPromise = TOO_LONG
) -> list[BaseValidator]:
    """Validators for text of `minimum` to `maximum` characters (a TextField's
    max_length alone is not checked by the model, only by its form field)."""
    rules: list[BaseValidator] = [MaxLengthValidator(maximum, message=too_long)]
    if minimum:
        rules.insert(0, MinLengthValidator(minimum, message=TOO_SHORT))
    return rules


def default_expiry() -> datetime:
    return timezone.now() + timedelta(days=settings.BOARD_REQUEST_LIFETIME_DAYS)


# An alias is "Anonymous <adjective> <noun> <number>": 100 x 100 x 90 = 900,000 of them,
# so that one person's requests repeat an alias by chance about once in 20,000 pairs
# (tests/anonymity_extra/test_alias.py measures the rate). With a short list, repeats
# were common, and a repeat looks like a link even when it is chance.
ALIAS_ADJECTIVES = (
    "Amber", "Ample", "Autumn", "Blithe", "Bold", "Bright", "Brisk", "Calm", "Candid", "Caring",
    "Cheery", "Clear", "Cosy", "Daring", "Dawn", "Deep", "Dewy", "Drifting", "Dusky", "Eager",
    "Early", "Earnest", "Easy", "Evening", "Fair", "Faithful", "Fleet", "Fond", "Free", "Fresh",
    "Friendly", "Gentle", "Gilded", "Glad", "Golden", "Graceful", "Green", "Hardy", "Hazy",
    "Hearty", "Hidden", "Honest", "Hopeful", "Humble", "Jolly", "Kind", "Lively", "Loyal",
    "Lucky", "Mellow", "Merry", "Mild", "Misty", "Modest", "Morning", "Mossy", "Noble",
    "Northern", "Open", "Patient", "Peaceful", "Plucky", "Quiet", "Rainy", "Ready", "Restful",
    "Rosy", "Rustling", "Sandy", "Serene", "Shady", "Silver", "Simple", "Sincere", "Snowy",
    "Soft", "Southern", "Spring", "Starry", "Steady", "Still", "Stout", "Summer", "Sunny",
    "Sure", "Sweet", "Tender", "Thoughtful", "Tidy", "True", "Trusty", "Valiant", "Warm",
    "Wandering", "Willing", "Windy", "Winter", "Wise", "Woodland", "Young",
)  # fmt: skip
ALIAS_NOUNS = (
    "Alder", "Aspen", "Badger", "Beech", "Birch", "Bittern", "Bluebell", "Bramble", "Brook",
    "Bunting", "Cedar", "Clover", "Comet", "Cove", "Crane", "Curlew", "Daisy", "Dipper", "Dove",
    "Dune", "Egret", "Elm", "Ember", "Falcon", "Fern", "Finch", "Fjord", "Fox", "Gannet",
    "Glade", "Grebe", "Hare", "Harbour", "Hawthorn", "Hazel", "Heath", "Hedgehog", "Heron",
    "Holly", "Iris", "Ivy", "Jay", "Juniper", "Kestrel", "Kingfisher", "Lantern", "Lark",
    "Laurel", "Linden", "Linnet", "Lupin", "Maple", "Marten", "Meadow", "Merlin", "Minnow",
    "Moss", "Moth", "Nightjar", "Oak", "Orchard", "Osprey", "Otter", "Owl", "Pebble", "Pine",
    "Plover", "Pond", "Poppy", "Puffin", "Quail", "Rain", "Raven", "Reed", "Ridge", "River",
    "Robin", "Rowan", "Sage", "Sandpiper", "Shore", "Skylark", "Sorrel", "Sparrow", "Spruce",
    "Starling", "Stone", "Swallow", "Swift", "Teal", "Thistle", "Thrush", "Tide", "Vale",
    "Vole", "Willow", "Wren", "Yarrow", "Yew", "Zephyr",
)  # fmt: skip
ALIAS_NUMBERS = range(10, 100)


def new_alias() -> str:
    """A per-request name for an anonymous asker: stable within the request and
    its conversations, chosen at random so it links nothing across requests."""
    adjective = secrets.choice(ALIAS_ADJECTIVES)
    noun = secrets.choice(ALIAS_NOUNS)
    return f"Anonymous {adjective} {noun} {secrets.choice(ALIAS_NUMBERS)}"


def new_public_id() -> str:
    """An opaque, unguessable id for URLs (the migrations name this function)."""
    return opaque_id()


class Category(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class HelpRequestQuerySet(models.QuerySet["HelpRequest"]):
    def visible(self) -> HelpRequestQuerySet:
        return self.filter(is_hidden=False)

    def open(self) -> HelpRequestQuerySet:
        return self.filter(status=HelpRequest.Status.OPEN)

    def for_board(self, viewer: User | AnonymousUser | None = None) -> HelpRequestQuerySet:
        """What the public board lists: visible requests, author loaded for named ones.
        For a signed-in `viewer`, without the named requests of people they blocked
        (one subquery, not a list: the board's query count stays the same)."""
        queryset = self.visible().select_related("category", "author")
        if viewer is not None and viewer.is_authenticated:
            # Blocks live in the moderation app, which builds on this module: looked
            # up by name through the app registry, not imported (that would be a circle).
            block = apps.get_model("moderation", "Block")
            blocked = block.objects.filter(blocker=viewer, hides_content=True).values("blocked")
            # Anonymous requests stay: hiding them would tell who wrote them.
            queryset = queryset.exclude(is_anonymous=False, author__in=blocked)
        return queryset.order_by("-created_at", "-pk")

    def authored_by(self, user: User) -> HelpRequestQuerySet:
        return self.filter(author=user)

    def search(self, text: str) -> HelpRequestQuerySet:
        """Requests matching `text` (web-search syntax: words, "phrases", -word, or),
        most relevant first (a title match before a body match), then newest.
        Answered from the full-text index on PostgreSQL and SQLite alike."""
        parsed = search.parse(text)
        if parsed.is_empty:
            return self.none()
        # The SQL below is built from the table's name only; the person's text is
        # always a bound parameter (hence the S610/S611 waivers).
        table = self.model._meta.db_table
        ranked = ("-search_rank", "-created_at", "-pk")
        if connection.vendor == "postgresql":
            tsquery = "websearch_to_tsquery('english'::regconfig, %s)"
            matches = RawSQL(  # noqa: S611  # nosec B611
                f"{table}.search_vector @@ {tsquery}", [text], output_field=BooleanField()
            )
            rank = RawSQL(  # noqa: S611  # nosec B611
                f"ts_rank({table}.search_vector, {tsquery})", [text], output_field=FloatField()
            )
            return self.filter(matches).annotate(search_rank=rank).order_by(*ranked)
        fts = f"{table}_fts"
        # A join on the FTS5 table (not a subquery per row) so bm25 is computed once
        # per match; title hits weigh ten times body hits. Lower bm25 is better.
        matching = self.extra(  # noqa: S610  # nosec B610
            tables=[fts],
            where=[f"{fts}.rowid = {table}.id", f"{fts} MATCH %s"],
            params=[search.fts5_query(parsed)],
            select={"search_rank": f"-bm25({fts}, 10.0, 1.0)"},
        )
        # django-stubs types extra() as a plain QuerySet[Any]; it returns this class.
        return cast(HelpRequestQuerySet, matching.order_by(*ranked))


class HelpRequest(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MATCHED = "matched", _("Matched with a helper")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        EXPIRED = "expired", _("Expired")

    class ResponseKind(models.TextChoices):
        LISTEN = "listen", _("Just listen")
        PRACTICAL = "practical", _("Practical help")
        ADVICE = "advice", _("Advice")

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="help_requests"
    )
    is_anonymous = models.BooleanField(_("post anonymously"), default=False)
    title = PlainCharField(
        _("title"),
        max_length=TITLE_MAX,
        validators=length_rules(TITLE_MIN, TITLE_MAX),
        error_messages={"blank": EMPTY},
    )
    body = PlainTextField(
        _("what's going on"),
        max_length=BODY_MAX,
        validators=length_rules(BODY_MIN, BODY_MAX),
        error_messages={"blank": EMPTY},
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("category"),
        error_messages={"null": CHOOSE_CATEGORY, "blank": CHOOSE_CATEGORY},
    )
    response_kind = models.CharField(
        _("kind of response wanted"),
        max_length=16,
        choices=ResponseKind.choices,
        error_messages={"blank": CHOOSE_KIND},
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    # How many people offered (withdrawn offers do not count). Kept by the
    # services so that the board can list and filter without counting rows.
    offer_count = models.PositiveIntegerField(_("offers"), default=0)
    is_hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    # What others call an anonymous asker in this request only.
    alias = models.CharField(_("alias"), max_length=40, default=new_alias, editable=False)
    # Set when the text suggests someone may be in danger: moderators look first.
    needs_attention = models.BooleanField(_("needs a moderator's attention"), default=False)
    created_at = models.DateTimeField(_("posted"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    # An open request closes quietly after a while unless the asker says it is
    # still needed; they are told a few days before.
    expires_at = models.DateTimeField(_("closes"), default=default_expiry)
    expiry_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When a request with no offers was shown again to helpers (once only).
    resurfaced_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = HelpRequestQuerySet.as_manager()

    # What the asker writes, listed once: the form, the API (create and change), the
    # services, the admin and the data export all take this list, and each field's
    # rules (length, content) and their sentences are on the field above.
    EDITABLE_FIELDS = ("title", "body", "category", "response_kind", "is_anonymous")

    class Meta:
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        ordering = ["-created_at"]
        permissions = [
            # The audited break-glass look (moderation.services.reveal_author).
            ("reveal_author", _("Can see who wrote an anonymous request (recorded)")),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="request_status_created"),
            models.Index(
                fields=["category", "status", "-created_at"], name="request_category_status"
            ),
            models.Index(fields=["author", "-created_at"], name="request_author_created"),
            # The board's listing (visible requests of one status, newest first,
            # in the exact order of `for_board`): a page reads 20 index entries
            # instead of sorting every open request, and the filters' counts
            # (kind, no offers yet) are answered from the index alone. The
            # trailing is_hidden lets SQLite see the index as covering.
            models.Index(
                fields=[
                    "status",
                    "-created_at",
                    "-id",
                    "response_kind",
                    "offer_count",
                    "category",
                    "is_hidden",
                ],
                condition=Q(is_hidden=False),
                name="request_board",
            ),
            # The same for "any status".
            models.Index(
                fields=["-created_at", "-id", "is_hidden"],
                condition=Q(is_hidden=False),
                name="request_board_any_status",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("requests:detail", args=[self.public_id])

    @property
    def public_author_name(self) -> str:
        """The name everyone but the author sees."""
        if self.is_anonymous:
            return self.alias
        return self.author.display_name

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.MATCHED)

    @property
    def is_finished(self) -> bool:
        """Resolved, closed or expired: its offers are final."""
        return not self.is_editable


def seen_by_asker_q(prefix: str = "") -> Q:
    """The rule "the asker sees this offer" as a filter, for offers reached through
    `prefix` (e.g. "offers__" from a request): not held for or hidden by a moderator,
    nor a shadow offer (made by someone the asker blocked, moderation.rules)."""
    return Q(**{f"{prefix}{name}": False for name in ("held_for_review", "is_hidden", "shadowed")})


def asker_offer_count() -> models.Count:
    """How many offers the asker sees on a request, not counting withdrawn ones (as
    `HelpRequest.offer_count` doesn't): the count on the asker's own pages."""
    return models.Count(
        "offers", filter=seen_by_asker_q("offers__") & ~Q(offers__status="withdrawn")
    )


class OfferQuerySet(models.QuerySet["Offer"]):
    def live(self) -> OfferQuerySet:
        return self.filter(status__in=Offer.LIVE_STATUSES)

    def involving(self, user: User) -> OfferQuerySet:
        """Offers `user` may see: the ones they made and the ones on their requests."""
        return self.filter(Q(helper=user) | Q(request__author=user))

    def seen_by_asker(self) -> OfferQuerySet:
        """Offers the asker sees (the one rule; Offer.seen_by_asker is its twin for
        one offer): not held for or hidden by a moderator, nor a shadow offer."""
        return self.filter(seen_by_asker_q())


class Offer(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the asker")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Not taken up")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class DeclineReason(models.TextChoices):
        NOT_TAKEN = (
            "not_taken",
            _("Thank you for offering. The asker isn't taking up this offer this time."),
        )
        FOUND_HELP = (
            "found_help",
            _("Thank you for offering. The asker has found the help they needed."),
        )
        # The request closed after a quiet period before the asker answered: the
        # asker did nothing, and reopening the request makes the offer live again.
        EXPIRED = (
            "expired",
            _(
                "Thank you for offering. The request closed after a quiet period before the "
                "asker answered; if they reopen it, your offer will be waiting again."
            ),
        )
        NOT_APPROVED = (
            "not_approved",
            _("A moderator didn't pass this offer on, so the asker hasn't seen it."),
        )

    LIVE_STATUSES = (Status.PENDING, Status.ACCEPTED)

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="offers")
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="offers"
    )
    message = PlainTextField(
        _("your message"),
        max_length=OFFER_MESSAGE_MAX,
        validators=length_rules(OFFER_MESSAGE_MIN, OFFER_MESSAGE_MAX),
        error_messages={"blank": EMPTY},
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    decline_reason = models.CharField(max_length=16, choices=DeclineReason.choices, blank=True)
    # An anonymous asker may show their display name to the helper they accepted.
    asker_revealed_at = models.DateTimeField(_("asker revealed their name"), null=True, blank=True)
    # First offers of a new helper can wait for a moderator before the asker sees them.
    held_for_review = models.BooleanField(_("waiting for a moderator"), default=False)
    is_hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    # Made by someone the asker blocked, on a request where telling them "no" would
    # say who asked: it looks like any offer to its helper, and the asker never sees
    # it nor hears of it (moderation.rules).
    shadowed = models.BooleanField(_("kept from the asker (blocked)"), default=False)
    created_at = models.DateTimeField(_("offered"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "helper"],
                condition=Q(status__in=["pending", "accepted"]),
                name="one_live_offer_per_helper",
            ),
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status="accepted"),
                name="one_accepted_offer_per_request",
            ),
        ]
        indexes = [models.Index(fields=["helper", "-created_at"], name="offer_helper_created")]

    def __str__(self) -> str:
        return f"Offer {self.public_id}"

    def get_absolute_url(self) -> str:
        return reverse("requests:offer", args=[self.public_id])

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    @property
    def status_label(self) -> str:
        """The status as people read it: an offer closed because its request
        expired was not "not taken up" (the asker never answered)."""
        if (
            self.status == self.Status.DECLINED
            and self.decline_reason == self.DeclineReason.EXPIRED
        ):
            return str(_("Closed with the request"))
        return str(self.get_status_display())

    @property
    def seen_by_asker(self) -> bool:
        """Whether the asker sees this offer: not held for or hidden by a moderator,
        nor a shadow offer (OfferQuerySet.seen_by_asker is the same rule in SQL)."""
        return self.passed_on and not self.shadowed

    @property
    def passed_on(self) -> bool:
        """Whether the offer reached the asker as far as its helper can know: not
        held for or hidden by a moderator. What the helper is shown and told uses
        this, never `seen_by_asker`, so a shadow offer reads like any other to them."""
        return not self.held_for_review and not self.is_hidden

    @property
    def helper_status_label(self) -> str:
        """The offer's state as its helper should read it: a held offer waits for a
        moderator, not for the asker; one a moderator didn't pass on was never
        seen by the asker, so it wasn't "not taken up" by them."""
        if self.held_for_review and self.status == self.Status.PENDING:
            return str(_("Waiting for a moderator"))
        if self.decline_reason == self.DeclineReason.NOT_APPROVED:
            return str(_("Not passed on"))
        return self.status_label

    # What each state allows. The pages show an action only when it is allowed,
    # and the services refuse it otherwise: both ask these, so the rule lives once.

    @property
    def can_message(self) -> bool:
        return (
            self.is_live
            and not self.held_for_review
            and not self.is_hidden
            and not self.request.is_hidden
            and self.request.is_editable
        )

    @property
    def can_withdraw(self) -> bool:
        """The helper may withdraw a live offer while the request is still going;
        once it is resolved, closed or expired, offers are final."""
        return self.is_live and self.request.is_editable

    @property
    def can_answer(self) -> bool:
        """The asker may accept this offer or say "not this time"."""
        return (
            self.status == self.Status.PENDING
            and not self.held_for_review
            and not self.is_hidden
            and self.request.is_open
        )


class Message(models.Model):
    """One message in the private conversation between an asker and a helper."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_messages"
    )
    body = PlainTextField(
        _("message"),
        max_length=MESSAGE_MAX,
        validators=length_rules(None, MESSAGE_MAX),
        error_messages={"blank": EMPTY},
    )
    is_hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    # Written by someone the recipient blocked, where refusing would say who the
    # recipient is: only its sender sees it (moderation.rules).
    shadowed = models.BooleanField(_("kept from the recipient (blocked)"), default=False)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["offer", "created_at"], name="message_offer_created")]

    def __str__(self) -> str:
        return f"Message {self.pk}"


THANK_YOU_MAX = 1000
NOTE_EMPTY = _("Please write a few words before sending.")
NOTE_TOO_LONG = _(
    "Please keep your note to %(limit_value)d characters or fewer (it has %(show_value)d)."
)


class ThankYou(models.Model):
    """A short note from an asker to the helper whose offer they accepted.
    Private to the two of them; one per accepted offer (requests/thanks.py writes it)."""

    offer = models.OneToOneField(Offer, on_delete=models.CASCADE, related_name="thank_you")
    body = PlainTextField(
        _("your note"),
        max_length=THANK_YOU_MAX,
        validators=length_rules(None, THANK_YOU_MAX, too_long=NOTE_TOO_LONG),
        error_messages={"blank": NOTE_EMPTY},
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("thank-you note")
        verbose_name_plural = _("thank-you notes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Thank-you note {self.pk}"
