"""Services are the only writers: every rule is checked by the service itself, so a
caller that skips the forms and serializers (a task, the admin, a script) gets the
same answer as the pages and the API, and each posting counts once."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from board.errors import Conflict, Invalid, Limited, NotAllowed
from requests import services
from requests.models import TITLE_MAX, HelpRequest, Offer, ThankYou
from requests.thanks import send_thank_you
from tests.factories import CategoryFactory, HelpRequestFactory, UserFactory


def _fields(**changes) -> dict:
    fields = {
        "title": "Could someone listen for a bit?",
        "body": "It has been a long week and I would like to talk it through.",
        "category": CategoryFactory(),
        "response_kind": HelpRequest.ResponseKind.LISTEN,
        "is_anonymous": False,
    }
    return {**fields, **changes}


@pytest.mark.parametrize(
    ("changes", "field", "sentence"),
    [
        ({"title": "Hi"}, "title", "Please write at least 5 characters (it has 2)."),
        ({"title": "x" * (TITLE_MAX + 1)}, "title", f"Please keep this to {TITLE_MAX} characters"),
        ({"body": "   "}, "body", "This can't be empty."),
        ({"body": "x" * 5001}, "body", "Please keep this to 5000 characters or fewer"),
        ({"response_kind": "sideways"}, "response_kind", "not a valid choice"),
        ({"category": None}, "category", "Please choose what your request is about."),
    ],
)
def test_it_checks_a_request_in_the_service(asker, changes, field, sentence):
    with pytest.raises(Invalid, match=re.escape(sentence)) as refused:
        services.create_request(author=asker, **_fields(**changes))
    assert refused.value.field == field
    assert not HelpRequest.objects.exists()


def test_it_checks_a_change_in_the_service_and_keeps_what_was_not_sent(asker):
    help_request = services.create_request(author=asker, **_fields())
    with pytest.raises(Invalid) as refused:
        services.update_request(help_request=help_request, by=asker, body="Too short")
    assert refused.value.field == "body"

    services.update_request(help_request=help_request, by=asker, title="  A new title here  ")
    help_request.refresh_from_db()
    assert help_request.title == "A new title here"
    assert help_request.body == _fields()["body"]


def test_only_the_fields_the_asker_writes_can_be_passed(asker):
    help_request = services.create_request(author=asker, **_fields())
    with pytest.raises(TypeError, match="status"):
        services.update_request(help_request=help_request, by=asker, status="resolved")


def test_refusals_say_what_kind_of_no_they_are(asker, helper):
    help_request = services.create_request(author=asker, **_fields())
    with pytest.raises(NotAllowed):
        services.update_request(help_request=help_request, by=helper, title="Not mine at all")
    with pytest.raises(NotAllowed):
        services.make_offer(help_request=help_request, helper=asker, message="My own request!")
    offer = services.make_offer(help_request=help_request, helper=helper, message="I can help!")
    with pytest.raises(Conflict):
        services.make_offer(help_request=help_request, helper=helper, message="Again, I can!")
    with pytest.raises(Invalid) as refused:
        services.make_offer(help_request=help_request, helper=UserFactory(), message="Hi")
    assert refused.value.field == "message"
    with pytest.raises(NotAllowed):
        services.accept_offer(offer=offer, by=helper)


def test_posting_limits_are_counted_by_the_services(asker, helper, settings):
    settings.BOARD_RATE_LIMITS = {"request": "1/h", "offer": "1/h", "message": "1/h"}
    help_request = services.create_request(author=asker, **_fields())
    with pytest.raises(Limited) as limited:
        services.create_request(author=asker, **_fields(title="One more request today"))
    assert 0 < limited.value.retry_after <= 3600

    offer = services.make_offer(help_request=help_request, helper=helper, message="I can help!")
    with pytest.raises(Limited):
        services.make_offer(
            help_request=HelpRequestFactory(), helper=helper, message="I can help too!"
        )
    services.send_message(offer=offer, sender=helper, body="Hello")
    with pytest.raises(Limited):
        services.send_message(offer=offer, sender=helper, body="Hello again")
    assert HelpRequest.objects.filter(author=asker).count() == 1
    assert Offer.objects.filter(helper=helper).count() == 1


def test_an_api_offer_is_counted_once(helper, settings):
    """One offer through the API uses one of the person's offers, not two."""
    settings.BOARD_RATE_LIMITS = {**settings.BOARD_RATE_LIMITS, "offer": "2/h"}
    client = APIClient()
    client.force_login(helper)
    body = {"message": "I would be glad to help with this."}
    statuses = [
        client.post(
            reverse("api:request_offers", args=[HelpRequestFactory().public_id]),
            body,
            format="json",
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [201, 201, 429]


def test_a_thank_you_note_is_checked_by_the_service(asker, helper):
    help_request = services.create_request(author=asker, **_fields())
    offer = services.make_offer(help_request=help_request, helper=helper, message="I can help!")
    services.accept_offer(offer=offer, by=asker)
    with pytest.raises(Invalid, match="Please keep your note to 1000 characters") as refused:
        send_thank_you(offer=offer, by=asker, body="x" * 1001)
    assert refused.value.field == "body"
    with pytest.raises(NotAllowed):
        send_thank_you(offer=offer, by=helper, body="Thank you!")
    assert not ThankYou.objects.exists()
