"""Every account page speaks in the board's voice, titled "Page · Peer Support Board".

allauth's stock wording ("Sign Up", "Signup", "Remember Me:", "Verify Your Email
Address", "Please contact us" with no contact) is replaced by templates/account/.
"""

import re

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SITE = "Peer Support Board"
STOCK_WORDING = [
    "Sign Up",
    "Signup",
    "Remember Me",
    "Verify Your Email Address",
    "contact us",
    "Password (again)",
    "Your password can\u2019t be too similar",
    "Your password must contain at least",
    "Bad Token",
]
PASSWORD_HELP = "At least 8 characters, not only numbers"


def _title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, re.S)
    assert match, "no <title>"
    return " ".join(match.group(1).split())


def _check(response, title: str, *wording: str) -> str:
    assert response.status_code == 200
    page = response.content.decode()
    assert _title(page) == f"{title} · {SITE}"
    for words in wording:
        assert words in page, words
    for stock in STOCK_WORDING:
        assert stock not in page, stock
    # The crisis bar is inside the banner landmark (axe "region").
    header = page.index('<header class="site-header">')
    assert header < page.index('class="crisis-bar"') < page.index("</header>")
    return page


@pytest.fixture
def signed_in(client):
    user = UserFactory(email="sam@example.org")
    client.force_login(user)
    return user


def test_it_says_why_an_account_is_needed_on_the_sign_in_page(client):
    page = _check(
        client.get(reverse("account_login")),
        "Sign in",
        "An account lets you ask for help or offer it",
        "Nothing you write here is public unless you choose",
        "Keep me signed in on this device",
        "Forgotten your password?",
        "Join the board",
    )
    assert "Remember" not in page


def test_it_keeps_the_typed_email_when_signing_in_fails(client):
    response = client.post(
        reverse("account_login"), {"login": "typed@example.org", "password": "not-it"}
    )
    page = _check(response, "Sign in", "Something needs a small change")
    assert 'value="typed@example.org"' in page
    assert "not-it" not in page


def test_it_calls_signing_up_joining_with_one_set_of_plain_password_help(client):
    page = _check(
        client.get(reverse("account_signup")),
        "Join",
        "Join the board",
        "Your email address is never shown to anyone",
        "The same password again",
        PASSWORD_HELP,
    )
    assert page.count(PASSWORD_HELP) == 1
    assert '<button type="submit">Join</button>' in page
    # The help is the one the password box's aria-describedby names.
    assert 'id="id_password1_helptext"' in page
    assert 'aria-describedby="id_password1_helptext"' in page


def test_it_keeps_what_was_typed_when_joining_is_refused(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "orla@example.org",
            "display_name": "Orla",
            "password1": "short",
            "password2": "short",
        },
    )
    page = _check(response, "Join", "Something needs a small change")
    assert 'value="orla@example.org"' in page
    assert 'value="Orla"' in page
    assert 'aria-invalid="true"' in page


def test_it_asks_to_check_the_email_in_plain_words(client):
    _check(
        client.get(reverse("account_email_verification_sent")),
        "Check your email",
        "Open the link and you're in",
        "spam or junk folder",
        "we'll send a fresh link",
    )


def test_it_explains_a_used_or_old_confirmation_link(client):
    _check(
        client.get(reverse("account_confirm_email", args=["made-up-key"])),
        "Confirm your email address",
        "This link has already been used, or it is too old to use.",
    )


def test_it_walks_through_the_password_reset_in_plain_words(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    _check(
        client.get(reverse("account_reset_password")),
        "Choose a new password",
        "Forgotten your password?",
        "Send me a link",
    )
    user = UserFactory(email="rae@example.org")
    response = client.post(reverse("account_reset_password"), {"email": "rae@example.org"})
    assert response.status_code == 302
    _check(
        client.get(response["Location"]),
        "Check your email",
        "If that address has an account here",
    )

    url = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    # allauth moves the key into the session and redirects to a keyless URL.
    form_url = client.get(url)["Location"]
    _check(client.get(form_url), "Choose a new password", "New password", PASSWORD_HELP)
    response = client.post(
        form_url, {"password1": "three calm rivers", "password2": "three calm rivers"}
    )
    assert response.status_code == 302
    _check(client.get(response["Location"]), "Password changed", "Your new password is saved")


def test_it_explains_a_spent_password_link(client):
    user = UserFactory()
    url = reverse(
        "account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": "x"}
    )
    _check(client.get(url, follow=True), "Choose a new password", "This link can't be used")


def test_it_changes_the_password_in_plain_words_and_keeps_nothing_secret_on_error(
    client, signed_in
):
    _check(
        client.get(reverse("account_change_password")),
        "Change your password",
        "Current password",
        "New password",
        PASSWORD_HELP,
    )
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong-one", "password1": "x", "password2": "y"},
    )
    page = _check(response, "Change your password", "Something needs a small change")
    assert "wrong-one" not in page


def test_it_changes_the_email_in_plain_words_and_keeps_the_typed_address(client, signed_in):
    _check(
        client.get(reverse("account_email")),
        "Change your email address",
        "Your email address now: <strong>sam@example.org</strong>",
        "New email address",
    )
    response = client.post(reverse("account_email"), {"action_add": "", "email": "not-an-email"})
    page = _check(response, "Change your email address", "Something needs a small change")
    assert 'value="not-an-email"' in page


def test_it_asks_before_signing_out(client, signed_in):
    _check(
        client.get(reverse("account_logout")),
        "Sign out",
        "Sign out of the board on this device?",
        "Stay signed in",
    )


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("requests:board", "Requests for support"),
        ("stories:list", "Stories of asking"),
        ("how_it_works", "How it works"),
        ("crisis", "Urgent help"),
        ("privacy", "Privacy"),
    ],
)
def test_every_tab_title_names_the_page_then_the_board(client, name, title):
    page = client.get(reverse(name)).content.decode()
    assert _title(page) == f"{title} · {SITE}"


def test_it_asks_for_the_password_again_in_plain_words(client, signed_in):
    _check(
        client.get(reverse("account_reauthenticate")),
        "Confirm it's you",
        "we ask for your password once more",
    )


def test_it_says_goodbye_kindly(client, signed_in):
    response = client.post(reverse("account_logout"), follow=True)

    assert "You have signed out. Take care." in response.content.decode()
