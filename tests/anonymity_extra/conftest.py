"""Personas for the anonymity stories: an anonymous request with an accepted offer."""

import pytest

from requests.models import Offer
from tests.factories import OfferFactory


@pytest.fixture
def accepted_offer(anonymous_request, helper):
    """The helper's accepted offer on the asker's anonymous request."""
    anonymous_request.status = anonymous_request.Status.MATCHED
    anonymous_request.offer_count = 1
    anonymous_request.save(update_fields=["status", "offer_count"])
    return OfferFactory(request=anonymous_request, helper=helper, status=Offer.Status.ACCEPTED)
