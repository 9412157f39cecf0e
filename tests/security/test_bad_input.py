"""Bad input gets a clear 4xx, never a server error: generated from the URL patterns.

Every route of the site (pages, API, allauth, the admin) gets, as each persona
(visitor, member, moderator, administrator), the shapes a fuzz pass found
server errors with: a NUL byte, a superscript digit, an over-large number and
other non-ASCII in each path parameter; a NUL byte and a forged cursor in the
query string; a "Token" header that is not UTF-8 (or carries a NUL byte); and
JSON nested 2,000 levels deep on every write. No answer may be a 5xx, and no
NUL byte may reach a database query (PostgreSQL refuses one with a server
error, so on SQLite this catches what would fail in production).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator

import pytest
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver

from moderation.services import make_moderator
from tests.factories import HelpRequestFactory, MessageFactory, OfferFactory, UserFactory

# One bad value at a time in each path parameter (as sent, percent-encoded).
BAD_PATH_VALUES = (
    "%00",
    "ab%00cd",
    "%C2%B2",  # "²": a digit to str.isdigit(), not to int()
    "99999999999999999999999999",  # more than any key
    "%F0%9F%98%80",
    "%FF",  # not UTF-8
)
FORGED_CURSOR = base64.b64encode(b"p=not-a-date").decode()
BAD_QUERIES = (
    "?status=%00",
    "?q=%00&category=%00&page=%00",
    f"?cursor={FORGED_CURSOR}",
    "?cursor=" + base64.b64encode(b"p=\x00").decode(),
    "?cursor=" + base64.b64encode(b"p=2026-01-01 00:00:00").decode(),  # no time zone
    "?page_size=%00",
)
BAD_AUTHORIZATION = ("Token \xff\xfe\xfd", "Token abc\x00def")  # latin-1, as WSGI has them
DEEP_JSON = "[" * 2000 + "]" * 2000
DEEP_OBJECT = '{"a":' * 2000 + "1" + "}" * 2000
# A valid-looking value for the other parameters of a route.
FILLER = {"int": "1", "key": "1", "path": "x/y"}
KINDS = ("request", "offer", "message")  # what the moderation routes act on
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def routes() -> Iterator[str]:
    """Every route of the URLconf as its `path()` template ("requests/<public_id:public_id>/").
    Regex routes are included when they take no parameter (the admin's few)."""

    def walk(patterns, prefix: str) -> Iterator[str]:
        for entry in patterns:
            pattern = str(entry.pattern)
            if pattern.startswith("^"):
                if "(?P<" in pattern or "(" in pattern:
                    continue
                pattern = pattern.removeprefix("^").removesuffix("$").replace("\\", "")
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + pattern)
            elif isinstance(entry, URLPattern):
                yield prefix + pattern

    yield from walk(get_resolver().url_patterns, "/")


def urls_for(route: str) -> Iterator[str]:
    """The route with each parameter in turn replaced by each bad value (the
    others filled in), or the route itself when it has no parameter."""
    parameters = list(PARAMETER.finditer(route))

    def fill(chosen: int, value: str) -> str:
        def one(match: re.Match[str]) -> str:
            if parameters.index(next(p for p in parameters if p.span() == match.span())) == chosen:
                return value
            return FILLER.get(match.group("converter") or "str", "abcDEF123_-")

        return PARAMETER.sub(one, route)

    if not parameters:
        yield route
        return
    for index in range(len(parameters)):
        for value in BAD_PATH_VALUES:
            yield fill(index, value)
    yield fill(-1, "")  # every parameter filled in, for the query, header and body shapes


def concrete_routes() -> list[str]:
    """The routes, with a moderation route's `kind` spelled out for each kind."""
    found = set()
    for route in routes():
        if "<slug:kind>" in route:
            found.update(route.replace("<slug:kind>", kind) for kind in KINDS)
        else:
            found.add(route)
    return sorted(found)


def requests_to_send() -> Iterator[tuple[str, str, dict]]:
    """(method, url, client kwargs) for every shape and route."""
    for route in concrete_routes():
        urls = list(urls_for(route))
        base = urls[-1]
        for url in urls:
            yield "get", url, {}
            yield "post", url, {}
        for query in BAD_QUERIES:
            yield "get", base + query, {}
        for header in BAD_AUTHORIZATION:
            yield "get", base, {"HTTP_AUTHORIZATION": header}
            yield "post", base, {"HTTP_AUTHORIZATION": header}
        for body in (DEEP_JSON, DEEP_OBJECT):
            for method in ("post", "put", "patch"):
                yield method, base, {"data": body, "content_type": "application/json"}


@pytest.fixture
def personas(db) -> dict[str, object]:
    """Who visits: nobody signed in, a member with a request, an offer and a
    message, a moderator (staff in the Moderators group), an administrator."""
    member = UserFactory(display_name="Mia Member")
    offer = OfferFactory(request=HelpRequestFactory(author=member))
    MessageFactory(offer=offer)
    moderator = make_moderator(user=UserFactory(display_name="Mo Moderator", is_staff=True))
    admin = UserFactory(display_name="Ada Admin", is_staff=True, is_superuser=True)
    return {"visitor": None, "member": member, "moderator": moderator, "administrator": admin}


@pytest.fixture
def unthrottled(settings) -> None:
    """No rate limit answers 429 before the view under test runs."""
    settings.BOARD_RATE_LIMITS = {}
    settings.ACCOUNT_RATE_LIMITS = False
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]),
    }


def test_it_generates_the_shapes_for_every_kind_of_route() -> None:
    """The generator reaches the routes the fuzz pass named (a guard against
    a walk that silently finds nothing)."""
    sent = {url for _method, url, _kwargs in requests_to_send()}
    for url in (
        "/requests/%00/",
        "/offers/%00/",
        "/api/v1/requests/%00/",
        "/moderation/report/message/%C2%B2/",
        "/moderation/block/%00/",
        "/moderation/content/request/%00/",
        "/settings/api-tokens/%00/revoke/",
        "/api/v1/me/tokens/%00/",
        f"/api/v1/requests/?cursor={FORGED_CURSOR}",
        "/admin/requests/helprequest/?status=%00",
    ):
        assert url in sent


@pytest.mark.parametrize("persona", ["visitor", "member", "moderator", "administrator"])
def test_it_never_answers_bad_input_with_a_server_error(
    client, personas, unthrottled, persona: str
) -> None:
    client.raise_request_exception = False
    if personas[persona] is not None:
        client.force_login(personas[persona])
    failures = []
    for method, url, kwargs in requests_to_send():
        nul_queries: list[str] = []
        with connection.execute_wrapper(NulParameterSpy(nul_queries)):
            response = getattr(client, method)(url, **kwargs)
        if response.status_code >= 500 or nul_queries:
            failures.append(f"{method.upper()} {url} {kwargs.get('HTTP_AUTHORIZATION', '')!r}")
            failures.append(f"    -> {response.status_code}, NUL in {len(nul_queries)} queries")
    assert not failures, "\n".join(failures)


class NulParameterSpy:
    """A database execute wrapper noting each query whose parameters carry a NUL
    byte (PostgreSQL refuses them; SQLite takes them, so the test looks itself)."""

    def __init__(self, found: list[str]) -> None:
        self.found = found

    def __call__(self, execute, sql, params, many, context):
        rows = params if many else [params]
        for row in rows or []:
            values = row.values() if isinstance(row, dict) else (row or ())
            if any(isinstance(value, str) and "\x00" in value for value in values):
                self.found.append(sql)
        return execute(sql, params, many, context)


def test_a_forged_cursor_is_a_clear_404_in_the_standard_shape(client, personas) -> None:
    client.force_login(personas["member"])
    response = client.get(f"/api/v1/requests/?cursor={FORGED_CURSOR}")
    assert response.status_code == 404
    assert response.json()["errors"][0]["detail"] == "Invalid cursor"


def test_a_real_cursor_still_pages(client, personas) -> None:
    HelpRequestFactory.create_batch(3)
    first = client.get("/api/v1/requests/?page_size=2").json()
    second = client.get(first["next"]).json()
    assert len(first["results"]) == 2
    assert second["results"]
    assert {r["id"] for r in first["results"]}.isdisjoint(r["id"] for r in second["results"])


def test_deep_json_is_a_400_in_the_standard_shape(client, personas) -> None:
    client.force_login(personas["member"])
    response = client.post("/api/v1/reports/", DEEP_JSON, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"
    # Ordinary nesting still parses.
    response = client.patch(
        "/api/v1/me/", json.dumps({"display_name": "Mia M"}), content_type="application/json"
    )
    assert response.status_code == 200


def test_a_token_header_that_is_not_utf8_is_a_401(client, personas) -> None:
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token \xff\xfe")
    assert response.status_code == 401
    assert response.json()["type"] == "client_error"


def test_a_nul_byte_in_the_query_string_is_a_400(client, personas) -> None:
    client.force_login(personas["administrator"])
    response = client.get("/admin/requests/helprequest/?status=%00")
    assert response.status_code == 400
    assert "can&#x27;t have" in response.content.decode()
    response = client.get("/api/v1/requests/?q=%00")
    assert response.status_code == 400
    assert response.json()["type"] == "client_error"
