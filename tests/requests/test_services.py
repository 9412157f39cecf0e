"""Stories about the operations that change requests, offers and conversations.

Emails are checked after the transaction commits (`django_capture_on_commit_callbacks`),
since that is when the outbox hands them to the (in-process) task.
"""

import re

import pytest

from board.errors import Invalid
from notifications.models import Delivery, Notification
from notifications.services import set_preferences, update_subscription
from requests import services
from requests.models import HelpRequest, Message, Offer
from tests.factories import CategoryFactory, HelpRequestFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db


def _html_part(email) -> str:
    htmls = [content for content, mimetype in email.alternatives if mimetype == "text/html"]
    assert len(htmls) == 1, "the email has exactly one HTML part"
    return htmls[0]


def assert_discreet_email(email, *, to: str, secrets: list[str], names: list[str]) -> None:
    """One board email: to the right person, text + HTML, a Message-ID, and nothing
    in it that says what was written (secrets) or who else is involved (names)."""
    assert email.to == [to]
    html = _html_part(email)
    assert email.body.strip(), "the email has a plain-text part"
    assert re.fullmatch(r"<[0-9a-f]{40}@localhost>", email.message()["Message-ID"])
    assert email.message()["List-Unsubscribe"], "every email has a one-click unsubscribe"
    for text in [*secrets, *names]:
        assert text not in email.subject
    for text in secrets:
        assert text not in email.body
        assert text not in html


# --- Requests ----------------------------------------------------------------------


def test_it_creates_a_request_with_tidy_text(asker):
    category = CategoryFactory()

    help_request = services.create_request(
        author=asker,
        title="  Someone to talk to tonight  ",
        body="\n  It has been a long week and I would like to talk it through.  \n",
        category=category,
        response_kind=HelpRequest.ResponseKind.LISTEN,
        is_anonymous=True,
    )

    help_request.refresh_from_db()
    assert help_request.author == asker
    assert help_request.title == "Someone to talk to tonight"
    assert help_request.body == "It has been a long week and I would like to talk it through."
    assert help_request.category == category
    assert help_request.is_anonymous is True
    assert help_request.status == HelpRequest.Status.OPEN
    assert help_request.offer_count == 0


def test_it_creates_a_request_without_sending_any_email(
    asker, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.create_request(
            author=asker,
            title="A lift to the clinic",
            body="I need a lift to the clinic on Tuesday morning, if anyone can.",
            category=CategoryFactory(),
            response_kind=HelpRequest.ResponseKind.PRACTICAL,
            is_anonymous=False,
        )

    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_it_tells_helpers_who_follow_the_category_in_their_digest(
    asker, helper, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    followed, other = CategoryFactory(), CategoryFactory()
    for person in (helper, asker):
        update_subscription(user=person, is_active=True, categories=[followed], response_kinds=[])
    update_subscription(user=outsider, is_active=True, categories=[other], response_kinds=[])

    with django_capture_on_commit_callbacks(execute=True):
        help_request = services.create_request(
            author=asker,
            title="Someone to walk with",
            body="I would like company on a walk this weekend, nothing more.",
            category=followed,
            response_kind=HelpRequest.ResponseKind.LISTEN,
            is_anonymous=True,
        )

    # Only the follower of this category hears, never the author themselves;
    # by default it waits for the daily digest.
    row = Notification.objects.get()
    assert row.kind == Notification.Kind.NEW_REQUEST
    assert row.recipient == helper
    assert row.help_request == help_request
    assert row.delivery == Notification.Delivery.DIGEST
    assert mailoutbox == []


def test_it_emails_a_follower_at_once_if_they_asked_for_that(
    asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    category = CategoryFactory()
    update_subscription(user=helper, is_active=True, categories=[category], response_kinds=[])
    set_preferences(user=helper, choices={Notification.Kind.NEW_REQUEST: Delivery.IMMEDIATE})

    with django_capture_on_commit_callbacks(execute=True):
        help_request = services.create_request(
            author=asker,
            title="Someone to walk with",
            body="I would like company on a walk this weekend, nothing more.",
            category=category,
            response_kind=HelpRequest.ResponseKind.LISTEN,
            is_anonymous=False,
        )

    assert len(mailoutbox) == 1
    assert_discreet_email(
        mailoutbox[0],
        to=helper.email,
        secrets=[help_request.title, help_request.body, asker.email],
        names=[asker.display_name, helper.display_name],
    )


def test_it_lets_the_asker_update_their_request(help_request, asker):
    category = CategoryFactory()

    updated = services.update_request(
        help_request=help_request,
        by=asker,
        title=" A clearer title ",
        body="A longer and clearer description of what would help me.",
        category=category,
        response_kind=HelpRequest.ResponseKind.ADVICE,
        is_anonymous=True,
    )

    help_request.refresh_from_db()
    assert updated.pk == help_request.pk
    assert help_request.title == "A clearer title"
    assert help_request.category == category
    assert help_request.response_kind == HelpRequest.ResponseKind.ADVICE
    assert help_request.is_anonymous is True


def test_it_refuses_an_update_by_someone_else(help_request, outsider):
    with pytest.raises(services.ServiceError, match="Only the person who asked"):
        services.update_request(
            help_request=help_request,
            by=outsider,
            title="Hijacked title",
            body="Someone else should never be able to change this request.",
            category=help_request.category,
            response_kind=help_request.response_kind,
            is_anonymous=False,
        )

    help_request.refresh_from_db()
    assert help_request.title != "Hijacked title"


@pytest.mark.parametrize("status", [HelpRequest.Status.RESOLVED, HelpRequest.Status.CLOSED])
def test_it_refuses_to_update_a_finished_request(asker, status):
    help_request = HelpRequestFactory(author=asker, status=status)

    with pytest.raises(services.ServiceError, match="finished"):
        services.update_request(
            help_request=help_request,
            by=asker,
            title="A new title",
            body="A new body that is long enough to be a valid request body.",
            category=help_request.category,
            response_kind=help_request.response_kind,
            is_anonymous=False,
        )

    help_request.refresh_from_db()
    assert help_request.title != "A new title"


def test_it_resolves_a_request_and_kindly_closes_waiting_offers(help_request, asker, offer):
    services.resolve_request(help_request=help_request, by=asker)

    help_request.refresh_from_db()
    offer.refresh_from_db()
    assert help_request.status == HelpRequest.Status.RESOLVED
    assert help_request.resolved_at is not None
    assert offer.status == Offer.Status.DECLINED
    assert offer.decline_reason == Offer.DeclineReason.FOUND_HELP


def test_it_keeps_the_accepted_offer_when_resolving(help_request, asker, offer):
    services.accept_offer(offer=offer, by=asker)

    services.resolve_request(help_request=help_request, by=asker)

    help_request.refresh_from_db()
    offer.refresh_from_db()
    assert help_request.status == HelpRequest.Status.RESOLVED
    assert offer.status == Offer.Status.ACCEPTED


def test_it_closes_a_request_and_its_waiting_offers_are_not_taken(help_request, asker, offer):
    services.close_request(help_request=help_request, by=asker)

    help_request.refresh_from_db()
    offer.refresh_from_db()
    assert help_request.status == HelpRequest.Status.CLOSED
    assert help_request.resolved_at is None
    assert offer.status == Offer.Status.DECLINED
    assert offer.decline_reason == Offer.DeclineReason.NOT_TAKEN


@pytest.mark.parametrize("action", [services.resolve_request, services.close_request])
def test_it_lets_only_the_asker_finish_a_request(help_request, helper, action):
    with pytest.raises(services.ServiceError, match="Only the person who asked"):
        action(help_request=help_request, by=helper)

    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.OPEN


@pytest.mark.parametrize("action", [services.resolve_request, services.close_request])
def test_it_refuses_to_finish_a_request_twice(help_request, asker, action):
    services.close_request(help_request=help_request, by=asker)

    with pytest.raises(services.ServiceError, match="already finished"):
        action(help_request=help_request, by=asker)

    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.CLOSED


def test_it_thanks_the_accepted_helper_when_the_request_is_resolved(
    help_request, asker, helper, offer, mailoutbox, django_capture_on_commit_callbacks
):
    services.accept_offer(offer=offer, by=asker)
    waiting = OfferFactory(request=help_request)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.resolve_request(help_request=help_request, by=asker)

    assert sorted(email.to[0] for email in mailoutbox) == sorted(
        [helper.email, waiting.helper.email]
    )
    for email in mailoutbox:
        assert_discreet_email(
            email,
            to=email.to[0],
            secrets=[help_request.title, help_request.body, asker.email],
            names=[asker.display_name, helper.display_name, waiting.helper.display_name],
        )
    assert set(Notification.objects.filter(recipient=helper).values_list("kind", flat=True)) == {
        Notification.Kind.OFFER_ACCEPTED,
        Notification.Kind.REQUEST_RESOLVED,
    }
    assert Notification.objects.get(recipient=waiting.helper).kind == (
        Notification.Kind.OFFER_DECLINED
    )


def test_it_tells_waiting_helpers_once_when_the_request_is_closed(
    help_request, asker, helper, offer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.close_request(help_request=help_request, by=asker)

    assert [email.to for email in mailoutbox] == [[helper.email]]
    assert Notification.objects.get().kind == Notification.Kind.OFFER_DECLINED


# --- Offers --------------------------------------------------------------------------


def test_it_records_an_offer_and_counts_it(help_request, helper):
    offer = services.make_offer(
        help_request=help_request, helper=helper, message="  I can listen tonight.  "
    )

    help_request.refresh_from_db()
    assert offer.status == Offer.Status.PENDING
    assert offer.helper == helper
    assert offer.request == help_request
    assert offer.message == "I can listen tonight."
    assert help_request.offer_count == 1


def test_it_emails_the_asker_once_the_offer_is_committed(
    help_request, asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        offer = services.make_offer(
            help_request=help_request, helper=helper, message="I can listen tonight, gladly."
        )
        # Nothing is sent while the transaction is still open.
        assert mailoutbox == []

    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert_discreet_email(
        email,
        to=asker.email,
        secrets=[help_request.title, help_request.body, offer.message, helper.email],
        names=[asker.display_name, helper.display_name],
    )
    assert offer.get_absolute_url() in email.body
    assert offer.get_absolute_url() in _html_part(email)
    notification = Notification.objects.get()
    assert notification.kind == Notification.Kind.OFFER_RECEIVED
    assert notification.recipient == asker
    assert notification.state == Notification.State.SENT


def test_it_names_the_request_but_nobody_for_people_who_chose_fuller_emails(
    help_request, asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    asker.full_emails = True
    asker.save(update_fields=["full_emails"])

    with django_capture_on_commit_callbacks(execute=True):
        services.make_offer(help_request=help_request, helper=helper, message="I can listen.")

    email = mailoutbox[0]
    assert help_request.title in email.subject
    assert "I can listen." in email.body
    for name in (asker.display_name, helper.display_name):
        assert name not in email.subject
    assert helper.email not in email.body


def test_it_writes_text_plainly_in_the_text_part(
    asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    asker.full_emails = True
    asker.save(update_fields=["full_emails"])
    help_request = HelpRequestFactory(author=asker)

    with django_capture_on_commit_callbacks(execute=True):
        services.make_offer(help_request=help_request, helper=helper, message="O'Brien & co help.")

    email = mailoutbox[0]
    # Nobody is named, not even the reader (issue 8): the greeting is plain.
    assert email.body.startswith("Hello,")
    assert asker.display_name not in email.body
    assert "O'Brien & co help." in email.body
    assert "O&#x27;Brien &amp; co" in _html_part(email)


def test_it_refuses_an_offer_on_ones_own_request(help_request, asker, mailoutbox):
    with pytest.raises(services.ServiceError, match="your own request"):
        services.make_offer(help_request=help_request, helper=asker, message="I'll help myself.")

    help_request.refresh_from_db()
    assert help_request.offer_count == 0
    assert not Offer.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "status",
    [
        HelpRequest.Status.MATCHED,
        HelpRequest.Status.RESOLVED,
        HelpRequest.Status.CLOSED,
        HelpRequest.Status.EXPIRED,
    ],
)
def test_it_refuses_an_offer_on_a_request_not_open(helper, status):
    help_request = HelpRequestFactory(status=status)

    with pytest.raises(services.ServiceError, match="isn't taking new offers"):
        services.make_offer(help_request=help_request, helper=helper, message="I could help.")

    assert not Offer.objects.exists()


def test_it_refuses_an_offer_on_a_hidden_request(helper):
    help_request = HelpRequestFactory(is_hidden=True)

    with pytest.raises(services.ServiceError, match="isn't taking new offers"):
        services.make_offer(help_request=help_request, helper=helper, message="I could help.")

    assert not Offer.objects.exists()


def test_it_refuses_a_second_live_offer_from_the_same_helper(
    help_request, helper, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.make_offer(help_request=help_request, helper=helper, message="First offer here.")
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(services.ServiceError, match="already offered"),
    ):
        services.make_offer(help_request=help_request, helper=helper, message="Second offer.")

    help_request.refresh_from_db()
    assert Offer.objects.filter(helper=helper).count() == 1
    assert help_request.offer_count == 1
    assert len(mailoutbox) == 1


def test_it_lets_a_helper_offer_again_after_withdrawing(
    help_request, helper, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.make_offer(
            help_request=help_request, helper=helper, message="I can help on Monday."
        )
        services.withdraw_offer(offer=first, by=helper)
        help_request.refresh_from_db()
        assert help_request.offer_count == 0

        second = services.make_offer(
            help_request=help_request, helper=helper, message="Actually, Tuesday works."
        )

    help_request.refresh_from_db()
    first.refresh_from_db()
    assert first.status == Offer.Status.WITHDRAWN
    assert second.status == Offer.Status.PENDING
    assert second.pk != first.pk
    assert help_request.offer_count == 1
    # Each offer is its own event, so the asker hears about each one once, and
    # about the withdrawal between them.
    subjects = [m.subject for m in mailoutbox]
    assert subjects == [
        "Someone offered to help — open the board to read it",
        "An update on your request",
        "Someone offered to help — open the board to read it",
    ]
    assert mailoutbox[0].message()["Message-ID"] != mailoutbox[2].message()["Message-ID"]


def test_it_counts_offers_from_several_helpers(help_request):
    for _ in range(3):
        services.make_offer(help_request=help_request, helper=UserFactory(), message="I can help.")

    help_request.refresh_from_db()
    assert help_request.offer_count == 3


# --- Withdraw ----------------------------------------------------------------------------


def test_it_withdraws_a_pending_offer(help_request, helper, offer, mailoutbox):
    services.withdraw_offer(offer=offer, by=helper)

    offer.refresh_from_db()
    help_request.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN
    assert help_request.offer_count == 0
    assert help_request.status == HelpRequest.Status.OPEN
    assert mailoutbox == []


def test_it_reopens_the_request_when_the_accepted_helper_withdraws(
    help_request, asker, helper, offer
):
    services.accept_offer(offer=offer, by=asker)
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.MATCHED

    services.withdraw_offer(offer=offer, by=helper)

    offer.refresh_from_db()
    help_request.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN
    assert help_request.status == HelpRequest.Status.OPEN
    assert help_request.offer_count == 0
    # The asker can take new offers again.
    services.make_offer(help_request=help_request, helper=UserFactory(), message="I can help.")


def test_it_lets_only_the_helper_withdraw(offer, asker, outsider):
    for person in (asker, outsider):
        with pytest.raises(services.ServiceError, match="Only the person who offered"):
            services.withdraw_offer(offer=offer, by=person)

    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING


def test_it_refuses_to_withdraw_an_offer_twice(help_request, helper, offer):
    services.withdraw_offer(offer=offer, by=helper)

    with pytest.raises(services.ServiceError, match="no longer active"):
        services.withdraw_offer(offer=offer, by=helper)

    help_request.refresh_from_db()
    assert help_request.offer_count == 0


# --- Accept --------------------------------------------------------------------------------


def test_it_accepts_an_offer_and_tells_the_others_only_that_help_was_found(
    help_request, asker, helper, offer, mailoutbox, django_capture_on_commit_callbacks
):
    other = OfferFactory(request=help_request)
    withdrawn = OfferFactory(request=help_request, status=Offer.Status.WITHDRAWN)

    with django_capture_on_commit_callbacks(execute=True):
        services.accept_offer(offer=offer, by=asker)

    offer.refresh_from_db()
    other.refresh_from_db()
    withdrawn.refresh_from_db()
    help_request.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED
    assert other.status == Offer.Status.DECLINED
    assert other.decline_reason == Offer.DeclineReason.FOUND_HELP
    assert withdrawn.status == Offer.Status.WITHDRAWN
    assert help_request.status == HelpRequest.Status.MATCHED
    # One email each: the accepted helper hears good news, the other only
    # that their offer isn't being taken up; the withdrawn helper nothing.
    assert sorted(email.to[0] for email in mailoutbox) == sorted([helper.email, other.helper.email])
    kinds = dict(Notification.objects.values_list("recipient__email", "kind"))
    assert kinds == {
        helper.email: Notification.Kind.OFFER_ACCEPTED,
        other.helper.email: Notification.Kind.OFFER_DECLINED,
    }
    declined_email = next(e for e in mailoutbox if e.to == [other.helper.email])
    assert_discreet_email(
        declined_email,
        to=other.helper.email,
        secrets=[help_request.title, help_request.body, other.message, asker.email],
        names=[asker.display_name, helper.display_name, other.helper.display_name],
    )


def test_it_emails_the_accepted_helper_after_commit(
    help_request, asker, helper, offer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.accept_offer(offer=offer, by=asker)
    assert mailoutbox == []
    assert len(callbacks) == 1

    callbacks[0]()

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert_discreet_email(
        email,
        to=helper.email,
        secrets=[help_request.title, help_request.body, offer.message, asker.email],
        names=[asker.display_name, helper.display_name],
    )
    assert offer.get_absolute_url() in email.body
    notification = Notification.objects.get(kind=Notification.Kind.OFFER_ACCEPTED)
    assert notification.recipient == helper
    assert notification.state == Notification.State.SENT


def test_it_lets_only_the_asker_accept(offer, helper, outsider):
    for person in (helper, outsider):
        with pytest.raises(services.ServiceError, match="Only the person who asked"):
            services.accept_offer(offer=offer, by=person)

    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING


def test_it_refuses_a_second_acceptance(help_request, asker, offer):
    services.accept_offer(offer=offer, by=asker)
    late = OfferFactory(request=help_request)

    with pytest.raises(services.ServiceError, match="already has a helper"):
        services.accept_offer(offer=late, by=asker)

    late.refresh_from_db()
    assert late.status == Offer.Status.PENDING


@pytest.mark.parametrize("status", [Offer.Status.WITHDRAWN, Offer.Status.DECLINED])
def test_it_refuses_to_accept_an_offer_no_longer_waiting(help_request, asker, status):
    offer = OfferFactory(request=help_request, status=status)

    with pytest.raises(services.ServiceError, match="can't be accepted"):
        services.accept_offer(offer=offer, by=asker)

    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.OPEN


# --- Decline --------------------------------------------------------------------------------


def test_it_declines_kindly_and_gives_no_reason(
    help_request, asker, helper, offer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.decline_offer(offer=offer, by=asker)

    offer.refresh_from_db()
    help_request.refresh_from_db()
    assert offer.status == Offer.Status.DECLINED
    assert offer.decline_reason == Offer.DeclineReason.NOT_TAKEN
    assert help_request.status == HelpRequest.Status.OPEN
    # The helper gets one gentle, discreet email.
    assert len(mailoutbox) == 1
    assert_discreet_email(
        mailoutbox[0],
        to=helper.email,
        secrets=[help_request.title, help_request.body, offer.message, asker.email],
        names=[asker.display_name, helper.display_name],
    )
    assert Notification.objects.get().kind == Notification.Kind.OFFER_DECLINED


def test_it_lets_only_the_asker_decline(offer, helper, outsider):
    for person in (helper, outsider):
        with pytest.raises(services.ServiceError, match="Only the person who asked"):
            services.decline_offer(offer=offer, by=person)

    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING


def test_it_refuses_to_decline_an_accepted_offer(asker, offer):
    services.accept_offer(offer=offer, by=asker)

    with pytest.raises(services.ServiceError, match="no longer waiting"):
        services.decline_offer(offer=offer, by=asker)

    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED


# --- Conversation ------------------------------------------------------------------------------


def test_it_lets_the_asker_and_the_helper_talk(asker, helper, offer):
    first = services.send_message(offer=offer, sender=helper, body="  Hello! How are you?  ")
    second = services.send_message(offer=offer, sender=asker, body="Better, thank you.")

    assert first.body == "Hello! How are you?"
    assert [(m.sender, m.body) for m in offer.messages.all()] == [
        (helper, "Hello! How are you?"),
        (asker, "Better, thank you."),
    ]
    assert second.offer == offer


def test_it_keeps_outsiders_out_of_a_conversation(offer, outsider):
    with pytest.raises(services.ServiceError, match="Only the asker and this helper"):
        services.send_message(offer=offer, sender=outsider, body="Can I join in?")

    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "close",
    [
        pytest.param(lambda offer: services.withdraw_offer(offer=offer, by=offer.helper), id="wd"),
        pytest.param(
            lambda offer: services.decline_offer(offer=offer, by=offer.request.author), id="dec"
        ),
        pytest.param(
            lambda offer: services.close_request(
                help_request=offer.request, by=offer.request.author
            ),
            id="closed-request",
        ),
    ],
)
def test_it_refuses_messages_in_a_closed_conversation(offer, helper, close):
    close(offer)

    with pytest.raises(services.ServiceError, match="conversation is closed"):
        services.send_message(offer=offer, sender=helper, body="Are you still there?")

    assert not Message.objects.exists()


def test_it_closes_the_conversation_once_the_request_is_resolved(asker, helper, offer):
    services.accept_offer(offer=offer, by=asker)
    services.send_message(offer=offer, sender=asker, body="Thank you so much.")
    services.resolve_request(help_request=offer.request, by=asker)

    with pytest.raises(services.ServiceError, match="conversation is closed"):
        services.send_message(offer=offer, sender=helper, body="You're welcome!")

    assert offer.messages.count() == 1


@pytest.mark.parametrize("body", ["", "   ", "\n\t \n"])
def test_it_refuses_an_empty_message(offer, helper, body):
    # The rule on Message.body, with the sentence the message form shows.
    with pytest.raises(Invalid, match="can't be empty") as refused:
        services.send_message(offer=offer, sender=helper, body=body)
    assert refused.value.field == "body"

    assert not Message.objects.exists()


@pytest.mark.parametrize("sender", ["asker", "helper"])
def test_it_emails_the_other_person_about_a_new_message(
    request, help_request, offer, sender, mailoutbox, django_capture_on_commit_callbacks
):
    author = request.getfixturevalue(sender)
    other = offer.helper if sender == "asker" else help_request.author
    body = "Something personal I would rather keep off a lock screen"

    with django_capture_on_commit_callbacks(execute=True):
        message = services.send_message(offer=offer, sender=author, body=body)

    assert len(mailoutbox) == 1
    assert_discreet_email(
        mailoutbox[0],
        to=other.email,
        secrets=[body, help_request.title, help_request.body, author.email],
        names=[author.display_name],
    )
    notification = Notification.objects.get()
    assert notification.kind == Notification.Kind.MESSAGE_RECEIVED
    assert notification.key == f"message_received:{message.pk}"
    assert notification.url == f"{offer.get_absolute_url()}#latest"
