"""Shared fixtures: the personas of every story on the board."""

import pytest
from django.core.cache import cache

from tests.factories import HelpRequestFactory, OfferFactory, UserFactory


@pytest.fixture
def asker(db):
    return UserFactory(display_name="Asha Asker", email="asha@example.org")


@pytest.fixture
def helper(db):
    return UserFactory(display_name="Hugo Helper", email="hugo@example.org")


@pytest.fixture
def outsider(db):
    return UserFactory(display_name="Otto Outsider", email="otto@example.org")


@pytest.fixture
def moderator(db):
    return UserFactory(display_name="Mo Moderator", email="mo@example.org", is_staff=True)


@pytest.fixture
def help_request(asker):
    return HelpRequestFactory(author=asker)


@pytest.fixture
def anonymous_request(asker):
    return HelpRequestFactory(author=asker, is_anonymous=True)


@pytest.fixture
def offer(help_request, helper):
    """The helper's pending offer on the asker's request (counted, as make_offer would)."""
    help_request.offer_count = 1
    help_request.save(update_fields=["offer_count"])
    return OfferFactory(request=help_request, helper=helper)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: allauth keeps its rate limits there
    (one verification email per address every few minutes), which would
    otherwise leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()
