"""Bad input on every form, over HTTP: a clear error, and the page comes back
with everything the person typed still in it (nobody should lose what they
wrote about something hard)."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts.models import User
from requests.models import (
    BODY_MAX,
    MESSAGE_MAX,
    OFFER_MESSAGE_MAX,
    TITLE_MAX,
    Category,
    HelpRequest,
    Message,
    Offer,
)

pytestmark = pytest.mark.django_db

GOOD_TITLE = "Someone to talk to this weekend"
GOOD_BODY = "It's been a rough month and I'd like to talk with someone who gets it."


def assert_kept(response, *typed: str) -> None:
    """The page re-rendered (not redirected) with each typed value in it."""
    assert response.status_code == 200
    content = response.content.decode()
    for value in typed:
        assert escape(value) in content, f"{value[:40]!r} was lost"


def assert_error(response, message: str) -> None:
    content = response.content.decode()
    assert 'role="alert"' in content, "the page says something needs changing"
    assert escape(message) in content


def field_value(response, name: str) -> str:
    """The value an <input name=...> is rendered with."""
    content = response.content.decode()
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', content)
    assert match, f"no input named {name}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


# --- Asking for help (create and edit) -------------------------------------------------------


@pytest.fixture
def category(db):
    return Category.objects.get(slug="advice")


@pytest.fixture
def typed(category):
    """A complete, valid request as a person would type it."""
    return {
        "title": GOOD_TITLE,
        "body": GOOD_BODY,
        "category": str(category.pk),
        "response_kind": "advice",
        "is_anonymous": "on",
    }


def assert_request_form_kept(response, data: dict) -> None:
    assert_kept(response, data["title"], data["body"])
    content = response.content.decode()
    if Category.objects.filter(pk=data.get("category") or None).exists():
        assert re.search(rf'<option value="{data["category"]}"[^>]* selected>', content)
    if data.get("response_kind") in HelpRequest.ResponseKind.values:
        assert re.search(rf'<input[^>]*value="{data["response_kind"]}"[^>]*checked', content)
    if data.get("is_anonymous"):
        assert re.search(r'<input[^>]*name="is_anonymous"[^>]*checked', content)


BAD_REQUESTS = {
    "empty title": ({"title": ""}, "This can't be empty."),
    "whitespace title": ({"title": "     "}, "This can't be empty."),
    "short title": ({"title": "Hi"}, "Please write at least 5 characters (it has 2)."),
    "long title": (
        {"title": "x" * (TITLE_MAX + 1)},
        f"Please keep this to {TITLE_MAX} characters or fewer (it has {TITLE_MAX + 1}).",
    ),
    "empty body": ({"body": ""}, "This can't be empty."),
    "whitespace body": ({"body": " \n\t\n "}, "This can't be empty."),
    "short body": ({"body": "Need help."}, "Please write at least 20 characters (it has 10)."),
    "long body": (
        {"body": "y" * (BODY_MAX + 1)},
        f"Please keep this to {BODY_MAX} characters or fewer (it has {BODY_MAX + 1}).",
    ),
    "no category": ({"category": ""}, "Please choose what your request is about."),
    "unknown category": ({"category": "999999"}, "Select a valid choice."),
    "no kind": ({"response_kind": ""}, "Please choose the kind of response you'd like."),
    "unknown kind": ({"response_kind": "shout"}, "Select a valid choice."),
}


@pytest.mark.parametrize("bad", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
def test_it_keeps_what_was_typed_when_a_new_request_needs_fixing(client, asker, typed, bad):
    changes, message = bad
    data = {**typed, **changes}
    client.force_login(asker)

    response = client.post(reverse("requests:create"), data)

    assert_error(response, message)
    assert_request_form_kept(response, data)
    assert not HelpRequest.objects.exists()


@pytest.mark.parametrize("bad", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
def test_it_keeps_what_was_typed_when_an_edit_needs_fixing(client, asker, help_request, typed, bad):
    changes, message = bad
    data = {**typed, **changes}
    client.force_login(asker)

    response = client.post(reverse("requests:edit", args=[help_request.public_id]), data)

    assert_error(response, message)
    assert_request_form_kept(response, data)
    before = help_request.title
    help_request.refresh_from_db()
    assert help_request.title == before


def test_it_marks_the_fields_that_need_fixing(client, asker, typed):
    client.force_login(asker)

    response = client.post(reverse("requests:create"), {**typed, "title": "Hi", "body": ""})

    form = response.context["form"]
    assert set(form.errors) == {"title", "body"}
    content = response.content.decode()
    assert re.search(r'<input[^>]*name="title"[^>]*aria-invalid="true"', content)
    assert re.search(r'<textarea[^>]*name="body"[^>]*aria-invalid="true"', content)
    assert "Everything you wrote is still here." in content


def test_it_keeps_unusual_characters_exactly_as_typed(client, asker, typed):
    client.force_login(asker)
    title = "Ça va? <not> \"quoted\" & 'single' — ok"

    response = client.post(reverse("requests:create"), {**typed, "title": title, "body": ""})

    assert field_value(response, "title") == escape(title)


# --- Offering help ---------------------------------------------------------------------------


BAD_OFFERS = {
    "empty": ("", "This can't be empty."),
    "whitespace": ("   \n   ", "This can't be empty."),
    "short": ("I can hel", "Please write at least 10 characters (it has 9)."),
    "long": (
        "z" * (OFFER_MESSAGE_MAX + 1),
        f"Please keep this to {OFFER_MESSAGE_MAX} characters or fewer "
        f"(it has {OFFER_MESSAGE_MAX + 1}).",
    ),
}


@pytest.mark.parametrize("bad", BAD_OFFERS.values(), ids=BAD_OFFERS.keys())
def test_it_keeps_what_was_typed_when_an_offer_needs_fixing(client, outsider, help_request, bad):
    message, error = bad
    client.force_login(outsider)

    response = client.post(
        reverse("requests:make_offer", args=[help_request.public_id]), {"message": message}
    )

    assert_error(response, error)
    if message.strip():
        assert_kept(response, message)
    assert re.search(r'<textarea[^>]*name="message"', response.content.decode())
    assert not Offer.objects.exists()


# --- Writing in a conversation ------------------------------------------------------------------


BAD_MESSAGES = {
    "empty": ("", "This can't be empty."),
    "whitespace": (" \n\t ", "This can't be empty."),
    "long": (
        "w" * (MESSAGE_MAX + 1),
        f"Please keep this to {MESSAGE_MAX} characters or fewer (it has {MESSAGE_MAX + 1}).",
    ),
}


@pytest.mark.parametrize("bad", BAD_MESSAGES.values(), ids=BAD_MESSAGES.keys())
@pytest.mark.parametrize("sender", ["asker", "helper"])
def test_it_keeps_what_was_typed_when_a_message_needs_fixing(client, request, offer, sender, bad):
    body, error = bad
    client.force_login(request.getfixturevalue(sender))

    response = client.post(offer.get_absolute_url(), {"body": body})

    assert_error(response, error)
    if body.strip():
        assert_kept(response, body)
    assert re.search(r'<textarea[^>]*name="body"', response.content.decode())
    assert not Message.objects.exists()


# --- Account settings ---------------------------------------------------------------------------


BAD_NAMES = {
    "anonymous": ("Anonymous", "is kept for anonymous requests"),
    "anonymous in disguise": ("  aNoNyMoUs ", "is kept for anonymous requests"),
    "empty": ("", "This field is required."),
    "whitespace": ("    ", "This field is required."),
    "long": ("n" * 51, "Ensure this value has at most 50 characters (it has 51)."),
}


@pytest.mark.parametrize("bad", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_it_refuses_a_bad_display_name_in_settings(client, asker, bad):
    name, error = bad
    client.force_login(asker)

    response = client.post(reverse("accounts:settings"), {"display_name": name})

    assert_error(response, error)
    if name.strip():
        assert field_value(response, "display_name") == escape(name)
    asker.refresh_from_db()
    assert asker.display_name == "Asha Asker"


def test_it_tidies_the_spaces_in_a_display_name(client, asker):
    client.force_login(asker)

    response = client.post(reverse("accounts:settings"), {"display_name": "  Asha   the  Brave "})

    assert response.status_code == 302
    asker.refresh_from_db()
    assert asker.display_name == "Asha the Brave"


# --- Signing up (allauth, with a display name) ---------------------------------------------------


@pytest.fixture
def signup(db):
    return {
        "email": "new.person@example.org",
        "display_name": "New Person",
        "password1": "a-long-and-unusual-passphrase",
        "password2": "a-long-and-unusual-passphrase",
    }


BAD_SIGNUPS = {
    "anonymous name": ({"display_name": "Anonymous"}, "is kept for anonymous requests"),
    "empty name": ({"display_name": ""}, "This field is required."),
    "whitespace name": ({"display_name": "   "}, "This field is required."),
    "long name": ({"display_name": "n" * 51}, "at most 50 characters"),
    "bad email": ({"email": "not-an-email"}, "Enter a valid email address."),
    "passwords differ": ({"password2": "something-else-entirely"}, "You must type the same"),
    "weak password": ({"password1": "password", "password2": "password"}, "too common"),
}


@pytest.mark.parametrize("bad", BAD_SIGNUPS.values(), ids=BAD_SIGNUPS.keys())
def test_it_keeps_the_email_and_name_when_a_signup_needs_fixing(client, signup, bad):
    changes, error = bad
    data = {**signup, **changes}

    response = client.post(reverse("account_signup"), data)

    assert_error(response, error)
    assert field_value(response, "email") == escape(data["email"])
    if data["display_name"].strip():
        assert field_value(response, "display_name") == escape(data["display_name"])
    # Passwords are never sent back to the browser.
    assert field_value(response, "password1") == ""
    assert field_value(response, "password2") == ""
    assert not User.objects.filter(email=data["email"]).exists()
