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
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from moderation.models import Report
from moderation.services import make_moderator
from notifications.models import HelperSubscription, Notification
from requests import services
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
    # The same work as for any message, but withheld: never sent nor listed.
    told = Notification.objects.filter(recipient=asker, kind="message_received")
    assert [(n.withheld, n.state) for n in told] == [(True, "skipped")]
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


# --- A shadow offer through its whole life (issue 8, review of item 1) ----------------------


def _offer_on_both(helper, story, django_capture_on_commit_callbacks) -> tuple:
    """Hugo offers on Asha's first anonymous request and on Cleo's, through the page."""
    secret, control = story["anonymous"][0], story["controls"][0]
    with django_capture_on_commit_callbacks(execute=True):
        for help_request in (secret, control):
            url = reverse("requests:make_offer", args=[help_request.public_id])
            assert login(helper).post(url, OFFER).status_code == 302
    return secret, control


def _everything(story) -> list[HelpRequest]:
    return [story["named"], *story["anonymous"], *story["controls"]]


def _mail_to(mailoutbox, user) -> list:
    return [message for message in mailoutbox if message.to == [user.email]]


def test_a_shadow_offer_closes_and_reopens_with_its_request_like_any_other(
    story, asker, helper, client, mailoutbox, django_capture_on_commit_callbacks
):
    secret, control = _offer_on_both(helper, story, django_capture_on_commit_callbacks)
    everything = _everything(story)
    mailoutbox.clear()
    HelpRequest.objects.filter(pk__in=[secret.pk, control.pk]).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_requests() == (0, 2)

    # Asha's "your request has closed" says nothing of an offer she never saw;
    # Cleo's says hers was waiting.
    [asha_closed] = _mail_to(mailoutbox, asker)
    [cleo_closed] = _mail_to(mailoutbox, story["cleo"])
    assert "still waiting" not in asha_closed.body
    assert "their offer was still waiting" in cleo_closed.body
    # Hugo hears the same of both.
    closed = [_mask(m.body, everything) for m in _mail_to(mailoutbox, helper)]
    assert len(closed) == 2 and closed[0] == closed[1]
    assert _what_hugo_sees(helper, secret, everything) == _what_hugo_sees(
        helper, control, everything
    )

    # Each asker reopens from the email's link (signed out).
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for help_request in (secret, control):
            assert client.post(services.renew_url(help_request)).status_code == 200
    shadow = Offer.objects.get(request=secret, helper=helper)
    normal = Offer.objects.get(request=control, helper=helper)
    assert (shadow.status, normal.status) == ("pending", "pending")
    assert shadow.shadowed and not normal.shadowed
    # Hugo is told alike that both are open again, and sees both alike.
    reopened = _mail_to(mailoutbox, helper)
    assert [m.subject for m in reopened] == ["A request you offered on is open again"] * 2
    assert _mask(reopened[0].body, everything) == _mask(reopened[1].body, everything)
    assert _what_hugo_sees(helper, secret, everything) == _what_hugo_sees(
        helper, control, everything
    )
    # Asha still never sees it, nor hears of it.
    assert _mail_to(mailoutbox, asker) == []
    page = login(asker).get(secret.get_absolute_url()).content.decode()
    assert OFFER["message"] not in page
    assert "Nobody has offered yet." in page


def test_withdrawing_a_shadow_offer_reads_like_any_other_and_tells_the_asker_nothing(
    story, asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    secret, control = _offer_on_both(helper, story, django_capture_on_commit_callbacks)
    everything = _everything(story)
    mailoutbox.clear()
    hugo = login(helper)
    answers = []
    with django_capture_on_commit_callbacks(execute=True):
        for help_request in (secret, control):
            offer = Offer.objects.get(request=help_request, helper=helper)
            url = reverse("requests:withdraw", args=[offer.public_id])
            asked = hugo.get(url)
            done = hugo.post(url, follow=True)
            answers.append(
                [(r.status_code, _mask(r.content.decode(), everything)) for r in (asked, done)]
            )
    assert answers[0] == answers[1]
    assert "The asker has been told that an offer was withdrawn" in answers[0][1][1]
    # Cleo is told an offer was withdrawn; Asha is not (the row is withheld).
    assert [m.to for m in mailoutbox] == [[story["cleo"].email]]
    withdrawn = Notification.objects.get(recipient=asker, kind="offer_withdrawn")
    assert (withdrawn.withheld, withdrawn.state) == (True, "skipped")
    # The public count drops alike.
    secret.refresh_from_db()
    control.refresh_from_db()
    assert secret.offer_count == control.offer_count == 0


def test_the_asker_counts_only_offers_she_sees_while_everyone_else_reads_the_public_count(
    story, asker, helper, outsider, django_capture_on_commit_callbacks
):
    secret, control = _offer_on_both(helper, story, django_capture_on_commit_callbacks)
    # Asha's own pages: nobody has offered.
    asha = login(asker)
    page = asha.get(secret.get_absolute_url()).content.decode()
    assert "Nobody has offered yet." in page
    assert "1 person has offered" not in page
    mine = asha.get(reverse("requests:mine")).content.decode()
    # Her two anonymous requests (the named one has Hugo's accepted offer).
    assert mine.count("0 offers") == 2
    asha_api = login(asker, api=True)
    assert asha_api.get(reverse("api:request", args=[secret.public_id])).json()["offer_count"] == 0
    counts = {
        row["id"]: row["offer_count"]
        for row in asha_api.get(reverse("api:my_requests")).json()["results"]
    }
    assert counts[secret.public_id] == 0
    # Everyone else, Hugo included, reads the public count, as on Cleo's request.
    for person in (helper, outsider):
        for help_request in (secret, control):
            page = login(person).get(help_request.get_absolute_url()).content.decode()
            assert "1 person has offered to help." in page
            url = reverse("api:request", args=[help_request.public_id])
            assert login(person, api=True).get(url).json()["offer_count"] == 1


def test_a_shadow_offer_does_not_stop_the_request_being_shown_again(
    story, asker, helper, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    """Otherwise a blocked person could keep the asker's request from being shown
    again by offering on it."""
    secret, _control = _offer_on_both(helper, story, django_capture_on_commit_callbacks)
    for person in (helper, outsider):
        HelperSubscription.objects.create(user=person)
    HelpRequest.objects.filter(pk=secret.pk).update(created_at=timezone.now() - timedelta(days=3))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.resurface_unanswered() == 1
    told = Notification.objects.get(recipient=asker, kind="request_unanswered")
    assert told.help_request == secret
    # Shown again to others, never to Hugo, who has an offer on it (shown again, it
    # would tell him his offer went unseen).
    again = Notification.objects.filter(kind="new_request", key__contains=":again:")
    assert [n.recipient for n in again] == [outsider]


def test_the_report_page_shows_the_blocker_no_message_kept_from_her(
    story, asker, helper, django_capture_on_commit_callbacks
):
    secret = story["anonymous"][0]
    offer = Offer.objects.create(request=secret, helper=helper, message=OFFER["message"])
    url = reverse("api:offer_messages", args=[offer.public_id])
    body = "Something Asha must never read"
    login(helper, api=True).post(url, {"body": body}, format="json")
    message = Message.objects.get(offer=offer)
    assert message.shadowed
    report = reverse("moderation:report", args=["message", message.pk])
    # Asha gets what she gets for any message she can't see.
    assert login(asker).get(report).status_code == 404
    assert body not in login(asker).post(report, {"reason": "harmful"}).content.decode()
    assert not Report.objects.exists()
    # A message shown to her she may report; not once a moderator has hidden it.
    shown = Message.objects.create(offer=offer, sender=helper, body="A message she can read")
    url = reverse("moderation:report", args=["message", shown.pk])
    assert "A message she can read" in login(asker).get(url).content.decode()
    Message.objects.filter(pk=shown.pk).update(is_hidden=True)
    assert login(asker).get(url).status_code == 404


# --- Held first offers tell the truth (issue 14) ----------------------------------------------


@pytest.fixture
def review(settings):
    settings.BOARD_REVIEW_FIRST_OFFERS = 1
    return settings


def test_a_held_offer_on_a_request_that_closes_is_not_said_to_be_turned_down(
    review, asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    help_request = HelpRequestFactory(author=asker)
    with django_capture_on_commit_callbacks(execute=True):
        login(helper).post(reverse("requests:make_offer", args=[help_request.public_id]), OFFER)
        login(asker).post(reverse("requests:close", args=[help_request.public_id]))
    assert Offer.objects.get(helper=helper).held_for_review
    [told] = _mail_to(mailoutbox, helper)
    assert "isn't taking up this offer" not in told.body
    assert "before a moderator had passed your offer on" in told.body


def test_a_held_offer_restored_on_reopening_waits_for_a_moderator_not_the_asker(
    review, asker, helper, client, mailoutbox, django_capture_on_commit_callbacks
):
    help_request = HelpRequestFactory(author=asker)
    with django_capture_on_commit_callbacks(execute=True):
        login(helper).post(reverse("requests:make_offer", args=[help_request.public_id]), OFFER)
    HelpRequest.objects.filter(pk=help_request.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.expire_requests()
    [closed] = _mail_to(mailoutbox, helper)
    assert "before the person who asked had answered" not in closed.body
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(services.renew_url(help_request))
    [reopened] = _mail_to(mailoutbox, helper)
    assert "waiting for their answer" not in reopened.body
    assert "waiting again for a moderator" in reopened.body
    assert Offer.objects.get(helper=helper).status == "pending"


def test_approving_a_shadow_offer_claims_only_what_was_done(
    review, story, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    """A new helper's first offer, held for review, is also a shadow."""
    review.BOARD_REVIEW_FIRST_OFFERS = 2
    newcomer = UserFactory(display_name="Nell Newcomer")
    first = HelpRequestFactory(author=story["cleo"], is_anonymous=True)
    first_offer = Offer.objects.create(request=first, helper=newcomer, message=OFFER["message"])
    login(first_offer.request.author).post(
        reverse("moderation:block", args=[first_offer.public_id])
    )
    # Cleo blocked Nell on Cleo's anonymous request: Nell's offer on Cleo's other
    # anonymous request is a shadow, and held as a first offer.
    other = story["controls"][0]
    login(newcomer).post(reverse("requests:make_offer", args=[other.public_id]), OFFER)
    held = Offer.objects.get(request=other, helper=newcomer)
    assert held.held_for_review and held.shadowed
    mod = login(make_moderator(user=moderator))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = mod.post(
            reverse("moderation:content_action", args=["offer", held.public_id]),
            {"action": "approve"},
            follow=True,
        )
    page = response.content.decode()
    assert "the asker and the helper have been told" not in page
    assert "its helper has been told" in page
    # Cleo is told nothing; Nell reads what any helper reads.
    assert [m.to for m in mailoutbox] == [[newcomer.email]]


def test_a_shadow_offer_costs_the_same_work_as_any_other(
    story, asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    """What a timing could measure: the same queries, and the same delivery task
    queued after commit and run (in-process here, as in the embedded default), for
    an offer on Asha's anonymous request as for one on Cleo's. Only the sending
    differs, and nothing reaches Asha."""
    secret, control = story["anonymous"][0], story["controls"][0]
    work = {}
    for help_request in (secret, control):
        url = reverse("requests:make_offer", args=[help_request.public_id])
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True) as callbacks,
        ):
            assert login(helper).post(url, OFFER).status_code == 302
        work[help_request.pk] = (len(queries), len(callbacks))
    assert work[secret.pk] == work[control.pk]
    assert work[secret.pk][1] >= 1
    rows = Notification.objects.filter(kind="offer_received", help_request__in=[secret, control])
    assert sorted((n.withheld, n.state) for n in rows) == [(False, "sent"), (True, "skipped")]
    assert [m.to for m in mailoutbox] == [[story["cleo"].email]]
