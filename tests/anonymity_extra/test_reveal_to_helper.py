"""An anonymous asker shows their name to the helper they accepted, and to nobody else."""

import pytest
from django.test import Client
from django.urls import reverse

from requests import services
from requests.models import Offer
from tests.factories import OfferFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_offers_the_asker_to_show_their_name_with_what_it_means(accepted_offer, asker):
    page = _client(asker).get(accepted_offer.get_absolute_url()).content.decode()

    assert "Show my name to Hugo Helper" in page
    assert "Only Hugo Helper will see it, and only here" in page
    assert reverse("requests:reveal_name", args=[accepted_offer.public_id]) in page


def test_it_offers_nothing_before_the_offer_is_accepted(anonymous_request, asker, helper):
    pending = OfferFactory(request=anonymous_request, helper=helper)

    page = _client(asker).get(pending.get_absolute_url()).content.decode()

    assert "Show my name" not in page


def test_it_offers_nothing_to_the_helper(accepted_offer, helper):
    page = _client(helper).get(accepted_offer.get_absolute_url()).content.decode()

    assert "Show my name" not in page


def test_after_revealing_the_helper_sees_the_name_in_that_conversation(
    accepted_offer, asker, helper
):
    alias = accepted_offer.request.alias
    response = _client(asker).post(reverse("requests:reveal_name", args=[accepted_offer.public_id]))

    assert response.status_code == 302
    accepted_offer.refresh_from_db()
    assert accepted_offer.asker_revealed_at is not None

    page = _client(helper).get(accepted_offer.get_absolute_url()).content.decode()
    assert f"Your conversation with Asha Asker ({alias} on the board)" in page

    asker_page = _client(asker).get(accepted_offer.get_absolute_url()).content.decode()
    assert "You showed your name to Hugo Helper" in asker_page
    assert "Show my name to" not in asker_page


def test_everywhere_else_still_shows_the_alias(
    accepted_offer, asker, helper, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    help_request = accepted_offer.request
    declined = OfferFactory(request=help_request, helper=outsider, status="declined")
    services.reveal_name_to_helper(offer=accepted_offer, by=asker)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_message(offer=accepted_offer, sender=asker, body="Hello again, friend.")

    helper_client = _client(helper)
    for url in (
        reverse("requests:board"),
        help_request.get_absolute_url(),
        reverse("requests:my_offers"),
        reverse("notifications"),
    ):
        page = helper_client.get(url).content.decode()
        assert "Asha" not in page, url
    # Another helper's conversation on the same request.
    page = _client(outsider).get(declined.get_absolute_url()).content.decode()
    assert "Asha" not in page
    assert help_request.alias in page
    # The email telling the helper of the message.
    (email,) = [m for m in mailoutbox if m.to == [helper.email]]
    assert "Asha" not in email.subject + email.body + email.alternatives[0][0]
    # The request itself.
    help_request.refresh_from_db()
    assert help_request.public_author_name == help_request.alias


def test_only_the_asker_can_reveal(accepted_offer, helper, outsider):
    for person in (helper, outsider):
        response = _client(person).post(
            reverse("requests:reveal_name", args=[accepted_offer.public_id])
        )
        assert response.status_code in (302, 404)
        with pytest.raises(services.ServiceError):
            services.reveal_name_to_helper(offer=accepted_offer, by=person)

    accepted_offer.refresh_from_db()
    assert accepted_offer.asker_revealed_at is None


@pytest.mark.parametrize("status", ["pending", "declined", "withdrawn"])
def test_only_for_an_accepted_offer(anonymous_request, asker, helper, status):
    offer = OfferFactory(request=anonymous_request, helper=helper, status=status)

    with pytest.raises(services.ServiceError, match="accepted"):
        services.reveal_name_to_helper(offer=offer, by=asker)

    offer.refresh_from_db()
    assert offer.asker_revealed_at is None


def test_not_for_a_named_request(help_request, asker, helper):
    offer = OfferFactory(request=help_request, helper=helper, status=Offer.Status.ACCEPTED)

    with pytest.raises(services.ServiceError):
        services.reveal_name_to_helper(offer=offer, by=asker)


def test_revealing_twice_changes_nothing(accepted_offer, asker):
    first = services.reveal_name_to_helper(offer=accepted_offer, by=asker).asker_revealed_at

    again = services.reveal_name_to_helper(offer=accepted_offer, by=asker).asker_revealed_at

    assert again == first
