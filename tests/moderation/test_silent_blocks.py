"""A block links nothing (issue 8, item 1).

The story of the issue: Asha posts one named and two anonymous requests; Hugo offers
on the named one; Asha accepts, then blocks Hugo from that conversation. Hugo then
offers on each anonymous request, through the page and through the API, and on an
anonymous request of someone else (Cleo) for comparison. Whatever happens on Asha's
anonymous requests must look, from Hugo's side, exactly like what happens on Cleo's;
Asha never sees those offers nor hears of them.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from board.models import Notification
from requests.models import HelpRequest, Message, Offer
from tests.factories import CategoryFactory, HelpRequestFactory, UserFactory

pytestmark = pytest.mark.django_db

OFFER = {"message": "I would be glad to help with this, honestly."}


def login(user, api: bool = False) -> Client:
    client = APIClient() if api else Client()
    client.force_login(user)
    return client


@pytest.fixture
def story(asker, helper):
    cleo = UserFactory(display_name="Cleo Control")
    category = CategoryFactory()
    named = HelpRequestFactory(author=asker, title="Asha's named request", category=category)
    anonymous = [
        HelpRequestFactory(
            author=asker, is_anonymous=True, title=f"Asha's secret {n}", category=category
        )
        for n in (1, 2)
    ]
    controls = [
        HelpRequestFactory(
            author=cleo, is_anonymous=True, title=f"Cleo's secret {n}", category=category
        )
        for n in (1, 2)
    ]
    hugo, asha = login(helper), login(asker)
    hugo.post(reverse("requests:make_offer", args=[named.public_id]), OFFER)
    first = Offer.objects.get(request=named)
    asha.post(reverse("requests:accept", args=[first.public_id]))
    asha.post(reverse("moderation:block", args=[first.public_id]))
    return {
        "named": named,
        "anonymous": anonymous,
        "controls": controls,
        "first": first,
        "cleo": cleo,
    }


def _mask(text: str, requests: list[HelpRequest]) -> str:
    """The response with what differs between any two requests taken out: ids,
    titles, aliases and times."""
    for help_request in requests:
        text = text.replace(help_request.public_id, "<request>")
        text = text.replace(help_request.title.replace("'", "&#x27;"), "<title>")
        text = text.replace(help_request.title, "<title>")
        text = text.replace(help_request.alias, "<alias>")
    for offer in Offer.objects.all():
        text = text.replace(offer.public_id, "<offer>")
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)?", "<time>", text)
    # "12 seconds ago": the same moment, read a few seconds apart.
    text = re.sub(
        r"((\d+|an?)[\s\xa0]+\w+,[\s\xa0]*)*(\d+|an?)[\s\xa0]+"
        r"(second|minute|hour|day|week|month|year)s?[\s\xa0]+ago|\bnow\b",
        "<ago>",
        text,
    )
    return re.sub(r'(csrfmiddlewaretoken" value=")[^"]+', r"\1-", text)


def _what_hugo_sees(helper, help_request: HelpRequest, everything: list[HelpRequest]) -> list:
    """Everything Hugo can see of his offer on `help_request`, masked."""
    offer = Offer.objects.get(request=help_request, helper=helper)
    web, api = login(helper), login(helper, api=True)
    pages = [
        web.get(help_request.get_absolute_url()),
        web.get(offer.get_absolute_url()),
        api.get(reverse("api:offer", args=[offer.public_id])),
        api.get(reverse("api:request", args=[help_request.public_id])),
        api.get(reverse("api:offer_messages", args=[offer.public_id])),
    ]
    return [(page.status_code, _mask(page.content.decode(), everything)) for page in pages]


def test_an_offer_on_the_blockers_anonymous_request_looks_like_any_other(
    story, asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    everything = [story["named"], *story["anonymous"], *story["controls"]]
    theirs, controls = story["anonymous"], story["controls"]
    inbox_before = _mask(login(asker).get(reverse("notifications")).content.decode(), everything)
    answers = []
    with django_capture_on_commit_callbacks(execute=True):
        for via_api, (secret, control) in zip(
            (False, True), zip(theirs, controls, strict=True), strict=True
        ):
            for help_request in (secret, control):
                if via_api:
                    url = reverse("api:request_offers", args=[help_request.public_id])
                    response = login(helper, api=True).post(url, OFFER, format="json")
                else:
                    url = reverse("requests:make_offer", args=[help_request.public_id])
                    response = login(helper).post(url, OFFER, follow=True)
                answers.append((response.status_code, _mask(response.content.decode(), everything)))
    # The page (then the API) answers the same on Asha's anonymous request as on Cleo's.
    assert answers[0] == answers[1] and answers[0][0] == 200
    assert answers[2] == answers[3] and answers[2][0] == 201
    assert "can&#x27;t offer" not in answers[0][1]
    for secret, control in zip(theirs, controls, strict=True):
        assert _what_hugo_sees(helper, secret, everything) == _what_hugo_sees(
            helper, control, everything
        )
        # Counted on the public board like any offer.
        secret.refresh_from_db()
        control.refresh_from_db()
        assert secret.offer_count == control.offer_count == 1

    # Asha never sees them, nor hears of them.
    shadows = Offer.objects.filter(request__in=theirs)
    assert [offer.shadowed for offer in shadows] == [True, True]
    asha, asha_api = login(asker), login(asker, api=True)
    for offer in shadows:
        page = asha.get(offer.request.get_absolute_url()).content.decode()
        assert "I would be glad to help with this" not in page
        assert asha.get(offer.get_absolute_url()).status_code == 404
        assert asha_api.get(reverse("api:offer", args=[offer.public_id])).status_code == 404
        listed = asha_api.get(reverse("api:request_offers", args=[offer.request.public_id]))
        assert listed.json()["results"] == []
    # Recorded and queued as for any offer (the same work), but withheld: never
    # sent, never in her notifications.
    told = Notification.objects.filter(recipient=asker, help_request__in=theirs)
    assert [(n.withheld, n.state) for n in told] == [(True, "skipped")] * 2
    inbox = _mask(asha.get(reverse("notifications")).content.decode(), everything)
    assert inbox == inbox_before
    assert [m.to for m in mailoutbox] == [[story["cleo"].email]] * 2


def test_a_shadow_offer_ends_like_any_offer_not_taken_up(story, asker, helper):
    secret = story["anonymous"][0]
    login(helper).post(reverse("requests:make_offer", args=[secret.public_id]), OFFER)
    login(asker).post(reverse("requests:close", args=[secret.public_id]))
    shadow = Offer.objects.get(request=secret, helper=helper)
    assert (shadow.status, shadow.decline_reason) == ("declined", "not_taken")
    assert Notification.objects.filter(recipient=helper, kind="offer_declined").exists()


def test_the_conversation_a_block_ends_teaches_nothing_about_the_others(
    story, asker, helper, django_capture_on_commit_callbacks
):
    """Hugo also helps on one of Asha's anonymous requests (accepted before the block)
    and on Cleo's. Writing after the block: refused only in the conversation the block
    ended; elsewhere his messages go as they do to Cleo, and Asha never sees them."""
    secret, control = story["anonymous"][0], story["controls"][0]
    on_secret = Offer.objects.create(request=secret, helper=helper, message=OFFER["message"])
    on_control = Offer.objects.create(request=control, helper=helper, message=OFFER["message"])
    api = login(helper, api=True)
    answers = {}
    with django_capture_on_commit_callbacks(execute=True):
        for offer in (story["first"], on_secret, on_control):
            url = reverse("api:offer_messages", args=[offer.public_id])
            response = api.post(url, {"body": "Are you still there?"}, format="json")
            answers[offer.pk] = (response.status_code, response.json())
    assert answers[story["first"].pk][0] == 409  # the one conversation the block ended
    everything = [story["named"], *story["anonymous"], *story["controls"]]
    # (A message's number differs in any two conversations.)
    masked = {
        pk: (status, _mask(json.dumps({**body, "id": "<n>"}), everything))
        for pk, (status, body) in answers.items()
    }
    assert masked[on_secret.pk] == masked[on_control.pk]
    assert masked[on_secret.pk][0] == 201
    assert Message.objects.get(offer=on_secret).shadowed
    page = login(asker).get(on_secret.get_absolute_url()).content.decode()
    assert "Are you still there?" not in page
    assert not Notification.objects.filter(recipient=asker, kind="message_received").exists()
    # Hugo sees his message, as in any conversation.
    page = login(helper).get(on_secret.get_absolute_url()).content.decode()
    assert "Are you still there?" in page


def test_a_block_made_while_anonymous_does_not_refuse_on_the_blockers_named_requests(asker, helper):
    """Asha blocks Hugo from her anonymous request's conversation. Refusing him on her
    named requests would tie that conversation to her name: his offer there is a shadow."""
    secret = HelpRequestFactory(author=asker, is_anonymous=True)
    offer = Offer.objects.create(request=secret, helper=helper, message=OFFER["message"])
    login(asker).post(reverse("moderation:block", args=[offer.public_id]))
    named = HelpRequestFactory(author=asker)
    response = login(helper).post(reverse("requests:make_offer", args=[named.public_id]), OFFER)
    assert response.status_code == 302
    assert Offer.objects.get(request=named, helper=helper).shadowed
    # In the conversation the block ended, he is told.
    response = login(helper).post(offer.get_absolute_url(), {"body": "Hello?"})
    assert "can&#x27;t send messages in this conversation" in response.content.decode()
