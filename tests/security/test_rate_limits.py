"""Rate limits: posting requests, offers and messages (board/ratelimit.py) and
signing up, signing in and resetting a password (allauth's own limits). Each
answers 429 with Retry-After, kindly, and never loses what someone typed."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from board.ratelimit import Rate, parse_rate
from requests.models import HelpRequest, Message, Offer
from tests.factories import CategoryFactory, HelpRequestFactory

TINY = {"request": "1/h", "offer": "1/h", "message": "1/h"}


@pytest.fixture
def tiny_limits(settings):
    settings.BOARD_RATE_LIMITS = TINY


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_kindly_limited(response, typed: str) -> None:
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    page = html.unescape(response.content.decode())
    assert "Everything you wrote is still here" in page
    assert typed in page


def test_it_parses_rates():
    assert parse_rate("5/h") == Rate(5, 3600)
    assert parse_rate("30/10m") == Rate(30, 600)
    assert parse_rate("2/d") == Rate(2, 86400)
    assert parse_rate("") is None


def test_it_limits_posting_requests_and_keeps_the_text(tiny_limits, asker):
    client = logged_in(asker)
    category = CategoryFactory()
    data = {
        "title": "Could someone listen for a bit?",
        "body": "It has been a long week and I would like to talk it through.",
        "category": category.pk,
        "response_kind": "listen",
    }
    assert client.post(reverse("requests:create"), data).status_code == 302

    second = dict(data, title="One more thing on my mind today", body="A second long text " * 3)
    response = client.post(reverse("requests:create"), second)

    assert_kindly_limited(response, second["body"].strip())
    assert second["title"] in html.unescape(response.content.decode())
    assert HelpRequest.objects.filter(author=asker).count() == 1


def test_it_limits_offers_and_keeps_the_text(tiny_limits, helper):
    first, second = HelpRequestFactory(), HelpRequestFactory()
    client = logged_in(helper)
    message = "I'd be glad to listen this evening."
    url = reverse("requests:make_offer", args=[first.public_id])
    assert client.post(url, {"message": message}).status_code == 302

    typed = "I could call you tomorrow morning if that helps."
    response = client.post(
        reverse("requests:make_offer", args=[second.public_id]), {"message": typed}
    )

    assert_kindly_limited(response, typed)
    assert Offer.objects.filter(helper=helper).count() == 1


def test_it_limits_messages_and_keeps_the_text(tiny_limits, offer, helper):
    client = logged_in(helper)
    url = reverse("requests:offer", args=[offer.public_id])
    assert client.post(url, {"body": "Hello there"}).status_code == 302

    response = client.post(url, {"body": "Are you around <later>?"})

    assert_kindly_limited(response, "Are you around <later>?")
    assert Message.objects.filter(offer=offer).count() == 1


def test_limits_are_per_person(tiny_limits, offer, helper, asker):
    url = reverse("requests:offer", args=[offer.public_id])
    assert logged_in(helper).post(url, {"body": "Hello there"}).status_code == 302
    assert logged_in(asker).post(url, {"body": "Hi, thank you"}).status_code == 302


def test_an_empty_rate_means_no_limit(settings, offer, helper):
    settings.BOARD_RATE_LIMITS = {"message": ""}
    client = logged_in(helper)
    url = reverse("requests:offer", args=[offer.public_id])
    for n in range(5):
        assert client.post(url, {"body": f"Message {n}"}).status_code == 302


# --- allauth's limits: sign-up, sign-in, password reset ----------------------------------


def assert_429_page(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "Please take a short pause" in page  # templates/429.html, in the site's layout
    assert reverse("crisis") in page


@pytest.mark.django_db
def test_it_limits_sign_ups(settings, client, django_capture_on_commit_callbacks):
    settings.ACCOUNT_RATE_LIMITS = {"signup": "1/h/ip"}
    data = {
        "display_name": "Newcomer",
        "password1": "a-long-and-unusual-passphrase",
        "password2": "a-long-and-unusual-passphrase",
    }
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("account_signup"), dict(data, email="one@example.org"))
        second = client.post(reverse("account_signup"), dict(data, email="two@example.org"))
    assert first.status_code == 302
    assert_429_page(second)


def test_it_limits_sign_ins(settings, client, asker):
    settings.ACCOUNT_RATE_LIMITS = {"login": "2/m/ip", "login_failed": ""}
    data = {"login": asker.email, "password": "not-the-password"}
    for _n in range(2):
        assert client.post(reverse("account_login"), data).status_code == 200
    assert_429_page(client.post(reverse("account_login"), data))


def test_it_limits_failed_sign_ins_to_one_account(settings, client, asker):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "2/5m/key"}
    data = {"login": asker.email, "password": "not-the-password"}
    for _n in range(2):
        client.post(reverse("account_login"), data)
    response = client.post(
        reverse("account_login"), {"login": asker.email, "password": "a-good-long-password"}
    )
    # Even the right password waits: the form says so, kindly, and nobody is signed in.
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_it_limits_password_resets(settings, client, asker, django_capture_on_commit_callbacks):
    settings.ACCOUNT_RATE_LIMITS = {"reset_password": "1/h/ip"}
    url = reverse("account_reset_password")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"email": asker.email}).status_code == 302
        response = client.post(url, {"email": "someone@example.org"})
    assert_429_page(response)


def test_the_configured_limits_are_sensible(settings):
    from allauth.account import app_settings

    limits = app_settings.RATE_LIMITS
    for action in ("signup", "login", "login_failed", "reset_password"):
        assert limits[action], f"{action} has no limit"
    for action in ("request", "offer", "message"):
        assert parse_rate(settings.BOARD_RATE_LIMITS[action]) is not None
