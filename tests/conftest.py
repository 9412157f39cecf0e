"""Shared fixtures: the personas of every story on the board."""

import pytest
from django.core.cache import cache

from tests.factories import HelpRequestFactory, OfferFactory
from tests.support.personas import new_asker, new_helper, new_moderator, new_outsider


@pytest.fixture
def asker(db):
    return new_asker()


@pytest.fixture
def helper(db):
    return new_helper()


@pytest.fixture
def outsider(db):
    return new_outsider()


@pytest.fixture
def moderator(db):
    return new_moderator()


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
