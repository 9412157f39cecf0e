"""Closing the loop in a real browser: resolve → thank → share a story → a moderator
publishes it → a signed-out visitor reads it on the Stories page and on the ask form."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from moderation.services import make_moderator
from requests import services
from tests.factories import HelpRequestFactory, UserFactory
from tests.support.axe import Axe
from tests.support.browser import sign_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "a-good-long-password"
NOTE = "Thank you for sitting with me on the phone before the appointment."
HARD = "I told myself other people had it worse and I shouldn't take up anyone's time."
ADVICE = "Post it, even if it feels small. Someone will be glad you did."


def test_resolve_thank_share_publish_and_read_signed_out(new_person):
    asker_user = UserFactory(display_name="Ilse Marrow")
    helper_user = UserFactory(display_name="Tobin Reed")
    moderator_user = make_moderator(user=UserFactory(display_name="Mod Erator", is_staff=True))
    help_request = HelpRequestFactory(author=asker_user, is_anonymous=True)
    offer = services.make_offer(
        help_request=help_request, helper=helper_user, message="I can be there on the phone."
    )
    services.accept_offer(offer=offer, by=asker_user)
    axe = Axe()  # every new page, checked for serious accessibility problems

    # The asker resolves their request with a thank-you note, from the conversation.
    asker = new_person()
    sign_in(asker, asker_user.email, PASSWORD)
    asker.goto(offer.get_absolute_url())
    asker.get_by_role("link", name="Write Tobin Reed a thank-you note").click()
    axe.check(asker)
    asker.get_by_label("Your note").fill(NOTE)
    asker.get_by_label("Also mark my request as resolved").check()
    asker.get_by_role("button", name="Send my note").click()
    expect(asker.locator("main")).to_contain_text("Your note is sent")

    # The request page invites (no modal) to share what it was like to ask.
    axe.check(asker)
    asker.get_by_role("link", name="Share what it was like to ask").click()
    axe.check(asker)
    asker.get_by_label("What made it hard to ask?").fill(HARD)
    asker.get_by_label("What would you tell someone who is hesitating?").fill(ADVICE)
    asker.get_by_role("button", name="Share my story").click()
    expect(asker.locator("main")).to_contain_text("A moderator will read your story")
    axe.check(asker)

    # The helper reads the note in the conversation.
    helper = new_person()
    sign_in(helper, helper_user.email, PASSWORD)
    helper.goto("/my/thanks/")
    expect(helper.locator("main")).to_contain_text(NOTE)
    axe.check(helper)

    # A moderator publishes it from the queue.
    moderator = new_person()
    sign_in(moderator, moderator_user.email, PASSWORD)
    moderator.goto("/moderation/")
    expect(moderator.locator("main")).to_contain_text(HARD)
    axe.check(moderator)
    moderator.get_by_role("button", name="Publish").click()
    expect(moderator.locator("main")).to_contain_text("Done.")

    # A signed-out visitor reads it on the Stories page and on the ask form.
    visitor = new_person()
    visitor.goto("/stories/")
    main = visitor.locator("main")
    expect(main).to_contain_text(HARD)
    axe.check(visitor)
    expect(main).not_to_contain_text("Ilse Marrow")
    expect(main).not_to_contain_text("Tobin Reed")
    expect(main).not_to_contain_text(help_request.title)
    # "Ask for help" takes a visitor to sign in first: that page shows one short story,
    # and so does the ask form once signed in.
    visitor.get_by_role("link", name="Ask for help").first.click()
    expect(visitor.locator("main")).to_contain_text("How others asked")
    axe.check(visitor)
    expect(visitor.locator("main")).to_contain_text(ADVICE)
    visitor.fill("input[name=login]", asker_user.email)
    visitor.fill("input[name=password]", PASSWORD)
    visitor.locator("form:has([name=password]) [type=submit]").first.click()
    expect(visitor.locator("h1")).to_contain_text("Ask for help")
    expect(visitor.locator("main")).to_contain_text(ADVICE)
