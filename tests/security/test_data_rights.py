"""Download my data and delete my account (accounts/services.py)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import (
    DELETED_ACCOUNT_EMAIL,
    DELETED_NOTE,
    delete_account,
    export_user_data,
)
from notifications.models import HelperSubscription, Notification, NotificationPreference
from requests import services
from requests.models import HelpRequest, Message, Offer
from requests.thanks import send_thank_you
from tests.factories import CategoryFactory, HelpRequestFactory, NotificationFactory


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def story(asker, helper, outsider, django_capture_on_commit_callbacks):
    """The asker has a named and an anonymous request; the helper offered on both
    (accepted on the anonymous one) and they talked; the asker also offered on the
    outsider's request."""
    category = CategoryFactory()
    HelperSubscription.objects.create(user=asker, response_kinds=["listen"])
    NotificationPreference.objects.create(user=asker, kind="offer_received", delivery="digest")
    with django_capture_on_commit_callbacks(execute=True):
        named = services.create_request(
            author=asker, title="Help with a letter", body="A hard letter to write " * 2,
            category=category, response_kind="practical", is_anonymous=False,
        )  # fmt: skip
        anon = services.create_request(
            author=asker, title="Feeling low lately", body="Evenings are the hardest part " * 2,
            category=category, response_kind="listen", is_anonymous=True,
        )  # fmt: skip
        theirs = services.create_request(
            author=outsider, title="Moving house soon", body="Could use a hand with boxes " * 2,
            category=category, response_kind="practical", is_anonymous=False,
        )  # fmt: skip
        on_named = services.make_offer(
            help_request=named, helper=helper, message="I write letters for a living."
        )
        on_anon = services.make_offer(
            help_request=anon, helper=helper, message="I can listen tonight, truly."
        )
        services.accept_offer(offer=on_anon, by=asker)
        services.send_message(offer=on_anon, sender=helper, body="Hugo's own words here")
        services.send_message(offer=on_anon, sender=asker, body="Asha's own words here")
        mine = services.make_offer(
            help_request=theirs, helper=asker, message="I have a van and a free Saturday."
        )
        services.accept_offer(offer=mine, by=outsider)
        services.send_message(offer=mine, sender=outsider, body="Otto's words to Asha")
        services.send_message(offer=mine, sender=asker, body="Asha's words to Otto")
    return {
        "named": named, "anon": anon, "theirs": theirs,
        "on_named": on_named, "on_anon": on_anon, "mine": mine,
    }  # fmt: skip


# --- Download my data ----------------------------------------------------------------------


def test_it_exports_the_account_requests_offers_messages_and_notifications(story, asker):
    data = export_user_data(asker)

    account = data["account"]
    assert account["email"] == asker.email
    assert account["display_name"] == "Asha Asker"
    assert account["date_joined"]
    assert account["notification_preferences"]["offer_received"] == "digest"
    assert account["subscription"]["response_kinds"] == ["listen"]
    assert account["email_addresses"] == [{"email": asker.email, "verified": True, "primary": True}]

    requests = {r["title"]: r for r in data["requests"]}
    assert set(requests) == {"Help with a letter", "Feeling low lately"}
    assert requests["Feeling low lately"]["anonymous"] is True  # anonymous ones too
    assert requests["Feeling low lately"]["body"].startswith("Evenings are the hardest part")

    assert [o["message"] for o in data["offers"]] == ["I have a van and a free Saturday."]
    assert data["offers"][0]["request"]["title"] == "Moving house soon"
    assert sorted(m["body"] for m in data["messages"]) == [
        "Asha's own words here",
        "Asha's words to Otto",
    ]
    kinds = {n["kind"] for n in data["notifications"]}
    assert {"offer_received", "message_received", "offer_accepted"} <= kinds
    assert all({"created_at", "read_at"} <= set(n) for n in data["notifications"])


def test_the_export_holds_nothing_of_other_people(story, asker, helper, outsider):
    text = json.dumps(export_user_data(asker))
    for person in (helper, outsider):
        assert person.email not in text
        assert person.display_name not in text
    # Their words stay theirs: the helper's offers and messages, the outsider's request.
    for words in ("Hugo's own words", "Otto's words", "I write letters", "Could use a hand"):
        assert words not in text


def test_the_settings_page_downloads_a_json_file(story, asker):
    client = logged_in(asker)
    assert reverse("accounts:export") in client.get(reverse("accounts:settings")).content.decode()

    response = client.get(reverse("accounts:export"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert "no-store" in response["Cache-Control"]
    assert json.loads(response.content)["account"]["email"] == asker.email


@pytest.mark.django_db
def test_downloading_needs_signing_in(client):
    response = client.get(reverse("accounts:export"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- Delete my account -----------------------------------------------------------------------


def placeholder() -> User:
    return User.objects.get(email=DELETED_ACCOUNT_EMAIL)


def test_deleting_and_removing_requests(story, asker, helper, outsider):
    asker_pk = asker.pk
    NotificationFactory(recipient=asker)
    Notification.objects.create(key="account:x", kind="account", to_email=asker.email)

    delete_account(asker, keep_requests=False)

    assert not User.objects.filter(pk=asker_pk).exists()
    assert not User.objects.filter(email=asker.email).exists()
    # Their requests are gone, with the offers and conversations on them.
    assert not HelpRequest.objects.filter(pk__in=[story["named"].pk, story["anon"].pk]).exists()
    assert not Offer.objects.filter(pk=story["on_anon"].pk).exists()
    # Nothing of theirs is left: notifications, account emails, messages.
    assert not Notification.objects.filter(recipient_id=asker_pk).exists()
    assert not Notification.objects.filter(to_email__iexact=asker.email).exists()
    assert not Message.objects.filter(body__startswith="Asha").exists()
    _assert_their_offer_on_others_is_emptied(story, outsider)


def _assert_their_offer_on_others_is_emptied(story, outsider):
    mine = Offer.objects.get(pk=story["mine"].pk)
    assert mine.helper == placeholder()
    assert mine.message == DELETED_NOTE
    assert mine.status == Offer.Status.WITHDRAWN
    theirs = HelpRequest.objects.get(pk=story["theirs"].pk)
    assert theirs.status == HelpRequest.Status.OPEN  # free to find help again
    assert theirs.offer_count == 0
    # The outsider keeps their side of the conversation, and a note.
    bodies = list(mine.messages.values_list("body", flat=True))
    assert bodies == ["Otto's words to Asha", DELETED_NOTE]
    # ...and what the outsider sees says so, with none of the asker's words.
    page = logged_in(outsider).get(mine.get_absolute_url()).content.decode()
    assert "Otto&#x27;s words to Asha" in page
    assert DELETED_NOTE in page
    assert "Asha" not in page.replace("Otto&#x27;s words to Asha", "")
    assert "van and a free Saturday" not in page


def test_deleting_and_keeping_requests_anonymised(story, asker, helper, outsider):
    asker_pk = asker.pk
    delete_account(asker, keep_requests=True)

    assert not User.objects.filter(pk=asker_pk).exists()
    kept = HelpRequest.objects.filter(pk__in=[story["named"].pk, story["anon"].pk])
    assert kept.count() == 2
    for help_request in kept:
        assert help_request.author == placeholder()
        assert help_request.is_anonymous  # the named one too
        assert help_request.public_author_name == help_request.alias
    # Otherwise as they were (nothing may tie them together, see the next test): the
    # helper's pending offer on the named request waits, like any offer to an asker
    # who stopped answering, until the request closes on its own.
    assert story["named"].status == HelpRequest.Status.OPEN
    assert Offer.objects.get(pk=story["on_named"].pk).status == Offer.Status.PENDING
    # The conversation on the anonymous request stays as it was, both sides of it,
    # the asker's words detached from her like the request's text; no note.
    conversation = Offer.objects.get(pk=story["on_anon"].pk)
    assert list(conversation.messages.values_list("body", "sender")) == [
        ("Hugo's own words here", helper.pk),
        ("Asha's own words here", placeholder().pk),
    ]
    page = logged_in(helper).get(conversation.get_absolute_url()).content.decode()
    assert "Hugo&#x27;s own words here" in page
    assert "Asha&#x27;s own words here" in page
    assert DELETED_NOTE not in page
    assert "Asha Asker" not in page
    # The kept request shows as anonymous on the board.
    board = Client().get(story["named"].get_absolute_url()).content.decode()
    assert "Asha" not in board
    assert "Help with a letter" in board
    _assert_their_offer_on_others_is_emptied(story, outsider)


def test_keeping_requests_changes_nothing_public_that_groups_them(
    story, asker, outsider, django_capture_on_commit_callbacks
):
    """Issue 8, item 2. Asha's two anonymous requests and Otto's, as the API shows
    them to a stranger, before and after Asha deletes her account keeping her
    requests (through the settings page): nothing changes on hers, and the board's
    order is the same. Before, all of hers closed and got one `updated_at`."""
    second = services.create_request(
        author=asker, title="Sleepless again", body="Nights are long and loud lately " * 2,
        category=story["anon"].category, response_kind="listen", is_anonymous=True,
    )  # fmt: skip
    otto_anon = services.create_request(
        author=outsider, title="Quietly worried", body="Something small keeps nagging me " * 2,
        category=story["anon"].category, response_kind="listen", is_anonymous=True,
    )  # fmt: skip
    watched = [story["anon"], second, otto_anon]
    stranger = Client()

    def public_view() -> tuple[dict, list]:
        shown = {
            r.public_id: stranger.get(reverse("api:request", args=[r.public_id])).json()
            for r in watched
        }
        board = stranger.get(reverse("api:requests"), {"status": "any"}).json()["results"]
        return shown, [item["id"] for item in board]

    before = public_view()
    client = logged_in(asker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:delete"), {"requests": "keep", "password": "a-good-long-password"}
        )
    assert response.status_code == 302
    after = public_view()
    assert after == before
    # The named request did become anonymous, as asked.
    named = stranger.get(reverse("api:request", args=[story["named"].public_id])).json()
    assert named["author"] is None and named["is_anonymous"]


def _quoting(body: str) -> Notification:
    return Notification.objects.get(key=f"message_received:{Message.objects.get(body=body).pk}")


def test_other_peoples_notifications_lose_excerpts_of_their_words(story, asker, helper, outsider):
    to_otto = _quoting("Asha's words to Otto")
    to_hugo = _quoting("Asha's own words here")
    assert (to_otto.recipient, to_hugo.recipient) == (outsider, helper)
    assert to_otto.payload["excerpt"] and to_hugo.payload["excerpt"]

    delete_account(asker, keep_requests=True)

    # Her words to Otto (where she was named, as his helper) are gone, and so is the
    # excerpt; her words on her anonymous request stay, and so does their excerpt:
    # nothing about that conversation changes (see the tests below).
    to_otto.refresh_from_db()
    to_hugo.refresh_from_db()
    assert to_otto.payload == {}
    assert to_hugo.payload["excerpt"] == "Asha's own words here"


def test_one_placeholder_for_every_deleted_account(story, asker, helper):
    delete_account(asker, keep_requests=True)
    delete_account(helper, keep_requests=True)

    stand_in = placeholder()
    assert User.objects.filter(email=DELETED_ACCOUNT_EMAIL).count() == 1
    assert not stand_in.is_active
    assert not stand_in.has_usable_password()
    assert not Client().login(email=DELETED_ACCOUNT_EMAIL, password="")


def test_the_page_asks_for_the_password_and_signs_out(story, asker):
    client = logged_in(asker)
    url = reverse("accounts:delete")
    assert client.get(url).status_code == 200

    wrong = client.post(url, {"requests": "keep", "password": "not-my-password"})
    assert wrong.status_code == 200
    assert "That isn&#x27;t your password" in wrong.content.decode()
    assert User.objects.filter(pk=asker.pk).exists()

    no_choice = client.post(url, {"password": "a-good-long-password"})
    assert no_choice.status_code == 200
    assert User.objects.filter(pk=asker.pk).exists()

    response = client.post(url, {"requests": "remove", "password": "a-good-long-password"})
    assert response.status_code == 302
    assert response["Location"] == reverse("requests:board")
    assert not User.objects.filter(pk=asker.pk).exists()
    assert "_auth_user_id" not in client.session
    assert not HelpRequest.objects.filter(pk=story["anon"].pk).exists()


def test_the_page_deletes_only_the_signed_in_person(story, asker, helper):
    # The form checks the signed-in person's password, not anyone else's.
    response = logged_in(helper).post(
        reverse("accounts:delete"), {"requests": "remove", "password": "a-good-long-password"}
    )
    assert response.status_code == 302
    assert User.objects.filter(pk=asker.pk).exists()
    assert not User.objects.filter(pk=helper.pk).exists()


def test_deleting_with_no_activity(outsider):
    delete_account(outsider, keep_requests=False)
    assert not User.objects.filter(pk=outsider.pk).exists()
    assert HelpRequestFactory()  # the board carries on


# --- Deleting links no conversations (reviewer's finding on issue 8) -----------------------


@pytest.fixture
def talks(asker, helper, django_capture_on_commit_callbacks):
    """Hugo helped Asha on four requests and they talked on each: a named one, two
    anonymous ones, and an anonymous one where she showed him her name."""
    category = CategoryFactory()
    conversations = {}
    with django_capture_on_commit_callbacks(execute=True):
        for key, anonymous in (
            ("named", False), ("anon_1", True), ("anon_2", True), ("shown", True)
        ):  # fmt: skip
            help_request = services.create_request(
                author=asker, title=f"Asha's request {key}", body="Some words about it " * 3,
                category=category, response_kind="listen", is_anonymous=anonymous,
            )  # fmt: skip
            offer = services.make_offer(
                help_request=help_request, helper=helper, message="I can help with this one."
            )
            services.accept_offer(offer=offer, by=asker)
            if key == "shown":
                services.reveal_name_to_helper(offer=offer, by=asker)
            services.send_message(offer=offer, sender=helper, body=f"Hugo on {key}")
            services.send_message(offer=offer, sender=asker, body=f"Asha on {key}")
            if key in ("named", "anon_1"):
                send_thank_you(offer=offer, by=asker, body=f"Asha thanks Hugo on {key}")
            conversations[key] = offer
    return conversations


def _what_hugo_sees(helper, conversations) -> dict[str, tuple[int, object]]:
    api = APIClient()
    api.force_login(helper)
    seen = {}
    for key, offer in conversations.items():
        response = api.get(reverse("api:offer_messages", args=[offer.public_id]))
        seen[key] = (response.status_code, response.json())
    return seen


def _delete_through_the_page(asker, choice: str, capture) -> None:
    with capture(execute=True):
        response = logged_in(asker).post(
            reverse("accounts:delete"), {"requests": choice, "password": "a-good-long-password"}
        )
    assert response.status_code == 302


def test_keeping_requests_leaves_conversations_on_anonymous_ones_as_they_were(
    talks, asker, helper, django_capture_on_commit_callbacks
):
    """Before, every conversation Asha wrote in lost her words and got the note at
    one instant, so Hugo could pair her anonymous requests with each other and with
    the named one. Now what he sees on the anonymous ones does not change at all."""
    before = _what_hugo_sees(helper, talks)
    alias_1 = talks["anon_1"].request.alias
    assert [m["sender_name"] for m in before["anon_1"][1]["results"]] == ["You", alias_1]

    _delete_through_the_page(asker, "keep", django_capture_on_commit_callbacks)

    after = _what_hugo_sees(helper, talks)
    assert after["anon_1"] == before["anon_1"]
    assert after["anon_2"] == before["anon_2"]
    # Where he knew her by name, her words went and the note says why.
    for key in ("named", "shown"):
        bodies = [m["body"] for m in after[key][1]["results"]]
        assert bodies == [f"Hugo on {key}", DELETED_NOTE], key
    # The web page of an anonymous one shows her words under the alias, no note.
    page = logged_in(helper).get(talks["anon_2"].get_absolute_url()).content.decode()
    assert "Asha on anon_2" in page
    assert talks["anon_2"].request.alias in page
    assert DELETED_NOTE not in page
    assert "Asha Asker" not in page
    # Her thank-you note stays where nothing may change; on the named one it goes.
    anon_1 = logged_in(helper).get(talks["anon_1"].get_absolute_url()).content.decode()
    named = logged_in(helper).get(talks["named"].get_absolute_url()).content.decode()
    assert "Asha thanks Hugo on anon_1" in anon_1
    assert "Asha thanks Hugo on named" not in named


def test_removing_requests_removes_their_conversations(
    talks, asker, helper, django_capture_on_commit_callbacks
):
    _delete_through_the_page(asker, "remove", django_capture_on_commit_callbacks)

    after = _what_hugo_sees(helper, talks)
    assert {key: status for key, (status, _body) in after.items()} == dict.fromkeys(talks, 404)
    assert not Message.objects.filter(body__startswith="Asha on").exists()


def test_the_delete_page_says_what_happens_to_messages_in_each_choice(asker):
    page = logged_in(asker).get(reverse("accounts:delete")).content.decode()
    page = page.replace("&#x27;", "'")
    assert "your messages and thank-you notes stay there under the request's alias" in page
    assert "your messages are deleted and the helper sees a note" in page
    # Beside the choice that removes everything: what it may let a watcher guess.
    assert "keeping them is the choice that links nothing" in page
    # The old page said kept open requests are closed, which they are not.
    assert "are closed." not in page
