"""Input and output serializers for stories, thank-you notes, "been there too" and
the public figures. Shapes only: the rules are in the services."""

from __future__ import annotations

from rest_framework import serializers

from board.fields import text_rules
from requests.models import ThankYou
from stories.models import Story


def _prompt(help_text: str = "") -> serializers.CharField:
    """One answer, with the length rule and sentence of the model's field ("at least
    one answer" is the service's to say)."""
    return serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=help_text,
        **text_rules(Story, "hard_to_ask"),
    )


class StoryTextsIn(serializers.Serializer):
    hard_to_ask = _prompt("What made it hard to ask? Answer at least one of the three.")
    when_i_did = _prompt("What happened when you did?")
    to_someone_hesitating = _prompt("What would you tell someone who is hesitating?")
    category = serializers.SlugField(required=False, allow_null=True, default=None)
    show_name = serializers.BooleanField(
        required=False, default=False, help_text="Show your display name instead of an alias."
    )


class StoryIn(StoryTextsIn):
    request = serializers.CharField(help_text="The id of your resolved request (never shown).")
    name_helper = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Ask your helper, through the board, whether the story may name them.",
    )


class StoryOut(serializers.Serializer):
    """A published story as anyone sees it: no request, no author unless they chose."""

    id = serializers.CharField(source="public_id")
    author_name = serializers.CharField()
    helper_name = serializers.CharField(help_text="Empty unless the helper agreed to be named.")
    category = serializers.CharField(help_text="The category's name, or empty.")
    hard_to_ask = serializers.CharField()
    when_i_did = serializers.CharField()
    to_someone_hesitating = serializers.CharField()
    published_at = serializers.DateTimeField()


class MyStoryOut(serializers.Serializer):
    """Your own story, with where it stands."""

    id = serializers.CharField(source="public_id")
    status = serializers.CharField()
    alias = serializers.CharField()
    show_name = serializers.BooleanField()
    category = serializers.SlugField(source="category.slug", allow_null=True, default=None)
    hard_to_ask = serializers.CharField()
    when_i_did = serializers.CharField()
    to_someone_hesitating = serializers.CharField()
    helper_naming = serializers.CharField()
    moderator_note = serializers.CharField()
    proposed = serializers.DictField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)


class ThankYouIn(serializers.ModelSerializer):
    """The note's length and "a few words" rules and sentences are ThankYou.body's
    (requests.thanks checks them again, for every caller)."""

    resolve = serializers.BooleanField(
        required=False, default=False, help_text="Also mark the request as resolved."
    )

    class Meta:
        model = ThankYou
        fields = ["body", "resolve"]
        extra_kwargs = {"body": text_rules(ThankYou, "body")}


class ThankYouOut(serializers.Serializer):
    conversation = serializers.CharField(source="offer.public_id")
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class BeenThereOut(serializers.Serializer):
    said = serializers.BooleanField(help_text="Whether you said it on this request.")
    count = serializers.IntegerField(
        allow_null=True, help_text="How many said it: for the request's author only, else null."
    )


class FiguresOut(serializers.Serializer):
    figures = serializers.ListField(
        child=serializers.CharField(),
        help_text="Each figure that rests on enough people, as a sentence.",
    )
