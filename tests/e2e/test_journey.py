"""The board's central story in a real browser: someone joins and asks for
help anonymously, someone else offers, they talk privately, it is resolved."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from requests.models import BODY_MIN, HelpRequest, Offer
from tests.factories import CategoryFactory, UserFactory
from tests.support.browser import sign_in, submit

pytestmark = [
    pytest.mark.e2e,
    # Committed data, and the seeded rows put back for whoever comes next.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ASKER_EMAIL = "wrenna.thistlewood@example.org"
ASKER_NAME = "Wrenna Thistlewood"
HELPER_NAME = "Colm Brightwater"
PASSWORD = "a sturdy passphrase for the tests"
CATEGORY = "Housing and home"
TITLE = "Could someone help me write to my landlord?"
BODY = "The flat has been damp for months and I freeze up every time I try to write the email."
OFFER = "I have written a few of these letters before and would be glad to help you draft one."
ASKER_SAYS = "Thank you so much. Where would you start?"
HELPER_SAYS = "Start with the dates you reported the damp, then what you would like done."


_submit = submit


def _verification_link(address: str) -> str:
    for message in reversed(mail.outbox):
        if address in message.to:
            found = re.search(r"https?://\S+/accounts/confirm-email/\S+?/", message.body)
            if found:
                return urlsplit(found.group(0)).path
    raise AssertionError(f"no verification email to {address} in {len(mail.outbox)} messages")


def sign_up_and_verify(page: Page, email: str, name: str) -> None:
    page.goto("/accounts/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=display_name]", name)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    _submit(page, "password1")
    expect(page.locator("main")).to_contain_text("Check your email")

    # The link itself confirms and signs in (ACCOUNT_CONFIRM_EMAIL_ON_GET): no second click.
    page.goto(_verification_link(email))
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


class Watcher:
    """Checks every page one person sees for what they must never see."""

    def __init__(self, page: Page, *secrets: str) -> None:
        self.page, self.secrets, self.pages_checked = page, secrets, 0

    def check(self) -> None:
        html = self.page.content()
        for secret in self.secrets:
            assert secret not in html, f"{secret!r} shown to the helper at {self.page.url}"
        self.pages_checked += 1


def test_ask_anonymously_get_help_talk_and_resolve(new_person):
    CategoryFactory(name=CATEGORY, slug="housing-home")
    helper_user = UserFactory(display_name=HELPER_NAME, email="colm.brightwater@example.org")

    # The asker joins, verifies their email and asks anonymously.
    asker = new_person()
    sign_up_and_verify(asker, ASKER_EMAIL, ASKER_NAME)
    asker.get_by_role("link", name="Ask for help").first.click()
    asker.fill("input[name=title]", TITLE)
    asker.fill("textarea[name=body]", BODY)
    asker.select_option("select[name=category]", label=CATEGORY)
    asker.locator("input[name=response_kind]").first.check()
    asker.check("input[name=is_anonymous]")
    _submit(asker, "title")
    expect(asker.locator("main")).to_contain_text("Your request is posted")
    expect(asker.locator("main")).to_contain_text("shown to others as Anonymous")
    help_request = HelpRequest.objects.get(title=TITLE)
    assert help_request.is_anonymous
    assert help_request.author.display_name == ASKER_NAME

    # A second person signs in, browses the board and offers help.
    helper = new_person()
    watch = Watcher(helper, ASKER_NAME, ASKER_EMAIL)
    sign_in(helper, helper_user.email, "a-good-long-password")
    helper.goto("/")
    card = helper.locator("li", has_text=TITLE)
    expect(card).to_contain_text("by Anonymous")
    watch.check()
    card.get_by_role("link", name=TITLE).click()
    expect(helper.locator("h1")).to_have_text(TITLE)
    expect(helper.locator("main")).to_contain_text("by Anonymous")
    watch.check()
    helper.fill("textarea[name=message]", OFFER)
    _submit(helper, "message")
    expect(helper.locator("main")).to_contain_text("Thank you for offering")
    expect(helper.locator("h1")).to_contain_text("Anonymous")
    watch.check()

    # The asker is told by email, without the helper's address.
    offer = Offer.objects.get(request=help_request)
    to_asker = [message for message in mail.outbox if message.to == [ASKER_EMAIL]]
    about_offer = [message for message in to_asker if offer.get_absolute_url() in message.body]
    assert len(about_offer) == 1, [message.subject for message in to_asker]
    assert helper_user.email not in about_offer[0].message().as_string()

    # The asker opens their request and accepts the offer.
    asker.goto(help_request.get_absolute_url())
    expect(asker.locator("main")).to_contain_text(f"{HELPER_NAME} offered to help")
    expect(asker.locator("main")).to_contain_text(OFFER)
    asker.get_by_role("button", name="Accept this offer").click()
    expect(asker.locator("main")).to_contain_text("You accepted this offer")
    expect(asker.locator("h1")).to_contain_text(f"Your conversation with {HELPER_NAME}")

    # They talk: each sees the other's message.
    asker.fill("textarea[name=body]", ASKER_SAYS)
    _submit(asker, "body")
    expect(asker.locator(".thread")).to_contain_text(ASKER_SAYS)

    helper.goto(offer.get_absolute_url())
    expect(helper.locator(".thread")).to_contain_text(ASKER_SAYS)
    expect(helper.locator(".thread li", has_text=ASKER_SAYS)).to_contain_text("Anonymous")
    watch.check()
    helper.fill("textarea[name=body]", HELPER_SAYS)
    _submit(helper, "body")
    expect(helper.locator(".thread")).to_contain_text(HELPER_SAYS)
    watch.check()

    asker.reload()
    reply = asker.locator(".thread li", has_text=HELPER_SAYS)
    expect(reply).to_contain_text(HELPER_NAME)

    # The asker marks the request resolved.
    asker.get_by_role("button", name=re.compile("resolved", re.IGNORECASE)).first.click()
    expect(asker.locator("main")).to_contain_text("Marked as resolved")
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.RESOLVED

    helper.goto(help_request.get_absolute_url())
    expect(helper.locator("main")).to_contain_text("Resolved")
    watch.check()
    helper.goto("/my/offers/")
    expect(helper.locator("main")).to_contain_text(TITLE)
    watch.check()
    assert watch.pages_checked >= 7


def test_a_too_short_request_keeps_what_was_typed(new_person):
    CategoryFactory(name=CATEGORY, slug="housing-home")
    person = UserFactory(display_name="Ines Marlow")
    page = new_person()
    sign_in(page, person.email, "a-good-long-password")
    page.goto("/requests/new/")
    title, body = "Feeling a bit lost this week", "Too short."

    page.fill("input[name=title]", title)
    page.fill("textarea[name=body]", body)
    page.select_option("select[name=category]", label=CATEGORY)
    page.locator("input[name=response_kind]").first.check()
    _submit(page, "title")

    expect(page.locator("main")).to_contain_text(f"at least {BODY_MIN} characters")
    expect(page.locator("input[name=title]")).to_have_value(title)
    expect(page.locator("textarea[name=body]")).to_have_value(body)
    assert not HelpRequest.objects.filter(title=title).exists()
