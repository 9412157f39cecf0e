"""The offer's state machine: every action in every state, through the service and
through the pages. What a state does not allow is neither shown nor done.

Issue 14: a helper could still "Withdraw my offer" after the asker marked the
request resolved, and the resolved request then showed its helper as "Withdrawn".
"""

from __future__ import annotations

import itertools

import pytest
from django.test import Client
from django.urls import reverse

from requests import services
from requests.models import HelpRequest, Message, Offer
from tests.factories import HelpRequestFactory, OfferFactory

pytestmark = pytest.mark.django_db

REQUEST_STATES = ["open", "matched", "resolved", "closed", "expired"]
OFFER_STATES = ["pending", "held", "accepted", "declined", "withdrawn"]

# What each action allows, written out on its own (not read from the code under test).
ALLOWED = {
    "withdraw": {
        (request, offer)
        for request in ("open", "matched")
        for offer in ("pending", "held", "accepted")
    },
    "accept": {("open", "pending")},
    "decline": {("open", "pending")},
    "message": {
        (request, offer) for request in ("open", "matched") for offer in ("pending", "accepted")
    },
}
STATES = list(itertools.product(REQUEST_STATES, OFFER_STATES))


def _make(asker, helper, request_state: str, offer_state: str) -> Offer:
    help_request = HelpRequestFactory(author=asker, status=request_state, offer_count=1)
    return OfferFactory(
        request=help_request,
        helper=helper,
        status="pending" if offer_state == "held" else offer_state,
        held_for_review=offer_state == "held",
    )


def _do(action: str, offer: Offer, asker, helper):
    if action == "withdraw":
        return services.withdraw_offer(offer=offer, by=helper)
    if action == "accept":
        return services.accept_offer(offer=offer, by=asker)
    if action == "decline":
        return services.decline_offer(offer=offer, by=asker)
    return services.send_message(offer=offer, sender=helper, body="Hello there.")


def _snapshot(offer: Offer) -> tuple:
    offer.refresh_from_db()
    offer.request.refresh_from_db()
    return (
        offer.status,
        offer.held_for_review,
        offer.request.status,
        offer.request.offer_count,
        Message.objects.filter(offer=offer).count(),
    )


@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.parametrize(("request_state", "offer_state"), STATES)
def test_the_service_does_only_what_the_state_allows(
    asker, helper, action, request_state, offer_state
):
    offer = _make(asker, helper, request_state, offer_state)
    before = _snapshot(offer)

    if (request_state, offer_state) in ALLOWED[action]:
        _do(action, offer, asker, helper)
        assert _snapshot(offer) != before
    else:
        with pytest.raises(services.ServiceError):
            _do(action, offer, asker, helper)
        assert _snapshot(offer) == before


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


MARKERS = {
    "withdraw": lambda offer: f'href="{reverse("requests:withdraw", args=[offer.public_id])}"',
    "accept": lambda offer: f'action="{reverse("requests:accept", args=[offer.public_id])}"',
    "decline": lambda offer: f'action="{reverse("requests:decline", args=[offer.public_id])}"',
    "message": lambda offer: 'name="body"',
}


@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.parametrize(("request_state", "offer_state"), STATES)
def test_the_pages_show_an_action_only_when_it_is_allowed_and_refuse_it_otherwise(
    asker, helper, action, request_state, offer_state
):
    offer = _make(asker, helper, request_state, offer_state)
    allowed = (request_state, offer_state) in ALLOWED[action]
    person = helper if action in ("withdraw", "message") else asker
    client = _client(person)
    page = client.get(offer.get_absolute_url())
    if offer_state == "held" and person == asker:
        # The asker never sees an offer a moderator hasn't passed on.
        assert page.status_code == 404
        return
    assert (MARKERS[action](offer) in page.content.decode()) is allowed
    # The asker's request page agrees with the conversation page.
    if person == asker:
        request_page = client.get(offer.request.get_absolute_url()).content.decode()
        assert (MARKERS[action](offer) in request_page) is allowed

    if allowed:
        return
    before = _snapshot(offer)
    urls = {
        "withdraw": reverse("requests:withdraw", args=[offer.public_id]),
        "accept": reverse("requests:accept", args=[offer.public_id]),
        "decline": reverse("requests:decline", args=[offer.public_id]),
        "message": offer.get_absolute_url(),
    }
    response = client.post(urls[action], {"body": "Hello there."}, follow=True)
    assert response.status_code == 200
    assert _snapshot(offer) == before


def test_a_resolved_request_keeps_its_helper_accepted(asker, helper):
    """The story from the issue: resolve, then the helper tries to withdraw."""
    help_request = HelpRequestFactory(author=asker, offer_count=1)
    offer = OfferFactory(request=help_request, helper=helper)
    services.accept_offer(offer=offer, by=asker)
    services.resolve_request(help_request=help_request, by=asker)

    page = _client(helper).get(offer.get_absolute_url()).content.decode()
    assert "Withdraw my offer" not in page
    assert "The asker marked this request as resolved" in page
    response = _client(helper).post(
        reverse("requests:withdraw", args=[offer.public_id]), follow=True
    )
    assert "offers on it are final" in response.content.decode()

    offer.refresh_from_db()
    help_request.refresh_from_db()
    assert (offer.status, help_request.status) == ("accepted", HelpRequest.Status.RESOLVED)
    asker_page = _client(asker).get(help_request.get_absolute_url()).content.decode()
    assert "Withdrawn" not in asker_page
    assert "Accepted" in asker_page
