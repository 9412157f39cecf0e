"""No shared cache keeps what a signed-in person sees (issue 8, item 5).

Every URL pattern of the project (the board's, the API's, allauth's and the admin's),
generated from the URL resolver, is requested (GET and POST) as a signed-in person:
in a browser session, and in the API with a token and no session at all. Every
answer must say `Cache-Control: private, no-store`, whatever its status (an error
page shows the person's name in its header too). One middleware says it
(board.middleware.PrivateCacheMiddleware); a new page is covered without a test
change, since the list comes from the resolver.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from accounts.tokens import create_api_token
from board.middleware import depends_on_person
from requests.models import HelpRequest
from tests.factories import (
    HelpRequestFactory,
    MessageFactory,
    NotificationFactory,
    OfferFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def patterns() -> Iterator[tuple[str, str | None, object, str]]:
    """(namespace, name, pattern, route) for every URL pattern of the project."""

    def walk(resolver: URLResolver, namespace: str, prefix: str):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = ":".join(filter(None, [namespace, entry.namespace]))
                yield from walk(entry, inner, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield namespace, entry.name, entry.pattern, prefix + str(entry.pattern)

    yield from walk(get_resolver(), "", "")


@pytest.fixture
def member():
    """A person with a request, an offer on it, a conversation and a notification."""
    person = UserFactory(display_name="Nadia Member")
    help_request = HelpRequestFactory(author=person, is_anonymous=True)
    offer = OfferFactory(request=help_request)
    MessageFactory(offer=offer, sender=person)
    notification = NotificationFactory(recipient=person, help_request=help_request)
    return {
        "person": person,
        "public_id": [help_request.public_id, offer.public_id],
        "pk": [notification.pk],
        "kind": ["request"],
        "ref": [help_request.public_id],
        "app_label": ["requests"],
        "object_id": [str(help_request.pk)],
        "content_type_id": [ContentType.objects.get_for_model(HelpRequest).pk],
        "token": ["not-a-token"],
        "key": ["not-a-key"],
        "uidb36": ["1"],
        "url": ["no-such-admin-page/"],
        "rest": ["1/change/"],
        "id": ["1"],
    }


def urls(member: dict) -> list[str]:
    """A concrete URL for every pattern: by its name where it has one, else by its
    route with sample values; every sample where a pattern takes a public id."""
    found = []
    for namespace, name, pattern, route in patterns():
        params = list(pattern.regex.groupindex)
        missing = [p for p in params if p not in member]
        assert not missing, f"{route}: no sample value for {missing}; add one to `member`"
        choices = [{}]
        for param in params:
            choices = [{**c, param: value} for c in choices for value in member[param]]
        for kwargs in choices:
            if name:
                full = f"{namespace}:{name}" if namespace else name
                found.append(reverse(full, kwargs=kwargs))
            else:
                path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m, k=kwargs: str(k[m[1]]), route)
                found.append("/" + re.sub(r"[\^$]|\(\?P<\w+>.*\)", "", path))
    return sorted(set(found))


def _cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


def _problems(client_for, every: list[str], **extra) -> list[str]:
    problems = []
    for url in every:
        for method in ("get", "post"):
            with transaction.atomic():
                response = getattr(client_for(), method)(url, **extra)
                transaction.set_rollback(True)
            directives = _cache_control(response)
            if not {"private", "no-store"} <= directives or "public" in directives:
                problems.append(f"{method.upper()} {url} [{response.status_code}]: {directives}")
    return problems


def test_every_page_a_signed_in_person_gets_is_private(member):
    every = urls(member)
    assert len(every) > 100  # the board, the API, allauth and the admin

    def signed_in() -> Client:
        client = Client()
        client.force_login(member["person"])
        return client

    problems = _problems(signed_in, every)
    assert not problems, f"{len(problems)} responses may be cached:\n" + "\n".join(problems[:40])


def test_every_api_answer_to_a_token_is_private(member):
    """The API with a token and no session cookie: offers, messages, me, notifications..."""
    _token, secret = create_api_token(user=member["person"], name="a script")
    every = [url for url in urls(member) if url.startswith("/api/")]
    for name in ("api:offers", "api:me", "api:notifications", "api:my_requests"):
        assert reverse(name) in every
    for public_id in member["public_id"]:
        assert reverse("api:offer_messages", args=[public_id]) in every

    problems = _problems(APIClient, every, HTTP_AUTHORIZATION=f"Token {secret}")
    assert not problems, f"{len(problems)} responses may be cached:\n" + "\n".join(problems[:40])
    # Not vacuous: the token does sign the person in.
    client = APIClient()
    me = client.get(reverse("api:me"), HTTP_AUTHORIZATION=f"Token {secret}")
    assert me.status_code == 200 and me.json()["display_name"] == "Nadia Member"


def test_a_visitors_request_without_credentials_is_left_alone(rf):
    """What the middleware decides on: nothing personal in a bare request."""
    assert not depends_on_person(rf.get("/"))
    assert depends_on_person(rf.get("/", HTTP_AUTHORIZATION="Token x"))
