"""Query budgets, throttling, tokens, bad input and CSRF for the REST API."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, resolve, reverse
from django.utils import timezone
from rest_framework.generics import ListAPIView
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.tokens import create_api_token
from moderation.models import Report
from notifications.models import Notification
from requests import services
from requests.models import HelpRequest, Message, Offer, ThankYou
from stories.models import Story
from tests.factories import (
    HelpRequestFactory,
    MessageFactory,
    NotificationFactory,
    OfferFactory,
    UserFactory,
)
from tests.support.api import Scene, api_endpoints, assert_error_format, url_kwargs

# --- Query budgets -------------------------------------------------------------------------

# Queries per page, whatever its size. The client is authenticated with
# force_authenticate, so no session or token lookup is counted.
#   categories:        1 (categories)
#   requests:          1 (requests with category and author)
#   my_requests:       1 (same)
#   request_offers:    2 (the request, its offers with helpers)
#   offers:            1 (offers with request, category, author, helper)
#   offer_messages:    2 (the offer, its messages with senders)
#   notifications:     1 (notifications with request)
#   tokens:            1 (tokens)
#   stories:           1 (published stories with author, helper and category)
#   my_stories:        1 (my stories with category and helper)
#   my_thanks:         1 (notes to me, with offer and request)
BUDGETS = {
    "api:categories": 1,
    "api:requests": 1,
    "api:my_requests": 1,
    "api:request_offers": 2,
    "api:offers": 1,
    "api:offer_messages": 2,
    "api:notifications": 1,
    "api:tokens": 1,
    "api:reports": 1,
    "api:stories": 1,
    "api:my_stories": 1,
    "api:my_thanks": 1,
}


def test_every_list_endpoint_has_a_budget():
    lists = set()
    for name in api_endpoints():
        view = reverse_view(name)
        if view is not None and issubclass(view, ListAPIView):
            lists.add(name)
    assert lists == set(BUDGETS)


DUMMY_KWARGS = {"public_id": "x"}


def reverse_view(name):
    """The view class behind a URL name (object URLs resolved with a dummy id)."""
    try:
        url = reverse(name)
    except NoReverseMatch:
        kwargs = {"pk": 1} if name == "api:notification_read" else DUMMY_KWARGS
        url = reverse(name, kwargs=kwargs)
    return getattr(resolve(url).func, "view_class", None)


def _fill(scene: Scene, rows: int) -> None:
    """`rows` of everything each list shows, for the asker."""
    for _ in range(rows):
        help_request = HelpRequestFactory(author=scene.asker, is_anonymous=True)
        OfferFactory(request=help_request, helper=UserFactory())
        OfferFactory(request=scene.request, helper=UserFactory())
        other_request = HelpRequestFactory()
        OfferFactory(request=other_request, helper=scene.asker)
        Report.objects.create(reporter=scene.asker, help_request=other_request, reason="spam")
        MessageFactory(offer=scene.offer, sender=scene.helper)
        NotificationFactory(recipient=scene.asker, help_request=help_request)
        create_api_token(user=scene.asker, name="budget")
        # Stories and gratitude: a published story of theirs, a note they received.
        told = HelpRequestFactory(author=scene.asker, status="resolved")
        Story.objects.create(
            author=scene.asker,
            source_request=told,
            helper=UserFactory(),
            helper_naming="consented",
            category=told.category,
            hard_to_ask="It was hard to ask.",
            status="published",
            published_at=timezone.now(),
        )
        thanked = OfferFactory(helper=scene.asker, status="accepted")
        ThankYou.objects.create(offer=thanked, body="Thank you.")


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize("name", sorted(BUDGETS))
def test_list_query_budget_does_not_grow_with_the_page(scene, name, rows, monkeypatch):
    monkeypatch.setattr("accounts.tokens.MAX_TOKENS_PER_PERSON", 100)
    _fill(scene, rows)
    client = APIClient()
    client.force_authenticate(scene.asker)
    url = reverse(name, kwargs=url_kwargs(name, scene))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 100, "status": "any"})
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    results = body if isinstance(body, list) else body["results"]
    if name != "api:categories":
        assert len(results) >= rows
    assert len(queries) == BUDGETS[name], "\n".join(q["sql"] for q in queries.captured_queries)


# --- Throttling ----------------------------------------------------------------------------

TINY_RATES = {
    **settings.REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        "anon_read": "2/min",
        "write": "100/min",
    },
}


@override_settings(REST_FRAMEWORK=TINY_RATES)
def test_it_throttles_anonymous_reads_with_retry_after(scene):
    client = APIClient()
    url = reverse("api:requests")
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    response = client.get(url)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert_error_format(response.json(), type_="client_error", code="throttled")
    # Signed-in reads are not limited by the visitors' scope.
    assert scene.client("other").get(url).status_code == 200


def test_it_limits_offers_per_person(scene, settings):
    # The posting limit, counted once by the service (as for the web pages).
    settings.BOARD_RATE_LIMITS = {**settings.BOARD_RATE_LIMITS, "offer": "1/h"}
    client = scene.client("other")
    first, second = HelpRequestFactory(), HelpRequestFactory()
    body = {"message": "I would be glad to help with this."}
    url = reverse("api:request_offers", args=[first.public_id])
    assert client.post(url, body, format="json").status_code == 201
    url = reverse("api:request_offers", args=[second.public_id])
    response = client.post(url, body, format="json")
    assert response.status_code == 429
    # A fixed hourly window: the wait is what is left of the hour.
    assert 0 < int(response["Retry-After"]) <= 3600
    assert_error_format(response.json(), type_="client_error", code="throttled")
    assert Offer.objects.filter(helper=scene.other).count() == 1


def test_it_limits_messages_per_person(scene, settings):
    settings.BOARD_RATE_LIMITS = {**settings.BOARD_RATE_LIMITS, "message": "2/m"}
    client = scene.client("helper")
    url = reverse("api:offer_messages", args=[scene.offer.public_id])
    statuses = [client.post(url, {"body": "hi"}, format="json").status_code for _ in range(3)]
    assert statuses == [201, 201, 429]


@override_settings(
    REST_FRAMEWORK={
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**TINY_RATES["DEFAULT_THROTTLE_RATES"], "write": "1/min"},
    }
)
def test_it_throttles_writes_per_person(scene):
    client = scene.client("asker")
    url = reverse("api:me")
    assert client.patch(url, {"display_name": "Asha"}, format="json").status_code == 200
    response = client.patch(url, {"display_name": "Asha A"}, format="json")
    assert response.status_code == 429
    assert "Retry-After" in response


# --- Tokens --------------------------------------------------------------------------------


def test_a_token_is_created_used_and_revoked(scene):
    session = scene.client("other")
    response = session.post(reverse("api:tokens"), {"name": "my phone"}, format="json")
    assert response.status_code == 201
    created = response.json()
    secret = created["token"]
    assert set(response["Cache-Control"].split(", ")) == {"private", "no-store"}
    assert created["name"] == "my phone"

    # Stored hashed: the token is nowhere in the database.
    row = ApiToken.objects.get(public_id=created["id"])
    assert secret not in (row.digest, row.token_key, row.name, row.public_id)
    assert len(row.digest) == 128

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert client.get(reverse("api:me")).json()["display_name"] == scene.other.display_name
    row.refresh_from_db()
    assert row.last_used_at is not None

    # Listed without the token itself.
    listed = session.get(reverse("api:tokens")).content.decode()
    assert created["id"] in listed
    assert secret not in listed

    # A write with the token needs no CSRF token.
    body = {"message": "I would be glad to help with this."}
    url = reverse("api:request_offers", args=[scene.request.public_id])
    assert client.post(url, body, format="json").status_code == 201

    assert session.delete(reverse("api:token", args=[created["id"]])).status_code == 204
    response = client.get(reverse("api:me"))
    assert response.status_code == 401
    assert_error_format(response.json(), type_="client_error", code="authentication_failed")


def test_a_wrong_or_malformed_token_is_refused(scene):
    for header in ("Token nope", f"Token {scene.secret}x", "Token a b", "Token"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        assert client.get(reverse("api:me")).status_code == 401, header
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {scene.secret}")
    assert client.get(reverse("api:me")).status_code == 200


def test_nobody_revokes_someone_elses_token(scene):
    url = reverse("api:token", args=[scene.token.public_id])
    assert scene.client("other").delete(url).status_code == 404
    assert ApiToken.objects.filter(pk=scene.token.pk).exists()


def test_the_settings_page_creates_shows_once_and_revokes(scene):
    client = Client()
    client.force_login(scene.other)
    assert "Manage API tokens" in client.get(reverse("accounts:settings")).content.decode()
    response = client.post(reverse("accounts:api_tokens"), {"name": "our website"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=scene.other)
    page = response.content.decode()
    assert "shown only this once" in page
    assert set(response["Cache-Control"].split(", ")) == {"private", "no-store"}
    # The token shown works; the next view of the page no longer shows it.
    secret = re.search(r'<code class="api-token">([^<]+)</code>', page).group(1)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert api.get(reverse("api:me")).status_code == 200
    again = client.get(reverse("accounts:api_tokens")).content.decode()
    assert "our website" in again
    assert secret not in again

    response = client.post(reverse("accounts:api_token_revoke", args=[token.public_id]))
    assert response.status_code == 302
    assert api.get(reverse("api:me")).status_code == 401
    # Someone else's token: 404.
    other = client.post(reverse("accounts:api_token_revoke", args=[scene.token.public_id]))
    assert other.status_code == 404


def test_the_settings_page_refuses_a_blank_name(scene):
    client = Client()
    client.force_login(scene.other)
    response = client.post(reverse("accounts:api_tokens"), {"name": "   "})
    assert response.status_code == 200
    assert not ApiToken.objects.filter(user=scene.other).exists()


# --- Bad input -----------------------------------------------------------------------------

BAD_INPUT = [
    ("api:reports", "post", {"target": "request", "id": "x", "reason": "because"}, "reason"),
    ("api:reports", "post", {"target": "everything", "id": "x", "reason": "spam"}, "target"),
    ("api:requests", "post", {"title": "hi", "body": "", "category": "nope"}, "title"),
    ("api:requests", "post", {"title": "A fine title", "body": "x" * 30}, "category"),
    ("api:request", "patch", {"response_kind": "everything"}, "response_kind"),
    ("api:request", "patch", {"body": "x" * 6000}, "body"),
    # Found by schemathesis: a NUL byte reached PostgreSQL (a 500) before it was refused.
    ("api:request", "patch", {"category": "a\x00b"}, "category"),
    ("api:request", "patch", {"title": "A title with \x00 in it"}, "title"),
    ("api:request_offers", "post", {"message": "short"}, "message"),
    ("api:request_offers", "post", {}, "message"),
    ("api:offer_messages", "post", {"body": ""}, "body"),
    ("api:offer_messages", "post", {"body": "x" * 5000}, "body"),
    ("api:me", "patch", {"display_name": "Anonymous"}, "display_name"),
    ("api:me", "patch", {"display_name": ""}, "display_name"),
    # Kinds left out keep their setting (tests/notifications/test_settings_api.py);
    # a kind the board doesn't have is refused.
    (
        "api:notification_settings",
        "put",
        {"deliveries": {"no_such_kind": "digest"}, "full_emails": True},
        "deliveries.no_such_kind",
    ),
    (
        "api:notification_settings",
        "put",
        {"deliveries": {"offer_received": "sometimes"}, "full_emails": "perhaps"},
        "full_emails",
    ),
    ("api:subscription", "put", {"is_active": True, "categories": ["nope"]}, "categories"),
    (
        "api:subscription",
        "put",
        {"is_active": True, "categories": ["\x00"], "response_kinds": []},
        "categories",
    ),
    (
        "api:subscription",
        "put",
        {"is_active": True, "categories": [], "response_kinds": ["hugs"]},
        "response_kinds.0",
    ),
    ("api:tokens", "post", {"name": ""}, "name"),
    ("api:tokens", "post", {"name": "x" * 61}, "name"),
    ("api:stories", "post", {"hard_to_ask": "It was hard."}, "request"),
    ("api:stories", "post", {"request": "x", "hard_to_ask": " "}, "hard_to_ask"),
    ("api:stories", "post", {"request": "x", "when_i_did": "x" * 2001}, "when_i_did"),
    ("api:offer_thank_you", "post", {"body": ""}, "body"),
    ("api:offer_thank_you", "post", {"body": "x" * 1001}, "body"),
]


@pytest.mark.parametrize(("name", "method", "body", "attr"), BAD_INPUT)
def test_bad_input_gets_field_errors(scene, name, method, body, attr):
    client = scene.client("asker")
    url = reverse(name, kwargs=url_kwargs(name, scene))
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code == 400, response.content
    assert_error_format(response.json(), type_="validation_error", attr=attr)
    for error in response.json()["errors"]:
        assert error["attr"], "every validation error names its field"


# Writes that take no body: their bad input is an unknown id (404) or a rule (409).
WRITES_WITHOUT_BODY = {
    "api:request_close",
    "api:request_resolve",
    "api:offer_accept",
    "api:offer_decline",
    "api:offer_withdraw",
    "api:notification_read",
    "api:notifications_read_all",
    "api:token",
    "api:request_been_there",
    # No story in this scene (a 404 first): tests/stories/test_api.py sends it bad input.
    "api:story",
}


def test_every_write_endpoint_is_tried_with_bad_input():
    # Every endpoint the API answers (test_permissions checks its matrix lists the same).
    writes = {
        (name, method)
        for name, methods in api_endpoints().items()
        for method in methods
        if method != "get" and name not in WRITES_WITHOUT_BODY
    }
    assert writes == {(name, method) for name, method, _body, _attr in BAD_INPUT}


@pytest.mark.parametrize(
    "name",
    [
        "api:request_close",
        "api:request_resolve",
        "api:offer_accept",
        "api:offer_decline",
        "api:offer_withdraw",
        "api:notification_read",
    ],
)
def test_writes_on_unknown_objects_are_404s(scene, name):
    kwargs = {"pk": 999999} if name == "api:notification_read" else {"public_id": "no-such-id"}
    response = scene.client("asker").post(reverse(name, kwargs=kwargs), format="json")
    assert response.status_code == 404
    assert_error_format(response.json(), type_="client_error", code="not_found")


def test_malformed_json_is_a_parse_error(scene):
    response = scene.client("asker").generic(
        "POST", reverse("api:requests"), "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert_error_format(response.json(), type_="client_error", code="parse_error")


def test_a_rule_that_says_no_is_a_409_with_its_message(scene):
    client = scene.client("asker")
    url = reverse("api:request_close", args=[scene.request.public_id])
    assert client.post(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 409
    assert_error_format(response.json(), type_="client_error", code="conflict")
    assert response.json()["errors"][0]["detail"] == "This request is already finished."
    assert HelpRequest.objects.get(pk=scene.request.pk).status == "closed"


def test_unknown_filters_are_field_errors(scene):
    response = APIClient().get(reverse("api:requests"), {"status": "sideways", "category": "x"})
    assert response.status_code == 400
    attrs = {error["attr"] for error in response.json()["errors"]}
    assert attrs == {"status", "category"}


def test_a_nul_byte_in_a_filter_is_refused_not_a_server_error(scene):
    response = APIClient().get(reverse("api:requests"), {"category": "a\x00b", "q": "x\x00"})
    assert response.status_code in (200, 400)


def test_the_board_filters_like_the_web_board(scene):
    matched = HelpRequestFactory(status="matched", title="Someone to walk with on Sundays")
    client = APIClient()
    ids = [r["id"] for r in client.get(reverse("api:requests")).json()["results"]]
    assert scene.request.public_id in ids
    assert matched.public_id not in ids
    found = client.get(reverse("api:requests"), {"q": "walk Sundays", "status": "any"}).json()
    assert [r["id"] for r in found["results"]] == [matched.public_id]
    kind = client.get(reverse("api:requests"), {"kind": "practical"}).json()
    assert kind["results"] == []


def test_cursor_pagination_walks_every_request(scene):
    for _ in range(5):
        HelpRequestFactory()
    client = APIClient()
    seen, url = [], reverse("api:requests") + "?page_size=2"
    while url:
        page = client.get(url).json()
        seen += [r["id"] for r in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == HelpRequest.objects.filter(status="open").count()


# --- CSRF ----------------------------------------------------------------------------------


def test_session_writes_need_the_csrf_token(scene):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(scene.other)
    url = reverse("api:request_offers", args=[scene.request.public_id])
    body = {"message": "I would be glad to help with this."}
    response = client.post(url, body, format="json")
    assert response.status_code == 403
    assert_error_format(response.json(), type_="client_error", code="permission_denied")
    assert "CSRF" in response.json()["errors"][0]["detail"]
    assert not Offer.objects.filter(helper=scene.other).exists()

    # With the token from the cookie, as a same-site page would send it.
    client.get(reverse("accounts:settings"))
    csrf = client.cookies["csrftoken"].value
    response = client.post(url, body, format="json", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 201


def test_the_whole_story_through_the_api(scene):
    """Ask, offer, accept, talk, resolve: the same services as the web pages."""
    asker, helper = scene.client("other"), scene.client("helper")
    created = asker.post(
        reverse("api:requests"),
        {
            "title": "Help carrying boxes on Saturday",
            "body": "Moving flats and my back is not great; an hour would help a lot.",
            "category": scene.request.category.slug,
            "response_kind": "practical",
        },
        format="json",
    ).json()
    offer = helper.post(
        reverse("api:request_offers", args=[created["id"]]),
        {"message": "I have a free Saturday and strong arms."},
        format="json",
    ).json()
    assert Notification.objects.filter(recipient=scene.other, kind="offer_received").exists()
    accepted = asker.post(reverse("api:offer_accept", args=[offer["id"]])).json()
    assert accepted["status"] == "accepted"
    helper.post(
        reverse("api:offer_messages", args=[offer["id"]]), {"body": "See you at ten?"}, "json"
    )
    assert Message.objects.filter(offer__public_id=offer["id"]).count() == 1
    resolved = asker.post(reverse("api:request_resolve", args=[created["id"]])).json()
    assert resolved["status"] == "resolved"
    read = asker.post(reverse("api:notifications_read_all")).json()
    assert read["marked"] >= 1


def test_a_hidden_message_reads_as_hidden_in_the_api(scene):
    from requests.models import Message

    Message.objects.filter(offer=scene.offer, sender=scene.asker).update(is_hidden=True)
    response = scene.client("helper").get(
        reverse("api:offer_messages", args=[scene.offer.public_id])
    )
    bodies = [item["body"] for item in response.json()["results"]]
    assert "Thank you, that means a lot." not in bodies
    assert "This message was hidden by a moderator." in bodies


def test_the_api_board_leaves_out_people_you_blocked(scene, helper):
    from moderation.models import Block
    from tests.factories import HelpRequestFactory

    named = HelpRequestFactory(author=scene.other, title="A named request to hide")
    Block.objects.create(blocker=helper, blocked=scene.other, label="Otto")
    titles = [
        item["title"]
        for item in scene.client("helper").get(reverse("api:requests")).json()["results"]
    ]
    assert named.title not in titles
    assert scene.request.title in titles


def test_the_web_posting_limits_hold_in_the_api(scene, settings):
    settings.BOARD_RATE_LIMITS = {**settings.BOARD_RATE_LIMITS, "message": "1/h"}
    url = reverse("api:offer_messages", args=[scene.offer.public_id])
    client = scene.client("helper")
    assert client.post(url, {"body": "One"}, format="json").status_code == 201
    limited = client.post(url, {"body": "Two"}, format="json")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0


def test_api_reports_are_limited_once_per_report(scene, settings):
    """The report service counts the limit; the API answers 429 with Retry-After and
    counts each report once (two allowed, the third refused)."""
    settings.BOARD_RATE_LIMITS = {**settings.BOARD_RATE_LIMITS, "report": "2/h"}
    client = scene.client("other")
    statuses = []
    for help_request in HelpRequestFactory.create_batch(3):
        body = {"target": "request", "id": help_request.public_id, "reason": "spam"}
        response = client.post(reverse("api:reports"), body, format="json")
        statuses.append(response.status_code)
    assert statuses == [201, 201, 429]
    assert int(response["Retry-After"]) > 0


def test_a_helper_reports_a_message_and_sees_it_in_their_reports(scene):
    client = scene.client("helper")
    messages = client.get(reverse("api:offer_messages", args=[scene.offer.public_id])).json()
    from_asker = next(item for item in messages["results"] if not item["from_me"])
    body = {"target": "message", "id": str(from_asker["id"]), "reason": "inappropriate"}

    first = client.post(reverse("api:reports"), body, format="json")
    again = client.post(reverse("api:reports"), body, format="json")

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    listed = client.get(reverse("api:reports")).json()["results"]
    assert [(item["target"], item["status"]) for item in listed] == [("message", "open")]
    # Someone outside the conversation can't report (or find) its messages.
    outsider = scene.client("other").post(reverse("api:reports"), body, format="json")
    assert outsider.status_code == 404


def test_an_offer_on_a_resolved_request_is_final_in_the_api_too(scene):
    services.accept_offer(offer=scene.offer, by=scene.asker)
    services.resolve_request(help_request=scene.request, by=scene.asker)

    response = scene.client("helper").post(
        reverse("api:offer_withdraw", args=[scene.offer.public_id]), format="json"
    )

    assert response.status_code == 409
    assert "offers on it are final" in response.json()["errors"][0]["detail"]
    scene.offer.refresh_from_db()
    assert scene.offer.status == "accepted"
