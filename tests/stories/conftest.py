"""Personas and helpers for stories and gratitude."""

import pytest
from django.test import Client

from accounts.moderation import make_moderator
from requests import services
from requests.models import HelpRequest, Offer
from tests.factories import HelpRequestFactory


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def accepted(asker, helper, **kwargs) -> tuple[HelpRequest, Offer]:
    """A request of `asker` with `helper`'s offer accepted, through the services."""
    help_request = HelpRequestFactory(author=asker, **kwargs)
    offer = services.make_offer(
        help_request=help_request, helper=helper, message="I'd be glad to help you with this."
    )
    services.accept_offer(offer=offer, by=asker)
    offer.refresh_from_db()
    help_request.refresh_from_db()
    return help_request, offer


def resolved(asker, helper, **kwargs) -> tuple[HelpRequest, Offer]:
    help_request, offer = accepted(asker, helper, **kwargs)
    services.resolve_request(help_request=help_request, by=asker)
    help_request.refresh_from_db()
    return help_request, offer


@pytest.fixture
def mod(moderator):
    return make_moderator(user=moderator)


@pytest.fixture
def mod_client(mod) -> Client:
    return login(mod)
