"""A moderator's journey in Chromium (issue 14): a report comes in, a warning
without a note is refused and keeps every choice, then warns; other reports are
hidden or dismissed; the log fits a phone; the break-glass look survives a
reload as one look; first offers are approved and not passed on. At each step:
what each person sees and is emailed, and axe on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from moderation.models import ModerationAction, Report
from moderation.services import make_moderator
from requests import services
from requests.models import HelpRequest, Offer
from tests.factories import CategoryFactory, HelpRequestFactory, UserFactory
from tests.support.axe import Axe
from tests.support.browser import Mailbox, link_path, sign_in, submit

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NOTE = "Please keep to the board's guidelines: no selling here, only kindness."
REASON = "A report says this person may be in danger tonight and we need to reach them."
REJECT_NOTE = "Please don't ask for phone numbers in a first offer; talk on the board."


def _card(page: Page, text: str):
    return page.locator("article.card", has_text=text)


def test_a_moderators_journey(new_person, settings):
    settings.BOARD_REVIEW_FIRST_OFFERS = 1
    category = CategoryFactory(name="Housing and home", slug="housing")
    moderator_user = UserFactory(display_name="Mina Moderator", email="mina@example.org")
    make_moderator(user=moderator_user)
    wren = UserFactory(display_name="Wren Walker", email="wren@example.org")
    reporter_user = UserFactory(display_name="Rosa Reporter", email="rosa@example.org")
    spam = HelpRequestFactory(author=wren, category=category, title="Cheap pills, message me now")
    rude = HelpRequestFactory(category=category, title="Everyone here is useless honestly")
    fine = HelpRequestFactory(category=category, title="Can someone help me plan a budget?")
    hidden_author = UserFactory(display_name="Hollis Quietly", email="hollis@example.org")
    flagged = HelpRequestFactory(
        author=hidden_author,
        is_anonymous=True,
        needs_attention=True,
        category=category,
        title="I do not know how much longer I can keep going",
    )
    for target in (rude, fine):
        Report.objects.create(reporter=reporter_user, help_request=target, reason="harmful")
    axe, box = Axe(), Mailbox()

    # A member reports Wren's request.
    reporter = new_person()
    sign_in(reporter, reporter_user.email)
    reporter.goto(spam.get_absolute_url())
    reporter.get_by_role("link", name="Report this request").click()
    axe.check(reporter)
    reporter.locator("input[name=reason][value=spam]").check()
    submit(reporter, "reason")
    expect(reporter.locator("main")).to_contain_text("Thank you for telling us")
    assert box.new() == []

    # The moderator's queue: a button per action, each saying what it does.
    moderator = new_person()
    sign_in(moderator, moderator_user.email)
    moderator.goto("/moderation/")
    axe.check(moderator)
    card = _card(moderator, spam.title)
    expect(card.locator("select")).to_have_count(0)
    expect(card.get_by_role("button", name="Warn Wren Walker")).to_be_visible()

    # Warning without a note is refused, on the card, keeping what was chosen.
    card.locator("input[name=also_hide]").check()
    card.get_by_role("button", name="Warn Wren Walker").click()
    card = _card(moderator, spam.title)
    expect(card.locator("[role=alert]")).to_contain_text("To warn Wren Walker, please write a note")
    expect(card.locator("input[name=also_hide]")).to_be_checked()
    expect(card.locator("textarea[name=note]")).to_be_focused()
    axe.check(moderator)
    assert not ModerationAction.objects.exists()
    # The moderator changes their mind about hiding, writes the note, and warns.
    card.locator("input[name=also_hide]").uncheck()
    card.locator("textarea[name=note]").fill(NOTE)
    card.get_by_role("button", name="Warn Wren Walker").click()
    expect(moderator.locator(".messages")).to_contain_text(
        "Wren Walker is warned and can read your note. It's in the moderation log."
    )
    axe.check(moderator)
    assert [a.kind for a in ModerationAction.objects.all()] == ["warn"]
    spam.refresh_from_db()
    assert not spam.is_hidden
    sent = box.new()
    (to_wren,) = Mailbox.to(sent, wren.email)
    (to_reporter,) = Mailbox.to(sent, reporter_user.email)
    assert NOTE not in to_wren.body
    assert "Wren" not in to_reporter.subject + to_reporter.body.replace("Rosa", "")
    wren_page = new_person()
    sign_in(wren_page, wren.email)
    wren_page.goto(link_path(to_wren, "/moderation/notes/"))
    expect(wren_page.locator("main")).to_contain_text(NOTE)
    axe.check(wren_page)

    # Hide one report's request, dismiss the other.
    _card(moderator, rude.title).get_by_role("button", name="Hide it").click()
    expect(moderator.locator(".messages")).to_contain_text(
        "The request is hidden from everyone but its author."
    )
    _card(moderator, fine.title).get_by_role("button", name="Dismiss the report").click()
    expect(moderator.locator(".messages")).to_contain_text("The report is dismissed")
    axe.check(moderator)
    assert sorted(m.to[0] for m in box.new()) == [reporter_user.email] * 2
    reporter.goto(rude.get_absolute_url())
    expect(reporter.locator("h1")).not_to_have_text(rude.title)
    # The reporter reads each outcome, kindly put, without names.
    reporter.goto("/moderation/my-reports/")
    expect(reporter.locator("main")).to_contain_text("removed it from the board")
    expect(reporter.locator("main")).to_contain_text("reminded the person of the board")
    axe.check(reporter)

    # The log, on a phone: nothing off-screen, every column named.
    moderator.set_viewport_size({"width": 375, "height": 800})
    moderator.goto("/moderation/log/")
    axe.check(moderator)
    widths = moderator.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the log is {widths[0]}px wide on a {widths[1]}px screen"
    show_again = moderator.get_by_role("button", name="Show again")
    expect(show_again).to_be_visible()
    box_ = show_again.bounding_box()
    assert box_ is not None and box_["x"] + box_["width"] <= 375
    for header in moderator.locator("table.log th").all_inner_texts():
        assert header.strip()
    expect(moderator.locator("main")).to_contain_text("Warned a person: Wren Walker")
    moderator.set_viewport_size({"width": 1280, "height": 900})

    # Break-glass, from the flagged request's card: one look, however often reloaded.
    moderator.goto("/moderation/")
    _card(moderator, flagged.title).get_by_role(
        "link", name="Who wrote this anonymous request?"
    ).click()
    expect(moderator.locator("main")).not_to_contain_text(hidden_author.email)
    axe.check(moderator)
    moderator.fill("textarea[name=reason]", REASON)
    moderator.get_by_role("button", name="Record my reason and show the author").click()
    expect(moderator.locator("main")).to_contain_text(hidden_author.email)
    axe.check(moderator)
    moderator.reload()
    moderator.reload()
    expect(moderator.locator("main")).to_contain_text(hidden_author.email)
    assert ModerationAction.objects.filter(kind="reveal_author").count() == 1
    assert [m.to for m in box.new()] == [[hidden_author.email]]

    # First offers: the new helper is told the truth, then the outcome.
    newcomer_user = UserFactory(display_name="Nico Newhelper", email="nico@example.org")
    other_user = UserFactory(display_name="Otis Otherhelper", email="otis@example.org")
    asker_user = UserFactory(display_name="Alma Asker", email="alma@example.org")
    wanted = HelpRequestFactory(author=asker_user, category=category, title="Help moving boxes")
    newcomer = new_person()
    sign_in(newcomer, newcomer_user.email)
    newcomer.goto(wanted.get_absolute_url())
    newcomer.fill("textarea[name=message]", "I can help on Sunday with my car if that suits you.")
    submit(newcomer, "message")
    expect(newcomer.locator("main")).to_contain_text("A moderator looks at a new helper")
    expect(newcomer.locator("main")).not_to_contain_text("The asker has been told")
    expect(newcomer.locator("main .badge").first).to_have_text("Waiting for a moderator")
    expect(newcomer.locator("main")).not_to_contain_text("This conversation is closed")
    axe.check(newcomer)
    approved = Offer.objects.get(helper=newcomer_user)
    rejected = services.make_offer(
        help_request=wanted, helper=other_user, message="Call me on my number and I'll help."
    )
    assert box.new() == []

    moderator.goto("/moderation/")
    held = _card(moderator, approved.message)
    expect(held).not_to_contain_text("required to warn or suspend")
    held.get_by_role("button", name="Approve the offer").click()
    expect(moderator.locator(".messages")).to_contain_text(
        "The offer is approved and its helper has been told"
    )
    sent = box.new()
    assert sorted(m.to[0] for m in sent) == sorted([asker_user.email, newcomer_user.email])
    (to_newcomer,) = Mailbox.to(sent, newcomer_user.email)
    assert "has now been told" in to_newcomer.body
    newcomer.reload()
    expect(newcomer.locator("main .badge").first).to_have_text("Waiting for the asker")

    held = _card(moderator, rejected.message)
    held.locator("textarea[name=note]").fill(REJECT_NOTE)
    held.get_by_role("button", name="Reject the offer").click()
    expect(moderator.locator(".messages")).to_contain_text("The offer isn't passed on")
    axe.check(moderator)
    (to_other,) = box.new()
    assert to_other.to == [other_user.email]
    assert "didn't pass this one on" in to_other.body
    other = new_person()
    sign_in(other, other_user.email)
    other.goto(link_path(to_other, rejected.get_absolute_url()))
    expect(other.locator("main .badge").first).to_have_text("Not passed on")
    expect(other.locator("main")).to_contain_text(REJECT_NOTE)
    axe.check(other)
    assert HelpRequest.objects.get(pk=wanted.pk).offer_count == 1
    assert len(set(axe.checked)) >= 9
