"""Joining, verifying, signing in and managing an account, over HTTP.

allauth's emails go through the board's outbox like every other email, so they
are sent once the transaction commits.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase"


def _link(email, path_prefix: str) -> str:
    """The path of the first link in the email that starts with `path_prefix`."""
    site = re.escape(settings.SITE_URL)
    match = re.search(rf"{site}({re.escape(path_prefix)}\S+)", email.body)
    assert match, f"no {path_prefix} link in:\n{email.body}"
    return match.group(1)


@pytest.fixture
def signed_up(client, mailoutbox, django_capture_on_commit_callbacks):
    """A person who has just filled in the sign-up form."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "Nia.New@Example.org",
                "display_name": "  Nia   New ",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
    return response


def test_it_signs_up_with_a_display_name_and_asks_to_verify(client, signed_up):
    assert signed_up.status_code == 302
    assert signed_up["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email__iexact="nia.new@example.org")
    assert user.display_name == "Nia New"
    assert user.check_password(PASSWORD)
    assert not EmailAddress.objects.get(user=user).verified
    # Not signed in until the address is verified.
    assert "_auth_user_id" not in client.session


def test_it_sends_the_verification_email_through_the_outbox(signed_up, mailoutbox):
    notification = Notification.objects.get()
    assert notification.kind == Notification.Kind.ACCOUNT
    assert notification.state == Notification.State.SENT
    assert notification.to_email.lower() == "nia.new@example.org"
    assert notification.recipient == User.objects.get()
    # The one-time key is not kept once the email is sent.
    assert notification.payload == {}
    assert notification.sent_at is not None

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert [address.lower() for address in email.to] == ["nia.new@example.org"]
    assert email.subject.strip()
    assert _link(email, "/accounts/confirm-email/")
    assert email.message()["Message-ID"]


def test_it_writes_account_emails_without_blanks(
    client, signed_up, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(email="rae@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "rae@example.org"})
        client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})

    assert len(mailoutbox) == 3
    for email in mailoutbox:
        # allauth's templates name the site; an empty context would leave "from !".
        assert "from !" not in email.body
        assert "using !" not in email.body
        assert "Peer Support Board" in email.body


def test_it_verifies_the_address_and_signs_in_from_the_link(client, signed_up, mailoutbox):
    path = _link(mailoutbox[0], "/accounts/confirm-email/")

    # The link itself confirms (ACCOUNT_CONFIRM_EMAIL_ON_GET): no second click.
    response = client.get(path)

    assert response.status_code == 302
    user = User.objects.get()
    assert EmailAddress.objects.get(user=user).verified
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("accounts:settings")).status_code == 200


def test_a_mail_scanner_opening_the_link_first_confirms_but_signs_nobody_in(
    client, signed_up, mailoutbox
):
    path = _link(mailoutbox[0], "/accounts/confirm-email/")
    scanner = Client()

    assert scanner.get(path).status_code == 302
    assert EmailAddress.objects.get().verified
    # Signing in after confirming needs the session that joined.
    assert "_auth_user_id" not in scanner.session

    # The person, clicking next, is told kindly what to do.
    page = client.get(path).content.decode()
    assert "This link has already been used" in page
    assert "you can simply" in page and reverse("account_login") in page


def test_it_refuses_a_made_up_verification_key(client, signed_up):
    response = client.post(reverse("account_confirm_email", args=["made-up-key"]))

    assert not EmailAddress.objects.get().verified
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 404)


def test_it_signs_in_by_email(client):
    user = UserFactory(email="kim@example.org")

    response = client.post(
        reverse("account_login"), {"login": "KIM@example.org", "password": "a-good-long-password"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("requests:mine")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_it_refuses_a_wrong_password_and_keeps_the_email(client):
    UserFactory(email="kim@example.org")

    response = client.post(
        reverse("account_login"), {"login": "kim@example.org", "password": "not-my-password"}
    )

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    content = response.content.decode()
    assert 'value="kim@example.org"' in content
    assert "not correct" in content


def test_it_asks_an_unverified_member_to_verify_before_signing_in(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    user = UserFactory(email="una@example.org")
    EmailAddress.objects.filter(user=user).update(verified=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_login"),
            {"login": "una@example.org", "password": "a-good-long-password"},
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert [m.to for m in mailoutbox] == [["una@example.org"]]


def test_it_emails_a_password_reset_link_that_works(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    user = UserFactory(email="rae@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "rae@example.org"})

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["rae@example.org"]
    notification = Notification.objects.get()
    assert notification.kind == Notification.Kind.ACCOUNT
    assert notification.state == Notification.State.SENT
    assert notification.payload == {}

    # The link hides its key from the address bar, then shows the form.
    key_page = client.get(_link(mailoutbox[0], "/accounts/password/reset/key/"), follow=True)
    assert key_page.status_code == 200
    assert key_page.redirect_chain
    set_password_path = key_page.redirect_chain[-1][0]
    done = client.post(
        set_password_path,
        {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase")


def test_it_does_not_reveal_whether_an_address_has_an_account(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})

    # Same answer as for a member; the email says there is no account.
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["nobody@example.org"]]
    assert "/accounts/password/reset/key/" not in mailoutbox[0].body
    assert Notification.objects.get().recipient is None


def test_it_shows_the_settings_page_to_its_owner(client, asker):
    client.force_login(asker)

    response = client.get(reverse("accounts:settings"))

    content = response.content.decode()
    assert response.status_code == 200
    assert 'value="Asha Asker"' in content
    assert "asha@example.org" in content


def test_it_saves_a_new_display_name(client, asker):
    client.force_login(asker)

    response = client.post(reverse("accounts:settings"), {"display_name": "Asha B."}, follow=True)

    assert response.redirect_chain == [(reverse("accounts:settings"), 302)]
    asker.refresh_from_db()
    assert asker.display_name == "Asha B."
    assert "Your settings are saved." in response.content.decode()


def test_it_requires_signing_in_for_settings(client):
    for method in (client.get, client.post):
        response = method(reverse("accounts:settings"))

        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next=/settings/"
