"""The rules of stories and thank-you notes are written once, in the models and the
services; the form and the serializers show the same limits and sentences."""

import pytest

from board.errors import Invalid, NotAllowed
from requests import thanks
from requests.models import ThankYou
from stories import services
from stories.forms import StoryForm
from stories.models import Story
from stories.serializers import StoryTextsIn, ThankYouIn
from tests.support.personas import accepted


def test_the_answers_limit_is_the_models_everywhere():
    limit = Story._meta.get_field("hard_to_ask").max_length
    too_long = {"hard_to_ask": "x" * (limit + 1)}
    sentence = f"Please keep this to {limit} characters or fewer (it has {limit + 1})."
    with pytest.raises(Invalid, match=r"Please keep this to") as refused:
        services.clean_texts(too_long)
    assert str(refused.value) == sentence
    assert refused.value.field == "hard_to_ask"
    form = StoryForm(too_long)
    assert not form.is_valid() and form.errors["hard_to_ask"] == [sentence]
    data = StoryTextsIn(data=too_long)
    assert not data.is_valid() and data.errors["hard_to_ask"] == [sentence]


def test_at_least_one_answer_is_the_services_rule():
    with pytest.raises(Invalid, match="Please answer at least one") as refused:
        services.clean_texts({"hard_to_ask": "   "})
    assert refused.value.field == "hard_to_ask"
    # The edges leave it to the service rather than saying it again.
    assert StoryForm({}).is_valid()
    assert StoryTextsIn(data={}).is_valid()


def test_the_thank_you_serializer_says_what_the_model_says():
    field = ThankYou._meta.get_field("body")
    too_long = ThankYouIn(data={"body": "x" * (field.max_length + 1)})
    assert not too_long.is_valid()
    assert too_long.errors["body"] == [
        f"Please keep your note to {field.max_length} characters or fewer "
        f"(it has {field.max_length + 1})."
    ]
    empty = ThankYouIn(data={"body": ""})
    assert not empty.is_valid()
    assert empty.errors["body"] == [str(field.error_messages["blank"])]


def test_only_the_asker_may_thank_says_the_service(asker, helper):
    _request, offer = accepted(asker, helper)
    with pytest.raises(NotAllowed, match="Only the person who asked"):
        thanks.send_thank_you(offer=offer, by=helper, body="Thanks to me!")
    assert not ThankYou.objects.exists()
