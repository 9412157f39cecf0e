"""The API's email settings survive a new kind of notification (issue 10).

A client written before a kind existed sends the kinds it knows: it gets a 200,
and the kinds it left out keep their setting. A kind the board doesn't have is
refused, as a 400 on that kind.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from notifications import services
from notifications.kinds import CONFIGURABLE_KINDS, REGISTRY
from notifications.models import Delivery

pytestmark = pytest.mark.django_db

URL = reverse("api:notification_settings")


@pytest.fixture
def api(asker) -> APIClient:
    client = APIClient()
    client.force_authenticate(asker)
    return client


def test_it_keeps_the_kinds_a_client_leaves_out(api, asker):
    services.set_preferences(user=asker, choices={"message_received": Delivery.DIGEST})
    # An older client: it knows every kind but the newest.
    known = CONFIGURABLE_KINDS[:-1]

    response = api.put(
        URL,
        {"deliveries": dict.fromkeys(known, Delivery.NEVER), "full_emails": True},
        format="json",
    )

    assert response.status_code == 200, response.content
    deliveries = response.json()["deliveries"]
    # Every kind is in the answer; the one it left out kept its default.
    assert set(deliveries) == set(CONFIGURABLE_KINDS)
    newest = CONFIGURABLE_KINDS[-1]
    assert deliveries[newest] == REGISTRY[newest].default != Delivery.NEVER
    assert all(deliveries[kind] == Delivery.NEVER for kind in known)


def test_it_changes_only_the_kinds_sent(api, asker):
    services.set_preferences(user=asker, choices={"message_received": Delivery.DIGEST})
    before = services.preferences_for(asker)

    response = api.put(
        URL, {"deliveries": {"offer_received": Delivery.NEVER}, "full_emails": False}, format="json"
    )

    assert response.status_code == 200, response.content
    after = services.preferences_for(asker)
    assert after == {**before, "offer_received": Delivery.NEVER}
    assert after["message_received"] == Delivery.DIGEST


def test_it_refuses_a_kind_it_does_not_have(api, asker):
    before = services.preferences_for(asker)

    response = api.put(
        URL,
        {"deliveries": {"offer_received": Delivery.NEVER, "carrier_pigeon": "digest"},
         "full_emails": True},
        format="json",
    )  # fmt: skip

    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == ["deliveries.carrier_pigeon"]
    assert services.preferences_for(asker) == before


def test_it_refuses_a_kind_people_cannot_choose(api):
    response = api.put(
        URL, {"deliveries": {"moderator_warning": "never"}, "full_emails": True}, format="json"
    )

    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == [
        "deliveries.moderator_warning"
    ]
