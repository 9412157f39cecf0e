"""A helper's journey in Chromium (issue 14): follow requests from the board,
offer, withdraw (with a confirmation), be accepted, talk, be not taken up, see a
request resolved; and a newcomer who joins from "Offer help" lands back on the
request. At each step: what each person sees, what they are emailed, and axe on
every page."""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from notifications.models import HelperSubscription
from requests.models import HelpRequest, Offer
from tests.factories import CategoryFactory, UserFactory
from tests.support.axe import Axe
from tests.support.browser import Mailbox, link_path, sign_in, submit

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ASKER = "Tamsin Oakridge"
HELPER = "Ravi Lindqvist"
TITLE = "Could someone help me sort out a repair with my landlord?"
TITLE_2 = "Looking for someone to help me move a sofa on Saturday"
BODY = "The boiler has been broken for two weeks and I do not know what to write to them."
OFFER = "I have written to landlords about repairs before and can help you draft it."
OFFER_2 = "Happy to help; I will bring a friend and we can carry it down together."


def _ask(page: Page, title: str, axe: Axe) -> HelpRequest:
    page.goto("/requests/new/")
    axe.check(page)
    page.fill("input[name=title]", title)
    page.fill("textarea[name=body]", BODY)
    page.select_option("select[name=category]", label="Housing and home")
    page.check("input[name=response_kind][value=practical]")
    submit(page, "title")
    expect(page.locator("main")).to_contain_text("Your request is posted")
    axe.check(page)
    return HelpRequest.objects.get(title=title)


def _offer(page: Page, help_request: HelpRequest, text: str, axe: Axe) -> Offer:
    page.goto(help_request.get_absolute_url())
    axe.check(page)
    page.fill("textarea[name=message]", text)
    submit(page, "message")
    expect(page.locator("main")).to_contain_text("Thank you for offering. The asker has been told.")
    axe.check(page)
    return Offer.objects.filter(request=help_request).latest("pk")


def test_a_helpers_journey(new_person):
    CategoryFactory(name="Housing and home", slug="housing")
    CategoryFactory(name="Money", slug="money")
    asker_user = UserFactory(display_name=ASKER, email="tamsin@example.org")
    helper_user = UserFactory(display_name=HELPER, email="ravi@example.org")
    axe, box = Axe(), Mailbox()

    # The helper follows what they are looking at on the board.
    helper = new_person()
    sign_in(helper, helper_user.email)
    helper.goto("/")
    helper.select_option("select[name=category]", label="Housing and home")
    helper.select_option("select[name=kind]", value="practical")
    helper.get_by_role("button", name="Show requests").click()
    expect(helper.locator("main")).to_contain_text(
        "New requests in Housing and home, for Practical help."
    )
    axe.check(helper)
    helper.get_by_role("button", name="Tell me about new requests like these").click()
    expect(helper.locator("main")).to_contain_text("tell you about new requests like these")
    assert helper.url.endswith("/?category=housing&kind=practical")
    subscription = HelperSubscription.objects.get(user=helper_user)
    assert [c.slug for c in subscription.categories.all()] == ["housing"]
    assert subscription.response_kinds == ["practical"]
    # ...and asks for them by email at once, on the one settings form.
    helper.get_by_role("link", name="What I follow").click()
    expect(helper.locator("#follow input[name=is_active]")).to_be_checked()
    axe.check(helper)
    helper.select_option("select[name=new_request]", value="immediate")
    helper.get_by_role("button", name="Save settings").click()
    expect(helper.locator("main")).to_contain_text("Your settings are saved.")
    assert box.new() == []

    # Someone asks; the helper hears of it by email (discreetly) and in the app.
    asker = new_person()
    sign_in(asker, asker_user.email)
    first = _ask(asker, TITLE, axe)
    (told,) = Mailbox.to(box.new(), helper_user.email)
    assert TITLE not in told.subject + told.body
    helper.goto(link_path(told, first.get_absolute_url()))
    expect(helper.locator("h1")).to_have_text(TITLE)

    # The helper offers; the asker is emailed.
    offer = _offer(helper, first, OFFER, axe)
    (to_asker,) = box.new()
    assert to_asker.to == [asker_user.email]
    assert offer.get_absolute_url() in to_asker.body

    # The helper withdraws: a page asks first, and "No" changes nothing.
    helper.get_by_role("link", name="Withdraw my offer").click()
    expect(helper.locator("h1")).to_have_text("Withdraw your offer?")
    expect(helper.locator("main")).to_contain_text("will be told that an offer was withdrawn")
    axe.check(helper)
    helper.get_by_role("link", name="No, keep my offer").click()
    expect(helper.locator("main .badge").first).to_have_text("Waiting for the asker")
    assert box.new() == []
    helper.get_by_role("link", name="Withdraw my offer").click()
    helper.get_by_role("button", name="Yes, withdraw my offer").click()
    expect(helper.locator("main")).to_contain_text("Your offer is withdrawn.")
    axe.check(helper)
    (withdrawn,) = box.new()
    assert withdrawn.to == [asker_user.email]
    assert "withdrawn their offer" in withdrawn.body
    assert HELPER not in withdrawn.subject + withdrawn.body
    # The asker's page says the same thing everywhere on it.
    asker.goto(first.get_absolute_url())
    expect(asker.locator("main")).to_contain_text(f"{HELPER} withdrew their offer.")
    expect(asker.locator("main")).not_to_contain_text("Nobody has offered yet")
    expect(asker.get_by_role("button", name="Accept this offer")).to_have_count(0)
    axe.check(asker)

    # The helper offers again; the asker accepts; they talk.
    offer = _offer(helper, first, OFFER, axe)
    box.new()
    asker.goto(first.get_absolute_url())
    asker.get_by_role("button", name="Accept this offer").click()
    expect(asker.locator("main")).to_contain_text("You accepted this offer")
    axe.check(asker)
    (accepted,) = box.new()
    assert accepted.to == [helper_user.email]
    helper.goto(link_path(accepted, offer.get_absolute_url()))
    expect(helper.locator("main .badge").first).to_have_text("Accepted")
    expect(helper.locator(".thread")).to_contain_text("A simple hello is a good start")
    helper.fill("textarea[name=body]", "Hello! Shall we start with the dates?")
    submit(helper, "body")
    expect(helper.locator(".thread")).to_contain_text("Shall we start with the dates?")
    axe.check(helper)
    (message_mail,) = box.new()
    assert message_mail.to == [asker_user.email]
    assert "Shall we start" not in message_mail.body
    asker.goto(link_path(message_mail, offer.get_absolute_url()))
    asker.fill("textarea[name=body]", "Yes please, thank you.")
    submit(asker, "body")
    expect(asker.locator(".thread")).to_contain_text("Yes please, thank you.")
    assert [m.to for m in box.new()] == [[helper_user.email]]

    # A second request: this offer is not taken up.
    second = _ask(asker, TITLE_2, axe)
    box.new()
    not_taken = _offer(helper, second, OFFER_2, axe)
    box.new()
    asker.goto(second.get_absolute_url())
    asker.get_by_role("button", name="Not this time").click()
    expect(asker.locator("main")).to_contain_text("aren't taking up this offer")
    (update,) = box.new()
    assert update.to == [helper_user.email]
    assert TITLE_2 not in update.subject + update.body
    # In the app, the item names the request and opens it.
    helper.goto("/notifications/")
    axe.check(helper)
    item = helper.locator("li.notification", has_text="taken up").first
    expect(item).to_contain_text(f"About: {TITLE_2}")
    item.get_by_role("button", name="Open").click()
    # It opens the offer on that request, which says what happened.
    assert helper.url.endswith(not_taken.get_absolute_url())
    expect(helper.get_by_role("link", name=f"← Request: {TITLE_2}")).to_be_visible()
    expect(helper.locator("main")).to_contain_text("Not taken up")
    # It offers a way on, not only "Block this person".
    expect(helper.get_by_role("link", name="See who else is asking")).to_be_visible()
    expect(helper.locator("main")).not_to_contain_text("A simple hello")
    expect(helper.get_by_role("link", name="Withdraw my offer")).to_have_count(0)
    axe.check(helper)

    # The first request is resolved: the helper is told and the offer is final.
    asker.goto(first.get_absolute_url())
    asker.get_by_role("button", name="Mark as resolved").click()
    expect(asker.locator("main")).to_contain_text("Marked as resolved")
    (resolved,) = box.new()
    assert resolved.to == [helper_user.email]
    helper.goto(offer.get_absolute_url())
    expect(helper.locator("main")).to_contain_text("The asker marked this request as resolved")
    expect(helper.locator("main")).to_contain_text("the conversation has ended")
    expect(helper.get_by_role("link", name="Withdraw my offer")).to_have_count(0)
    axe.check(helper)
    helper.goto(f"/offers/{offer.public_id}/withdraw/")
    expect(helper.locator("main")).to_contain_text("can't be withdrawn any more")
    asker.goto(first.get_absolute_url())
    # Only the offer withdrawn earlier is listed as withdrawn; the helper stays accepted.
    expect(asker.locator("#withdrawn-offers li")).to_have_count(1)
    expect(asker.locator("section.card", has_text=OFFER).last).to_contain_text("Accepted")
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED
    helper.goto("/my/offers/")
    axe.check(helper)
    assert len(set(axe.checked)) >= 12


def test_joining_from_offer_help_comes_back_to_the_request(new_person):
    CategoryFactory(name="Housing and home", slug="housing")
    asker = UserFactory(display_name=ASKER)
    help_request = HelpRequest.objects.create(
        author=asker,
        title=TITLE,
        body=BODY,
        category_id=CategoryFactory(slug="housing").pk,
        response_kind="practical",
    )
    axe = Axe()
    visitor = new_person()
    visitor.goto(help_request.get_absolute_url())
    axe.check(visitor)
    visitor.locator("main").get_by_role("link", name="join", exact=True).click()
    axe.check(visitor)
    visitor.fill("input[name=email]", "newcomer@example.org")
    visitor.fill("input[name=display_name]", "Nell Newcomer")
    visitor.fill("input[name=password1]", "a sturdy passphrase for the tests")
    visitor.fill("input[name=password2]", "a sturdy passphrase for the tests")
    submit(visitor, "password1")
    expect(visitor.locator("main")).to_contain_text("Check your email")
    axe.check(visitor)
    (verification,) = [m for m in mail.outbox if m.to == ["newcomer@example.org"]]

    # The link itself confirms and signs in (ACCOUNT_CONFIRM_EMAIL_ON_GET): no second click.
    visitor.goto(link_path(verification, "/accounts/confirm-email/"))

    expect(visitor.locator("h1")).to_have_text(TITLE)
    assert visitor.url.endswith(help_request.get_absolute_url())
    expect(visitor.get_by_role("button", name="Sign out")).to_be_visible()
    expect(visitor.locator("textarea[name=message]")).to_be_visible()
    axe.check(visitor)
