"""The permission matrix, generated from the API's URL patterns: every endpoint and
method x {asker (owner), helper, other member, visitor} gets exactly the status
below, and no response shows anyone else's email address or the anonymous
asker's name. A new endpoint (or a new method on one) fails
`test_it_knows_every_endpoint_and_method` until it has a row here."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from notifications.kinds import CONFIGURABLE_KINDS
from tests.support.anonymity import leaks
from tests.support.api import PERSONAS, Scene, api_endpoints, assert_error_format, url_kwargs

# (asker, helper, other, visitor). The asker owns the anonymous request, the
# notification and the token; the helper made the pending offer on it.
EXPECTED: dict[str, dict[str, tuple[int, int, int, int]]] = {
    "api:categories": {"get": (200, 200, 200, 200)},
    "api:requests": {"get": (200, 200, 200, 200), "post": (201, 201, 201, 401)},
    "api:request": {"get": (200, 200, 200, 200), "patch": (200, 404, 404, 401)},
    "api:request_close": {"post": (200, 404, 404, 401)},
    "api:request_resolve": {"post": (200, 404, 404, 401)},
    # Offering on your own request is not allowed (403); offering twice is a state
    # that says no (409).
    "api:request_offers": {"get": (200, 404, 404, 401), "post": (403, 409, 201, 401)},
    "api:offers": {"get": (200, 200, 200, 401)},
    "api:offer": {"get": (200, 200, 404, 401)},
    # The other side of an offer can see it, so is told no (403); others can't (404).
    "api:offer_accept": {"post": (200, 403, 404, 401)},
    "api:offer_decline": {"post": (200, 403, 404, 401)},
    "api:offer_withdraw": {"post": (403, 200, 404, 401)},
    "api:offer_messages": {"get": (200, 200, 404, 401), "post": (201, 201, 404, 401)},
    "api:notifications": {"get": (200, 200, 200, 401)},
    "api:notifications_read_all": {"post": (200, 200, 200, 401)},
    "api:notification_read": {"post": (200, 404, 404, 401)},
    # Reporting the request: its own author can't (409); anyone else can.
    "api:reports": {"get": (200, 200, 200, 401), "post": (409, 201, 201, 401)},
    "api:me": {"get": (200, 200, 200, 401), "patch": (200, 200, 200, 401)},
    "api:my_requests": {"get": (200, 200, 200, 401)},
    "api:notification_settings": {"get": (200, 200, 200, 401), "put": (200, 200, 200, 401)},
    "api:subscription": {"get": (200, 200, 200, 401), "put": (200, 200, 200, 401)},
    "api:tokens": {"get": (200, 200, 200, 401), "post": (201, 201, 201, 401)},
    "api:token": {"delete": (204, 404, 404, 401)},
    "api:schema": {"get": (200, 200, 200, 200)},
    "api:docs": {"get": (200, 200, 200, 200)},
    # Stories and gratitude. A story needs one's own resolved request: the asker's is
    # still open (409); another person's request is not theirs to find (404).
    "api:stories": {"get": (200, 200, 200, 200), "post": (409, 404, 404, 401)},
    # No story in this scene: tests/stories/test_api.py covers a real one.
    "api:story": {
        "get": (404, 404, 404, 404),
        "patch": (404, 404, 404, 401),
        "delete": (404, 404, 404, 401),
    },
    "api:my_stories": {"get": (200, 200, 200, 401)},
    "api:my_thanks": {"get": (200, 200, 200, 401)},
    # The offer is still pending: not yet thankable (409); the helper can't thank themselves.
    "api:offer_thank_you": {"post": (409, 403, 404, 401)},
    # Saying it on one's own request is a 409; taking it back is always fine.
    "api:request_been_there": {
        "get": (200, 200, 200, 401),
        "post": (409, 200, 200, 401),
        "delete": (204, 204, 204, 401),
    },
    "api:figures": {"get": (200, 200, 200, 200)},
}


def valid_body(name: str, method: str, scene: Scene) -> dict | None:
    """A body the endpoint accepts, so that only permissions decide the status."""
    return {
        ("api:requests", "post"): {
            "title": "Could someone help me plan a week?",
            "body": "I keep losing track of things and would love a little structure.",
            "category": scene.request.category.slug,
            "response_kind": "advice",
            "is_anonymous": True,
        },
        ("api:request", "patch"): {"title": "Feeling adrift since the move, still"},
        ("api:request_offers", "post"): {"message": "I would be glad to help with this."},
        ("api:offer_messages", "post"): {"body": "How are you doing today?"},
        ("api:me", "patch"): {"display_name": "A new name"},
        ("api:notification_settings", "put"): {
            "deliveries": dict.fromkeys(CONFIGURABLE_KINDS, "digest"),
            "full_emails": True,
        },
        ("api:subscription", "put"): {
            "is_active": True,
            "categories": [scene.request.category.slug],
            "response_kinds": ["listen"],
        },
        ("api:tokens", "post"): {"name": "another script"},
        ("api:stories", "post"): {"request": scene.request.public_id, "hard_to_ask": "Pride."},
        ("api:story", "patch"): {"hard_to_ask": "Changed."},
        ("api:offer_thank_you", "post"): {"body": "Thank you so much."},
        ("api:reports", "post"): {
            "target": "request",
            "id": scene.request.public_id,
            "reason": "spam",
        },
    }.get((name, method))


CASES = [
    pytest.param(name, method, persona, expected[i], id=f"{name}-{method}-{persona}")
    for name, methods in EXPECTED.items()
    for method, expected in methods.items()
    for i, persona in enumerate(PERSONAS)
]


def test_it_knows_every_endpoint_and_method():
    endpoints = api_endpoints()
    assert len(endpoints) >= 20
    expected = {name: set(methods) for name, methods in EXPECTED.items()}
    assert endpoints == expected, (
        "The API's endpoints changed: give each new endpoint or method its row in "
        "EXPECTED (tests/api/test_permissions.py) and in VISITS (tests/test_anonymity.py)."
    )


@pytest.mark.parametrize(("name", "method", "persona", "status"), CASES)
def test_permission_matrix(scene, name, method, persona, status):
    url = reverse(name, kwargs=url_kwargs(name, scene))
    body = valid_body(name, method, scene)
    client = scene.client(persona)
    response = getattr(client, method)(url, data=body, format="json")
    assert response.status_code == status, response.content.decode()[:2000]

    text = "\n".join(f"{key}: {value}" for key, value in response.items())
    text += response.content.decode()
    assert not leaks(text, scene.secrets_for(persona)), leaks(text, scene.secrets_for(persona))

    if status >= 400:
        assert_error_format(json.loads(response.content), type_="client_error")
    if status == 401:
        assert response["WWW-Authenticate"] == "Token"


def test_a_request_a_moderator_hid_is_a_404_for_everyone_but_its_author(scene):
    scene.request.is_hidden = True
    scene.request.save(update_fields=["is_hidden"])
    url = reverse("api:request", args=[scene.request.public_id])
    for persona in PERSONAS:
        expected = 200 if persona == "asker" else 404
        assert scene.client(persona).get(url).status_code == expected, persona
    board = scene.client("other").get(reverse("api:requests"), {"status": "any"}).json()
    assert scene.request.public_id not in [item["id"] for item in board["results"]]
    # ...and no offer can be made on it.
    response = scene.client("other").post(
        reverse("api:request_offers", args=[scene.request.public_id]),
        {"message": "I would be glad to help with this."},
        format="json",
    )
    assert response.status_code == 404


def test_an_anonymous_requests_author_is_null_for_everyone_but_the_author(scene):
    url = reverse("api:request", args=[scene.request.public_id])
    for persona in ("helper", "other", "visitor"):
        body = scene.client(persona).get(url).json()
        assert body["author"] is None
        # "Anonymous", or the request's own alias ("Anonymous Sorrel"): never a name.
        assert body["author_name"] == scene.request.public_author_name
        assert body["author_name"].startswith("Anonymous")
        assert body["is_mine"] is False
    mine = scene.client("asker").get(url).json()
    assert mine["author"] == {"display_name": scene.asker.display_name}
    assert mine["is_mine"] is True

    # On the board too, and in the helper's conversation the asker goes by the alias.
    board = scene.client("visitor").get(reverse("api:requests")).json()["results"]
    listed = next(item for item in board if item["id"] == scene.request.public_id)
    assert listed["author"] is None
    thread = scene.client("helper").get(reverse("api:offer_messages", args=[scene.offer.public_id]))
    names = [message["sender_name"] for message in thread.json()["results"]]
    assert names == ["You", scene.request.public_author_name]


def test_a_named_requests_author_shows_only_a_display_name(scene):
    scene.request.is_anonymous = False
    scene.request.save(update_fields=["is_anonymous"])
    body = scene.client("visitor").get(reverse("api:request", args=[scene.request.public_id]))
    assert body.json()["author"] == {"display_name": scene.asker.display_name}
    assert scene.asker.email not in body.content.decode()
