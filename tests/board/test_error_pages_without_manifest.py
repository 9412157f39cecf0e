"""With debug off and no collectstatic, the production static storage (a hashed
manifest) has no manifest: every error page must still render, as a page the
person can read, never Django's bare "A server error occurred"."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.http import HttpRequest
from django.test import Client
from django.urls import path

import board.settings as production
from board import urls as board_urls


def _boom(request: HttpRequest):
    raise RuntimeError("Something broke")


def _forbidden(request: HttpRequest):
    raise PermissionDenied


def _suspicious(request: HttpRequest):
    raise SuspiciousOperation("A forged something")


def _database_away(request: HttpRequest):
    raise OperationalError("the database is restarting")


urlpatterns = [
    *board_urls.urlpatterns,
    path("boom/", _boom),
    path("forbidden/", _forbidden),
    path("suspicious/", _suspicious),
    path("database-away/", _database_away),
]
handler400 = board_urls.handler400
handler403 = board_urls.handler403
handler404 = board_urls.handler404
handler500 = board_urls.handler500


@pytest.fixture
def no_manifest(settings, tmp_path):
    """Production's static storage, pointed at an empty STATIC_ROOT."""
    assert settings.DEBUG is False
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": production.STORAGES["staticfiles"]}
    assert not (tmp_path / "staticfiles.json").exists()


@pytest.mark.urls(__name__)
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/no-such-page/", 404, "We couldn't find that page"),
        ("/boom/", 500, "Sorry, something went wrong on our side"),
        ("/forbidden/", 403, "This page is private"),
        ("/suspicious/", 400, "Something wasn't quite right"),
        ("/?q=%00", 400, "Something wasn't quite right"),
        ("/database-away/", 503, "We couldn't open this page just now"),
    ],
)
def test_it_renders_every_error_page_without_a_manifest(
    no_manifest, caplog, url: str, status: int, words: str
) -> None:
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="board.storage"):
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == status
    assert words in page
    assert "</html>" in page
    # The page links its style sheet by its plain name, and the deploy mistake is logged.
    assert "/static/board/" in page
    assert "not in the manifest" in caplog.text


@pytest.mark.django_db
def test_an_ordinary_page_renders_without_a_manifest_too(no_manifest, client) -> None:
    response = client.get("/how-it-works/")
    assert response.status_code == 200
    assert 'href="/static/board/site.css"' in response.content.decode()
