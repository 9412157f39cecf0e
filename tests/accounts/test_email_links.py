"""Every link the board emails points at the configured site (SITE_URL), not at
whatever host a request came in on: allauth's verification, reset and "you
already have an account" links as well as the notifications' own."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import HelpRequestFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE = "https://board.example.org"
PASSWORD = "a-long-and-unusual-passphrase"


def _links(message) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", message.body)


def _post(client, url, data, capture):
    # The request arrives on another name for the same server (a proxy, a LAN address).
    with capture(execute=True):
        return client.post(url, data, HTTP_HOST="localhost")


@override_settings(SITE_URL=SITE)
def test_the_verification_link_is_on_the_configured_site(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    data = {
        "email": "nia.new@example.org",
        "display_name": "Nia",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    _post(client, reverse("account_signup"), data, django_capture_on_commit_callbacks)

    (message,) = mailoutbox
    links = _links(message)
    assert any(link.startswith(f"{SITE}/accounts/confirm-email/") for link in links), links
    assert not [link for link in links if "localhost" in link]


@override_settings(SITE_URL=SITE)
def test_password_reset_links_are_on_the_configured_site(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(email="orla@example.org")
    url = reverse("account_reset_password")
    _post(client, url, {"email": "orla@example.org"}, django_capture_on_commit_callbacks)
    # An address with no account gets the "no account here" email, with its own links.
    _post(client, url, {"email": "nobody@example.org"}, django_capture_on_commit_callbacks)

    reset, unknown = mailoutbox
    assert any(link.startswith(f"{SITE}/accounts/password/reset/key/") for link in _links(reset))
    assert _links(unknown), unknown.body
    for message in (reset, unknown):
        assert all(link.startswith(SITE) for link in _links(message)), message.body


@override_settings(SITE_URL=SITE)
def test_notification_links_are_on_the_configured_site(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    help_request = HelpRequestFactory()
    helper = UserFactory()
    client.force_login(helper)
    url = reverse("requests:make_offer", args=[help_request.public_id])
    message = "I have been through this and would be glad to listen."
    _post(client, url, {"message": message}, django_capture_on_commit_callbacks)

    (email,) = mailoutbox
    assert _links(email)
    assert all(link.startswith(SITE) for link in _links(email)), email.body
