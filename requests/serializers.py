"""Input and output serializers for the requests API.

Input serializers check the shape of what a client sent, with the limits they
take from the model's fields; the rules (who may do what, when) are in
services.py. Output serializers render what the viewer may see: an anonymous
request's author is null for everyone but its author, and no email address is
ever rendered.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from moderation.models import Report
from requests import selectors
from requests.models import (
    Category,
    HelpRequest,
    Message,
    Offer,
)


def _viewer(serializer: serializers.Serializer) -> User | AnonymousUser | None:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def _viewer_id(serializer: serializers.Serializer) -> int | None:
    user = _viewer(serializer)
    return user.pk if user is not None and user.is_authenticated else None


# --- Output --------------------------------------------------------------------------------


class CategoryOut(serializers.Serializer):
    slug = serializers.SlugField(help_text="Use it to filter the board: `?category=<slug>`.")
    name = serializers.CharField()
    description = serializers.CharField()


class PersonOut(serializers.Serializer):
    """Another person, as the board shows them: a display name, never an email."""

    display_name = serializers.CharField()


class HelpRequestOut(serializers.Serializer):
    id = serializers.CharField(source="public_id", help_text="The request's opaque id.")
    title = serializers.CharField()
    body = serializers.CharField(help_text="Markdown, as written.")
    category = CategoryOut()
    response_kind = serializers.ChoiceField(choices=HelpRequest.ResponseKind.choices)
    status = serializers.ChoiceField(choices=HelpRequest.Status.choices)
    is_anonymous = serializers.BooleanField()
    author = serializers.SerializerMethodField(
        help_text="Null for an anonymous request, except for its author."
    )
    author_name = serializers.SerializerMethodField(
        help_text="For an anonymous request its alias "
        '("Anonymous" or "Anonymous Quiet Sorrel 42"), else the author\'s display name.'
    )
    is_mine = serializers.SerializerMethodField(help_text="Whether you asked this.")
    offer_count = serializers.SerializerMethodField(
        help_text="Offers made (not counting withdrawn). On your own request, in your "
        "requests and on its own page, the offers you can see."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(help_text="When an open request closes quietly.")
    url = serializers.CharField(source="get_absolute_url", help_text="Its page on the board.")

    @extend_schema_field(PersonOut(allow_null=True))
    def get_author(self, help_request: HelpRequest) -> dict | None:
        if help_request.is_anonymous and help_request.author_id != _viewer_id(self):
            return None
        return {"display_name": help_request.author.display_name}

    def get_author_name(self, help_request: HelpRequest) -> str:
        return help_request.public_author_name

    def get_is_mine(self, help_request: HelpRequest) -> bool:
        return help_request.author_id == _viewer_id(self)

    def get_offer_count(self, help_request: HelpRequest) -> int:
        # The public count (shadow offers included, see services.present_offer),
        # unless the view counted what the asker sees (`asker_offer_count`: in the
        # context for one request, annotated by selectors.requests_of for a list).
        if help_request.author_id == _viewer_id(self):
            seen = self.context.get(
                "asker_offer_count", getattr(help_request, "asker_offer_count", None)
            )
            return help_request.offer_count if seen is None else seen
        return help_request.offer_count


class RequestSummaryOut(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=HelpRequest.Status.choices)
    author_name = serializers.CharField(source="public_author_name")
    is_mine = serializers.SerializerMethodField()

    def get_is_mine(self, help_request: HelpRequest) -> bool:
        return help_request.author_id == _viewer_id(self)


class OfferOut(serializers.Serializer):
    id = serializers.CharField(source="public_id", help_text="The offer's opaque id.")
    request = RequestSummaryOut()
    helper = PersonOut()
    message = serializers.CharField()
    status = serializers.ChoiceField(choices=Offer.Status.choices)
    decline_reason = serializers.SerializerMethodField(
        help_text="Why it was not taken up, in the words the helper is shown."
    )
    is_mine = serializers.SerializerMethodField(help_text="Whether you made this offer.")
    can_message = serializers.BooleanField(help_text="Whether the conversation is open.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    url = serializers.CharField(source="get_absolute_url", help_text="Its page on the board.")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_decline_reason(self, offer: Offer) -> str | None:
        return offer.get_decline_reason_display() if offer.decline_reason else None

    def get_is_mine(self, offer: Offer) -> bool:
        return offer.helper_id == _viewer_id(self)


class MessageOut(serializers.Serializer):
    id = serializers.IntegerField(help_text="Used to report a message.")
    sender_name = serializers.SerializerMethodField(
        help_text='"You" for your own; the request\'s alias for an anonymous asker.'
    )
    from_me = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField(
        help_text="The message, or a note if a moderator hid it."
    )
    is_hidden = serializers.BooleanField(help_text="A moderator hid this message.")
    created_at = serializers.DateTimeField()

    def get_from_me(self, message: Message) -> bool:
        return message.sender_id == _viewer_id(self)

    def get_body(self, message: Message) -> str:
        if message.is_hidden:
            return str(_("This message was hidden by a moderator."))
        return message.body

    def get_sender_name(self, message: Message) -> str:
        if message.sender_id == _viewer_id(self):
            return "You"
        offer: Offer = self.context["offer"]
        if message.sender_id == offer.request.author_id:
            # The alias, or the name the asker chose to show this helper.
            return selectors.asker_name_in_conversation(offer)
        return message.sender.display_name


# --- Input ---------------------------------------------------------------------------------


_M = TypeVar("_M", bound=Model)


class SlugField(serializers.SlugRelatedField[_M]):
    """A related object by its slug; text no slug can hold (a NUL byte, which
    PostgreSQL refuses outright) is "not found" before any query."""

    def to_internal_value(self, data: Any) -> _M:
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class HelpRequestIn(serializers.ModelSerializer):
    """What the asker writes: HelpRequest.EDITABLE_FIELDS, with the limits declared
    on the model's fields (the service checks the same rules again, for every caller)."""

    category = SlugField(
        slug_field="slug", queryset=Category.objects.all(), help_text="A category's slug."
    )

    class Meta:
        model = HelpRequest
        fields = HelpRequest.EDITABLE_FIELDS
        extra_kwargs = {
            "body": {"help_text": "Markdown works for lists and links."},
            "is_anonymous": {"help_text": 'Others see "Anonymous" instead of your name.'},
        }


class OfferIn(serializers.ModelSerializer):
    class Meta:
        model = Offer
        fields = ["message"]


class MessageIn(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = ["body"]


# Choice sets named once in the OpenAPI schema (SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
REQUEST_STATUSES = HelpRequest.Status.choices
OFFER_STATUSES = Offer.Status.choices
RESPONSE_KINDS = HelpRequest.ResponseKind.choices


class NoNulCharField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if "\x00" in value:
            self.fail("invalid")
        return value


class ReportIn(serializers.Serializer):
    target = serializers.ChoiceField(
        choices=[("request", "request"), ("offer", "offer"), ("message", "message")],
        help_text="What is being reported.",
    )
    id = NoNulCharField(
        max_length=20, help_text="The request's or offer's id, or the message's numeric id."
    )
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    details = NoNulCharField(max_length=2000, required=False, allow_blank=True, default="")


class ReportOut(serializers.Serializer):
    id = serializers.IntegerField()
    target = serializers.SerializerMethodField()
    reason = serializers.CharField()
    status = serializers.CharField()
    outcome = serializers.CharField(help_text="What the moderators did, once they have looked.")
    created_at = serializers.DateTimeField()

    def get_target(self, report: Report) -> str:
        if report.help_request_id:
            return "request"
        return "offer" if report.offer_id else "message"
