"""Issue 14, what helpers see: every page and message says what happened.

Each test walks through the pages as the person would (Django's test client),
and reads the emails they get."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from moderation import selectors as moderation_selectors
from moderation import services as moderation
from moderation.services import make_moderator
from notifications.models import HelperSubscription, Notification
from requests import services
from requests.models import HelpRequest, Offer
from tests.factories import CategoryFactory, HelpRequestFactory

pytestmark = pytest.mark.django_db

OFFER_TEXT = "I went through the same last year and would be glad to listen."


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _offer_through_the_page(client: Client, help_request: HelpRequest):
    url = reverse("requests:make_offer", args=[help_request.public_id])
    return client.post(url, {"message": OFFER_TEXT}, follow=True)


# --- A held first offer -------------------------------------------------------------------


@pytest.fixture
def review(settings):
    settings.BOARD_REVIEW_FIRST_OFFERS = 1
    return settings


@pytest.fixture
def held(review, helper, help_request, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _offer_through_the_page(_client(helper), help_request)
    offer = Offer.objects.get(helper=helper)
    assert offer.held_for_review
    return offer, response


def test_a_held_offer_says_a_moderator_reviews_it_not_that_the_asker_was_told(held, mailoutbox):
    _offer, response = held
    page = response.content.decode()

    assert "The asker has been told" not in page
    assert "A moderator looks at a new helper's first offers" in page
    assert "Waiting for a moderator" in page
    # Not three contradicting states at once.
    assert "Waiting for the asker" not in page
    assert "This conversation is closed" not in page
    assert "A simple hello" not in page
    assert mailoutbox == []


def test_approval_tells_the_helper_the_asker_has_now_been_told(
    held, helper, asker, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    offer, _response = held
    mod = make_moderator(user=moderator)
    with django_capture_on_commit_callbacks(execute=True):
        _client(mod).post(
            reverse("moderation:content_action", args=["offer", offer.public_id]),
            {"action": "approve"},
        )

    (to_helper,) = [m for m in mailoutbox if m.to == [helper.email]]
    assert to_helper.subject == "Your offer of help has been passed on"
    assert "the person who asked has now been told" in to_helper.body
    assert asker.display_name not in to_helper.body
    page = _client(helper).get(offer.get_absolute_url()).content.decode()
    assert "Waiting for the asker" in page
    assert "A moderator looks" not in page
    inbox = _client(helper).get(reverse("notifications")).content.decode()
    assert "Your first offer was passed on" in inbox


def test_a_rejection_is_told_as_a_moderators_not_the_askers_with_their_note(
    held, helper, asker, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    offer, _response = held
    mod = make_moderator(user=moderator)
    note = "Please don't share phone numbers in a first offer; the board keeps people safe."
    with django_capture_on_commit_callbacks(execute=True):
        _client(mod).post(
            reverse("moderation:content_action", args=["offer", offer.public_id]),
            {"action": "reject", "note": note},
        )

    (email,) = mailoutbox
    assert email.to == [helper.email]
    assert "didn't pass this one on" in email.body
    # Not the words of an asker saying no, and the note stays on the board.
    assert "isn't taking up this offer" not in email.body
    assert note not in email.body
    page = _client(helper).get(offer.get_absolute_url()).content.decode()
    assert "Not passed on" in page
    assert escape(note) in page
    assert "Not taken up" not in page
    assert "Not passed on" in _client(helper).get(reverse("requests:my_offers")).content.decode()
    # The asker never saw it and still doesn't.
    assert _client(asker).get(offer.get_absolute_url()).status_code == 404


def test_a_rejection_without_a_note_is_still_kind_and_clear(held, helper, moderator):
    offer, _response = held
    moderation.reject_offer(moderator=make_moderator(user=moderator), offer=offer)

    page = _client(helper).get(offer.get_absolute_url()).content.decode()
    assert "The person who asked hasn't seen this offer" in page
    assert "The moderator's note to you" not in page


# --- Withdrawing ----------------------------------------------------------------------------


def test_withdrawing_asks_first_and_changes_nothing_until_confirmed(helper, offer):
    client = _client(helper)
    conversation = client.get(offer.get_absolute_url()).content.decode()
    withdraw_url = reverse("requests:withdraw", args=[offer.public_id])
    # A link to a page of its own (no script needed), not a button that acts at once.
    assert f'href="{withdraw_url}"' in conversation

    confirm = client.get(withdraw_url)

    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "Withdraw your offer?" in page
    assert "will be told that an offer was withdrawn" in page
    assert f'action="{withdraw_url}"' in page
    assert "No, keep my offer" in page
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING


def test_withdrawing_tells_the_asker_discreetly_and_their_page_agrees(
    helper, asker, offer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(helper).post(
            reverse("requests:withdraw", args=[offer.public_id]), follow=True
        )
    assert "Your offer is withdrawn" in response.content.decode()

    (email,) = mailoutbox
    assert email.to == [asker.email]
    assert email.subject == "An update on your request"
    assert "has withdrawn their offer" in email.body
    for secret in (helper.display_name, helper.email, offer.request.title, offer.message):
        assert secret not in email.subject + email.body
    row = Notification.objects.get(kind=Notification.Kind.OFFER_WITHDRAWN)
    assert row.url == offer.request.get_absolute_url()

    page = _client(asker).get(offer.request.get_absolute_url()).content.decode()
    assert "Nobody has offered yet" not in page
    assert "Hugo Helper withdrew their offer." in page
    assert reverse("requests:accept", args=[offer.public_id]) not in page


def test_withdrawing_an_accepted_offer_opens_the_request_again_and_says_so(
    helper, asker, offer, mailoutbox, django_capture_on_commit_callbacks
):
    services.accept_offer(offer=offer, by=asker)
    confirm = _client(helper).get(reverse("requests:withdraw", args=[offer.public_id]))
    assert "their request opens again" in confirm.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_offer(offer=offer, by=helper)

    offer.request.refresh_from_db()
    assert offer.request.status == HelpRequest.Status.OPEN
    assert [m.to for m in mailoutbox] == [[asker.email]]


def test_withdrawing_a_held_offer_tells_the_asker_nothing(
    review, helper, help_request, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        offer = services.make_offer(help_request=help_request, helper=helper, message=OFFER_TEXT)
        confirm = _client(helper).get(reverse("requests:withdraw", args=[offer.public_id]))
        services.withdraw_offer(offer=offer, by=helper)

    assert "has never seen this offer" in confirm.content.decode()
    assert mailoutbox == []
    assert not Notification.objects.filter(kind=Notification.Kind.OFFER_WITHDRAWN).exists()
    # ...and it leaves the moderators' queue.
    assert offer not in moderation_selectors.held_offers()


# --- "An update on an offer you made" ------------------------------------------------------


def test_the_not_taken_up_item_names_the_request_and_opens_it(
    helper, asker, offer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.decline_offer(offer=offer, by=asker)
    client = _client(helper)

    inbox = client.get(reverse("notifications")).content.decode()
    assert f"About: {offer.request.title}" in inbox
    row = Notification.objects.get(kind=Notification.Kind.OFFER_DECLINED)
    opened = client.post(reverse("notification_open", args=[row.pk]), follow=True)
    # It opens the offer on that request (not the board), which says what happened
    # and leads to the request.
    assert opened.redirect_chain[-1][0] == offer.get_absolute_url()
    page = opened.content.decode()
    assert f'href="{offer.request.get_absolute_url()}"' in page
    assert "Not taken up" in page
    # The email stays discreet: no title, and its button still says where it goes.
    (email,) = mailoutbox
    assert offer.request.title not in email.subject + email.body
    assert "See who else is asking" in email.body
    assert f"{settings.SITE_URL}/\n" in email.body
    assert offer.request.get_absolute_url() not in email.body


# --- Closed and resolved conversations ----------------------------------------------------


def test_a_declined_offer_shows_more_than_block_and_no_hello(helper, asker, offer):
    services.decline_offer(offer=offer, by=asker)

    page = _client(helper).get(offer.get_absolute_url()).content.decode()

    assert "A simple hello" not in page
    assert "This conversation is closed" in page
    assert "See who else is asking" in page
    assert "Block this person" in page


def test_a_resolved_conversation_says_it_is_resolved(helper, asker, offer):
    services.accept_offer(offer=offer, by=asker)
    services.send_message(offer=offer, sender=helper, body="How did it go?")
    services.resolve_request(help_request=offer.request, by=asker)

    for person, words in ((helper, "The asker marked this request as resolved"),
                          (asker, "You marked this request as resolved")):  # fmt: skip
        page = _client(person).get(offer.get_absolute_url()).content.decode()
        assert words in page
        assert "the conversation has ended" in page
        assert "A simple hello" not in page
        assert "How did it go?" in page


# --- Following requests from the board -----------------------------------------------------


def test_the_board_offers_to_follow_what_it_shows(helper):
    category = CategoryFactory(name="Housing and home", slug="housing")
    client = _client(helper)

    board = client.get("/", {"category": "housing", "kind": "practical", "q": "landlord"})

    page = board.content.decode()
    assert "Tell me about new requests like these" in page
    assert "New requests in Housing and home, for Practical help." in page
    assert 'name="category" value="housing"' in page
    assert 'name="kind" value="practical"' in page

    response = client.post(
        reverse("requests:follow"), {"category": "housing", "kind": "practical"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/?category=housing&kind=practical"
    assert "tell you about new requests like these" in response.content.decode()
    subscription = HelperSubscription.objects.get(user=helper)
    assert subscription.is_active
    assert list(subscription.categories.all()) == [category]
    assert subscription.response_kinds == ["practical"]

    # A new request like these reaches the helper.
    HelpRequest.objects.all().delete()
    services.create_request(
        author=HelpRequestFactory().author,
        title="Help with a letter",
        body="My landlord hasn't fixed the damp for months now.",
        category=category,
        response_kind="practical",
        is_anonymous=True,
    )
    assert Notification.objects.filter(kind="new_request", recipient=helper).count() == 1


def test_following_more_adds_to_what_is_followed(helper):
    housing = CategoryFactory(slug="housing")
    money = CategoryFactory(slug="money")
    client = _client(helper)
    client.post(reverse("requests:follow"), {"category": "housing", "kind": "listen"})
    client.post(reverse("requests:follow"), {"category": "money", "kind": "listen"})

    subscription = HelperSubscription.objects.get(user=helper)
    assert set(subscription.categories.all()) == {housing, money}
    assert subscription.response_kinds == ["listen"]
    # "All categories" on the board follows every category.
    client.post(reverse("requests:follow"), {"kind": "listen"})
    assert not subscription.categories.exists()


def test_a_visitor_is_asked_to_sign_in_and_comes_back_to_the_same_board(client):
    CategoryFactory(slug="housing")
    page = client.get("/", {"category": "housing", "q": "landlord"}).content.decode()

    assert "Sign in to hear about new requests like these" in page
    # Back to the filters that would be followed; the search words don't travel.
    assert f'{reverse("account_login")}?next=/%3Fcategory%3Dhousing"' in page
    assert client.post(reverse("requests:follow"), {"category": "housing"}).status_code == 302
    assert not HelperSubscription.objects.exists()


# --- Joining from "Offer help" -------------------------------------------------------------

PASSWORD = "a sturdy passphrase for the tests"


def _join_from(client: Client, page: str, email: str, django_capture_on_commit_callbacks):
    detail = client.get(page).content.decode()
    join = re.search(r'href="(/accounts/signup/\?next=[^"]+)"', detail).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            join.replace("&amp;", "&"),
            {
                "email": email,
                "display_name": "Newt Newcomer",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
    body = mail.outbox[-1].body
    link = urlsplit(re.search(r"https?://\S+/accounts/confirm-email/\S+", body).group(0))
    return f"{link.path}?{link.query}" if link.query else link.path


@pytest.mark.parametrize("same_browser", [True, False], ids=["same browser", "another browser"])
def test_joining_from_offer_help_lands_back_on_the_request(
    help_request, same_browser, django_capture_on_commit_callbacks
):
    page = help_request.get_absolute_url()
    client = Client()
    link = _join_from(client, page, "newt@example.org", django_capture_on_commit_callbacks)

    confirmer = client if same_browser else Client()
    response = confirmer.post(link)

    assert response.status_code == 302
    assert response["Location"] == page
    assert response["Location"] != reverse("requests:mine")
