"""New-account safeguards: a daily limit on offers, and first offers held for review."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from moderation import services as moderation
from moderation.models import ModerationAction
from notifications.models import Notification
from requests.models import Offer
from requests.services import ServiceError, accept_offer, make_offer
from tests.factories import HelpRequestFactory, UserFactory
from tests.support.personas import login


@pytest.fixture
def limits(settings):
    settings.BOARD_NEW_ACCOUNT_DAYS = 7
    settings.BOARD_NEW_ACCOUNT_OFFERS_PER_DAY = 2
    return settings


def offer_on(helper, **kwargs):
    return make_offer(
        help_request=HelpRequestFactory(**kwargs), helper=helper, message="Happy to help here."
    )


def test_a_new_account_makes_only_so_many_offers_a_day(limits, helper):
    offer_on(helper)
    offer_on(helper)
    with pytest.raises(ServiceError, match="up to 2 offers a day"):
        offer_on(helper)
    # Yesterday's offers don't count.
    Offer.objects.update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    offer_on(helper)


def test_an_established_account_has_no_daily_limit(db, limits):
    old = UserFactory(date_joined=timezone.now() - timedelta(days=8))
    for _ in range(4):
        offer_on(old)
    assert Offer.objects.count() == 4


def test_the_limit_can_be_switched_off(settings, helper):
    settings.BOARD_NEW_ACCOUNT_OFFERS_PER_DAY = 0
    for _ in range(6):
        offer_on(helper)


@pytest.fixture
def review(settings):
    settings.BOARD_REVIEW_FIRST_OFFERS = 1
    return settings


def test_a_helpers_first_offers_wait_for_a_moderator(
    review, helper, asker, mod, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        held = offer_on(helper, author=asker)
    assert held.held_for_review
    help_request = held.request
    help_request.refresh_from_db()
    assert help_request.offer_count == 0
    assert not Notification.objects.filter(kind="offer_received").exists()
    assert mailoutbox == []
    # The asker doesn't see it; the helper does, with a word about why it waits.
    asker_client = login(asker)
    assert "Hugo Helper" not in asker_client.get(help_request.get_absolute_url()).content.decode()
    assert asker_client.get(held.get_absolute_url()).status_code == 404
    helper_page = login(helper).get(held.get_absolute_url()).content.decode()
    assert "A moderator looks at a new helper" in helper_page
    with pytest.raises(ServiceError):
        accept_offer(offer=held, by=asker)
    # The moderator approves it: now the asker sees it and is told.
    mod_client = login(mod)
    assert held.message in mod_client.get("/moderation/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        url = reverse("moderation:content_action", args=["offer", held.public_id])
        mod_client.post(url, {"action": "approve"})
    held.refresh_from_db()
    help_request.refresh_from_db()
    assert not held.held_for_review
    assert help_request.offer_count == 1
    assert Notification.objects.get(kind="offer_received").recipient == asker
    # ...and the helper hears that it was passed on.
    assert sorted(m.to[0] for m in mailoutbox) == sorted([asker.email, helper.email])
    assert ModerationAction.objects.get().kind == "approve_offer"
    assert asker_client.get(held.get_absolute_url()).status_code == 200
    # After the first N, offers go straight to the asker.
    assert not offer_on(helper).held_for_review


def test_a_moderator_rejects_a_held_offer(review, helper, asker, mod):
    held = offer_on(helper, author=asker)
    moderation.reject_offer(moderator=mod, offer=held, note="Looks like spam.")
    held.refresh_from_db()
    assert (held.held_for_review, held.is_hidden, held.status) == (False, True, "declined")
    assert not Notification.objects.filter(kind="offer_received").exists()
    assert ModerationAction.objects.get().kind == "reject_offer"
    assert login(asker).get(held.get_absolute_url()).status_code == 404
    # Approving or rejecting again: nothing is waiting.
    with pytest.raises(ServiceError):
        moderation.approve_offer(moderator=mod, offer=held)


def test_withdrawing_a_held_offer_leaves_the_count_alone(review, helper):
    from requests.services import withdraw_offer

    held = offer_on(helper)
    withdraw_offer(offer=held, by=helper)
    held.request.refresh_from_db()
    assert held.request.offer_count == 0


def test_review_is_off_by_default(helper):
    assert not offer_on(helper).held_for_review
