"""Blocking a person: no offers on your requests, no messages to you, their content out of sight."""

import pytest
from django.urls import reverse

from moderation.models import Block
from moderation.services import block_person, unblock_person
from requests.models import HelpRequest, Offer
from requests.services import ServiceError, make_offer, send_message
from tests.factories import HelpRequestFactory, OfferFactory
from tests.support.personas import login


def block_url(offer):
    return reverse("moderation:block", args=[offer.public_id])


def test_the_asker_blocks_the_helper_by_name(offer, asker, helper):
    page = login(asker).get(offer.get_absolute_url()).content.decode()
    assert block_url(offer) in page
    response = login(asker).post(block_url(offer), follow=True)
    assert "You blocked Hugo Helper" in response.content.decode()
    block = Block.objects.get()
    assert (block.blocker, block.blocked, block.label, block.hides_content) == (
        asker, helper, "Hugo Helper", True,
    )  # fmt: skip


def test_the_helper_blocks_an_anonymous_asker_by_alias_only(anonymous_request, asker, helper):
    offer = OfferFactory(request=anonymous_request, helper=helper)
    login(helper).post(block_url(offer))
    block = Block.objects.get()
    assert (block.blocker, block.blocked) == (helper, asker)
    assert block.label == anonymous_request.alias
    # Hiding their other (named) content would tell the helper who they are.
    assert block.hides_content is False
    page = login(helper).get(reverse("accounts:settings")).content.decode()
    assert anonymous_request.alias in page
    assert "Asha" not in page


def test_blocking_twice_keeps_one_block(offer, asker):
    client = login(asker)
    client.post(block_url(offer))
    client.post(block_url(offer))
    assert Block.objects.count() == 1


def test_outsiders_and_visitors_cannot_block(client, offer, outsider):
    assert login(outsider).post(block_url(offer)).status_code == 404
    assert client.post(block_url(offer)).status_code == 302  # asked to sign in
    assert login(outsider).get(block_url(offer)).status_code == 302  # a GET goes to the page
    assert not Block.objects.exists()


def test_a_blocked_person_is_refused_openly_on_the_blockers_named_requests(offer, asker, helper):
    """Blocked from a conversation where the asker was named: their named requests say no."""
    block_person(blocker=asker, blocked=helper, label="Hugo Helper", offer=offer)
    help_request = HelpRequestFactory(author=asker)
    with pytest.raises(ServiceError) as refused:
        make_offer(help_request=help_request, helper=helper, message="I'd like to help.")
    # Neutral: it says nothing about a block.
    assert str(refused.value) == "You can't offer on this request."
    # Through the page, what they wrote is kept.
    url = reverse("requests:make_offer", args=[help_request.public_id])
    page = login(helper).post(url, {"message": "I'd like to help you."}).content.decode()
    assert "You can&#x27;t offer on this request." in page
    assert "block" not in page.lower().replace("blockquote", "")
    assert not Offer.objects.filter(request=help_request).exists()
    # Others still can, and the blocker can still offer on theirs.
    make_offer(help_request=HelpRequestFactory(author=helper), helper=asker, message="Me too, ok.")


def test_a_blocked_persons_offer_on_an_anonymous_request_is_a_silent_shadow(offer, asker, helper):
    block_person(blocker=asker, blocked=helper, label="Hugo Helper", offer=offer)
    anonymous = HelpRequestFactory(author=asker, is_anonymous=True)
    shadow = make_offer(help_request=anonymous, helper=helper, message="I'd like to help.")
    assert shadow.shadowed and shadow.status == Offer.Status.PENDING
    anonymous.refresh_from_db()
    assert anonymous.offer_count == 1  # counted, as any offer is


def test_a_blocked_person_cannot_write_in_the_conversation_the_block_ended(offer, asker, helper):
    block_person(blocker=asker, blocked=helper, label="Hugo Helper", offer=offer)
    with pytest.raises(ServiceError, match="can't send messages in this conversation"):
        send_message(offer=offer, sender=helper, body="Hello?")
    page = login(helper).post(offer.get_absolute_url(), {"body": "Hello?"}).content.decode()
    assert "can&#x27;t send messages in this conversation" in page
    assert not offer.messages.exists()


def test_the_blocker_no_longer_sees_the_blocked_persons_named_requests(client, asker, helper):
    named = HelpRequestFactory(author=helper, title="Helper's named request")
    anonymous = HelpRequestFactory(author=helper, is_anonymous=True, title="Helper's secret one")
    block_person(blocker=asker, blocked=helper, label="Hugo Helper")
    page = login(asker).get("/?status=any").content.decode()
    assert named.title.replace("'", "&#x27;") not in page
    # An anonymous request stays: hiding it would say who wrote it.
    assert anonymous.title.replace("'", "&#x27;") in page
    # Everyone else sees both.
    page = client.get("/?status=any").content.decode()
    assert named.title.replace("'", "&#x27;") in page


def test_a_block_made_while_the_person_was_anonymous_hides_nothing(asker, helper):
    named = HelpRequestFactory(author=asker, title="Asha's named request")
    block_person(blocker=helper, blocked=asker, label="Anonymous Otter", hides_content=False)
    assert named in HelpRequest.objects.for_board(helper)


def test_the_blocker_no_longer_sees_the_blocked_persons_pending_offers(offer, asker, helper):
    block_person(blocker=asker, blocked=helper, label="Hugo Helper")
    page = login(asker).get(offer.request.get_absolute_url()).content.decode()
    assert "Hugo Helper offered to help" not in page


def test_unblocking_from_settings(offer, asker, helper, outsider):
    block = block_person(blocker=asker, blocked=helper, label="Hugo Helper", offer=offer)
    client = login(asker)
    page = client.get(reverse("accounts:settings")).content.decode()
    assert "Blocked people" in page and "Unblock Hugo Helper" in page
    unblock = reverse("moderation:unblock", args=[block.pk])
    # Only one's own blocks, and only by POST.
    assert login(outsider).post(unblock).status_code == 302
    assert Block.objects.exists()
    assert client.get(unblock).status_code == 405
    response = client.post(unblock, follow=True)
    assert "Unblocked." in response.content.decode()
    assert not Block.objects.exists()
    assert unblock_person(blocker=asker, block_id=block.pk) is False
    send_message(offer=offer, sender=helper, body="Hello again.")


def test_the_board_reads_the_same_queries_with_many_blocks(asker, django_assert_num_queries):
    client = login(asker)
    HelpRequestFactory()  # someone not blocked
    for _ in range(3):
        block_person(blocker=asker, blocked=HelpRequestFactory().author, label="Someone")
    client.get("/")
    # 1. count  2. session  3. user  4. categories  5. the page of requests (blocks
    # excluded by a subquery)  6. unread
    with django_assert_num_queries(6):
        client.get("/")
    for _ in range(30):
        block_person(blocker=asker, blocked=HelpRequestFactory().author, label="Someone")
    with django_assert_num_queries(6):
        response = client.get("/")
    assert len(response.context["page"].object_list) == 1
