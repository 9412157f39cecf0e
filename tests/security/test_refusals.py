"""Every refusal a service can raise reaches the person as a clear answer: a page
saying why (or the form again, with the reason and what they typed) on the web,
a 409 in the API's standard error shape. Never a server error."""

from __future__ import annotations

import pytest
from django.http import HttpRequest
from django.urls import path
from django.utils import timezone
from rest_framework.decorators import api_view
from rest_framework.test import APIClient

from board import urls as site_urls
from board.errors import Conflict, ServiceError
from requests.models import Category, HelpRequest
from tests.support.api import assert_error_format

PAUSED = "Your account is paused by the moderators"


@pytest.fixture
def suspended(asker):
    asker.suspended_at = timezone.now()
    asker.save(update_fields=["suspended_at"])
    return asker


@pytest.fixture
def category(db) -> Category:
    return Category.objects.create(name="Loneliness", slug="loneliness")


def request_form(category: Category) -> dict[str, str]:
    return {
        "title": "Could someone talk with me tonight?",
        "body": "It has been a long week and I would like a kind voice for a while.",
        "category": str(category.pk),
        "response_kind": HelpRequest.ResponseKind.LISTEN,
    }


def test_a_suspended_person_posting_on_the_web_gets_the_form_back_with_the_reason(
    client, suspended, category
) -> None:
    client.force_login(suspended)
    response = client.post("/requests/new/", request_form(category))
    assert response.status_code == 409
    page = response.content.decode()
    assert PAUSED in page
    # Nothing typed is lost.
    assert "Could someone talk with me tonight?" in page
    assert "It has been a long week" in page
    assert not HelpRequest.objects.exists()


def test_a_suspended_person_posting_in_the_api_gets_a_409(suspended, category) -> None:
    client = APIClient()
    client.force_login(suspended)
    data = {**request_form(category), "category": category.slug}
    response = client.post("/api/v1/requests/", data, format="json")
    assert response.status_code == 409
    assert_error_format(response.json(), type_="client_error", code="conflict")
    assert PAUSED in response.json()["errors"][0]["detail"]
    assert not HelpRequest.objects.exists()


# A page and an API view that let a refusal through, as any future view might.
def _page(request: HttpRequest):
    raise ServiceError("This request is already finished.")


@api_view(["POST"])
def _api(request):
    raise Conflict("You have 20 tokens already.")


# Ahead of the site's own routes, which the page's layout links to.
urlpatterns = [path("refused/page/", _page), path("refused/api/", _api), *site_urls.urlpatterns]


@pytest.mark.urls("tests.security.test_refusals")
def test_a_refusal_no_view_caught_is_a_page_saying_why(client, asker) -> None:
    client.force_login(asker)
    response = client.get("/refused/page/", HTTP_REFERER="http://testserver/requests/abc/")
    assert response.status_code == 409
    page = response.content.decode()
    assert "This request is already finished." in page
    assert 'href="http://testserver/requests/abc/"' in page


@pytest.mark.urls("tests.security.test_refusals")
def test_a_refusal_no_api_view_caught_is_a_409_in_the_standard_shape(asker) -> None:
    client = APIClient()
    client.force_login(asker)
    response = client.post("/refused/api/")
    assert response.status_code == 409
    assert_error_format(response.json(), type_="client_error", code="conflict")
    assert response.json()["errors"][0]["detail"] == "You have 20 tokens already."
