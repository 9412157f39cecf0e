"""Sign-up and password reset answer the same whether or not an address has an
account (ACCOUNT_PREVENT_ENUMERATION), and an email goes out either way: the
owner of a known address is told that someone tried, the unknown one is told
there is no account."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.contrib.auth.hashers import get_hasher
from django.test import Client
from django.urls import reverse

from accounts.models import User
from notifications.models import Notification
from tests.factories import UserFactory

PASSWORD = "a-long-and-unusual-passphrase"
KNOWN = "rae@example.org"
UNKNOWN = "nobody-here@example.org"


def normalised(response) -> str:
    """The page, without what differs between any two renders (CSRF tokens)."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    return text.replace(KNOWN, "EMAIL").replace(UNKNOWN, "EMAIL")


def answer(response) -> tuple:
    headers = {k: v for k, v in response.items() if k.lower() not in {"content-length"}}
    return response.status_code, headers.get("Location"), sorted(headers), normalised(response)


@pytest.fixture
def known(db):
    return UserFactory(email=KNOWN, display_name="Rae")


def post_and_follow(url: str, data: dict, capture) -> tuple:
    client = Client()
    with capture(execute=True):
        response = client.post(url, data)
    followed = client.get(response["Location"]) if response.status_code == 302 else None
    return answer(response), answer(followed) if followed else None


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(
    known, mailoutbox, django_capture_on_commit_callbacks
):
    url = reverse("account_reset_password")
    for_known = post_and_follow(url, {"email": KNOWN}, django_capture_on_commit_callbacks)
    for_unknown = post_and_follow(url, {"email": UNKNOWN}, django_capture_on_commit_callbacks)

    assert for_known[0][0] == 302
    assert for_known[0][1] == reverse("account_reset_password_done")
    assert for_known == for_unknown

    # Both addresses get an email: a reset link, or word that there is no account.
    assert sorted(m.to[0] for m in mailoutbox) == sorted([KNOWN, UNKNOWN])
    to_known = next(m for m in mailoutbox if m.to == [KNOWN])
    to_unknown = next(m for m in mailoutbox if m.to == [UNKNOWN])
    assert "/accounts/password/reset/key/" in to_known.body
    assert "/accounts/password/reset/key/" not in to_unknown.body


def test_sign_up_answers_the_same_for_a_new_and_a_taken_address(
    known, mailoutbox, django_capture_on_commit_callbacks
):
    url = reverse("account_signup")
    data = {"display_name": "Someone", "password1": PASSWORD, "password2": PASSWORD}
    for_known = post_and_follow(url, dict(data, email=KNOWN), django_capture_on_commit_callbacks)
    for_new = post_and_follow(url, dict(data, email=UNKNOWN), django_capture_on_commit_callbacks)

    assert for_known[0][0] == 302
    assert for_known[0][1] == reverse("account_email_verification_sent")
    assert for_known == for_new

    # The new address is asked to verify; the taken one is told someone tried to sign up.
    assert sorted(m.to[0] for m in mailoutbox) == sorted([KNOWN, UNKNOWN])
    to_known = next(m for m in mailoutbox if m.to == [KNOWN])
    to_new = next(m for m in mailoutbox if m.to == [UNKNOWN])
    assert "/accounts/confirm-email/" in to_new.body
    assert "/accounts/confirm-email/" not in to_known.body
    # The taken address's account is untouched: nobody took it over.
    assert User.objects.get(email=KNOWN).display_name == "Rae"
    assert User.objects.get(email=KNOWN).check_password("a-good-long-password")


def test_sign_up_does_the_same_work_for_a_new_and_a_taken_address(
    known, settings, django_capture_on_commit_callbacks
):
    """Issue 8, item 4: a taken address answered in 17 ms, a new one in 550 ms (the
    password hash), so the time told who has an account. Without timing anything:
    both paths hash a password exactly once, queue exactly one email in the outbox,
    and answer with the same page."""
    hasher = type(get_hasher())
    url = reverse("account_signup")
    data = {"display_name": "Someone", "password1": PASSWORD, "password2": PASSWORD}
    work = {}
    answers = {}
    for name, email in (("taken", KNOWN), ("new", UNKNOWN)):
        before = Notification.objects.filter(kind=Notification.Kind.ACCOUNT).count()
        with mock.patch.object(hasher, "encode", autospec=True, side_effect=hasher.encode) as enc:
            answers[name] = post_and_follow(
                url, dict(data, email=email), django_capture_on_commit_callbacks
            )
        queued = Notification.objects.filter(kind=Notification.Kind.ACCOUNT).count() - before
        work[name] = {"hashes": enc.call_count, "emails queued": queued}

    assert work["new"] == {"hashes": 1, "emails queued": 1}
    assert work["taken"] == work["new"]
    assert answers["taken"] == answers["new"]
