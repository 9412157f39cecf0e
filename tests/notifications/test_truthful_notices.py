"""Issue 14: every message says only what happened.

Each story reads the email (and the in-app item) a person gets and checks it
against what the board did; the sentences that used to be sent when they were
untrue are named, so that they cannot come back."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from moderation import services as moderation
from moderation.models import Report
from moderation.services import make_moderator
from moderation.targets import ReportedRequest
from notifications import digests, emails
from notifications import selectors as inbox
from notifications import services as notification_services
from notifications.models import Delivery, Notification
from notifications.services import update_subscription
from requests import services
from requests.models import HelpRequest, Offer
from tests.factories import CategoryFactory, HelpRequestFactory

pytestmark = pytest.mark.django_db

SHOWN_AGAIN = "We have shown it again to"
NOT_TAKING_UP = "isn't taking up this offer"
WANTED_TO_THANK = "wanted to say thank you"


def _mail_to(mailoutbox, user):
    return [message for message in mailoutbox if message.to == [user.email]]


def _html(message) -> str:
    return message.alternatives[0][0]


def _page_text(response) -> str:
    """A page's HTML with its entities read (`isn&#x27;t` is "isn't")."""
    return html.unescape(response.content.decode())


# --- Resurfacing ------------------------------------------------------------------------


def _old_unanswered_request(asker, category, kind="listen") -> HelpRequest:
    help_request = HelpRequestFactory(author=asker, category=category, response_kind=kind)
    HelpRequest.objects.filter(pk=help_request.pk).update(
        created_at=timezone.now() - timedelta(hours=30)
    )
    return help_request


def test_resurfacing_says_it_was_shown_again_only_when_helpers_were_told(
    asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    category = CategoryFactory()
    update_subscription(user=helper, is_active=True, categories=[category], response_kinds=[])
    help_request = _old_unanswered_request(asker, category)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.resurface_unanswered() == 1

    assert Notification.objects.filter(
        recipient=helper, key__startswith="new_request:again:", help_request=help_request
    ).exists()
    [update] = _mail_to(mailoutbox, asker)
    assert update.subject == "An update on your request"
    assert SHOWN_AGAIN in update.body
    assert "people who asked to hear about requests like yours" in _html(update)


def test_resurfacing_with_no_matching_helper_says_something_true_and_kind(
    asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    follows_other_things = CategoryFactory()
    update_subscription(
        user=helper, is_active=True, categories=[follows_other_things], response_kinds=[]
    )
    _old_unanswered_request(asker, CategoryFactory())

    with django_capture_on_commit_callbacks(execute=True):
        assert services.resurface_unanswered() == 1

    # Nothing was shown to anyone...
    assert not Notification.objects.filter(key__startswith="new_request:again:").exists()
    # ...so the asker is not told it was.
    [update] = _mail_to(mailoutbox, asker)
    assert SHOWN_AGAIN not in update.body
    assert "nobody has asked to hear about new requests like yours" in update.body
    assert "another category" in update.body
    assert "urgent help" in update.body


# --- Expiry with offers waiting, then reopening ---------------------------------------------


def test_the_helpers_page_says_not_taken_up_when_the_asker_did_decline(
    client, asker, helper, django_capture_on_commit_callbacks
):
    """The control for the check below: where the sentence is true, the page shows
    it, and `_page_text` finds it (the raw HTML has `isn&#x27;t`)."""
    help_request = HelpRequestFactory(author=asker)
    with django_capture_on_commit_callbacks(execute=True):
        offer = services.make_offer(help_request=help_request, helper=helper, message="I can help.")
        services.decline_offer(offer=offer, by=asker)
    client.force_login(helper)
    response = client.get(offer.get_absolute_url())
    assert NOT_TAKING_UP in _page_text(response)
    assert NOT_TAKING_UP not in response.content.decode()  # why the old check never failed


def test_expiry_tells_helpers_and_the_asker_the_truth_and_reopening_restores_the_offers(
    client, asker, helper, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    help_request = HelpRequestFactory(author=asker)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.make_offer(help_request=help_request, helper=helper, message="I can help.")
        second = services.make_offer(
            help_request=help_request, helper=outsider, message="Me too, happily"
        )
    mailoutbox.clear()
    HelpRequest.objects.filter(pk=help_request.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_requests() == (0, 1)

    # The helpers: the request closed after a quiet period; the asker said nothing.
    for person in (helper, outsider):
        [notice] = _mail_to(mailoutbox, person)
        assert NOT_TAKING_UP not in notice.body
        assert "closed after a quiet period" in notice.body
        assert "your offer will be waiting for them again" in notice.body
    first.refresh_from_db()
    assert first.status == Offer.Status.DECLINED
    assert first.decline_reason == Offer.DeclineReason.EXPIRED
    client.force_login(helper)
    offer_page = _page_text(client.get(first.get_absolute_url()))
    assert "The request closed after a quiet period" in offer_page
    # What the page said before (the "not taken" reason), read as the helper reads
    # it: the page escapes the apostrophe, so the raw HTML would never match.
    assert NOT_TAKING_UP not in offer_page
    assert "Closed with the request" in offer_page
    assert "Not taken up" not in offer_page

    # The asker: offers were waiting.
    [closed] = _mail_to(mailoutbox, asker)
    assert closed.subject == "Your request has closed"
    assert "their offers were still waiting for your answer" in closed.body
    assert "one click" not in closed.body

    # Reopening from the email's link (signed out) makes the offers live again.
    mailoutbox.clear()
    client.logout()
    link = Notification.objects.get(kind=Notification.Kind.REQUEST_EXPIRED).url
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link)
    assert response.status_code == 200
    assert "Your request is open again" in response.content.decode()
    for offer in (first, second):
        offer.refresh_from_db()
        assert offer.status == Offer.Status.PENDING
        assert offer.decline_reason == ""
    told = {message.to[0]: message for message in mailoutbox}
    assert set(told) == {helper.email, outsider.email}
    assert told[helper.email].subject == "A request you offered on is open again"
    assert "your offer is waiting for their answer again" in told[helper.email].body

    # The asker can take one up, as if the quiet period had never happened.
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_offer(offer=first, by=asker)
    first.refresh_from_db()
    assert first.status == Offer.Status.ACCEPTED


def _lead(row: Notification) -> str:
    """The opening words of the row's email (its kind's, or its variant's)."""
    return emails.render_copy(row.kind, row.payload.get("variant", ""))["lead"]


def test_expiry_with_one_offer_and_with_none_says_so(
    asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    with_offer, without = HelpRequestFactory(author=asker), HelpRequestFactory(author=asker)
    services.make_offer(help_request=with_offer, helper=helper, message="I'd be glad to.")
    HelpRequest.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_requests() == (0, 2)

    bodies = {
        row.help_request_id: row
        for row in Notification.objects.filter(kind=Notification.Kind.REQUEST_EXPIRED)
    }
    assert _lead(bodies[with_offer.pk]).startswith(
        "A request you posted has closed after a quiet period. Someone had offered"
    )
    assert "offer" not in _lead(bodies[without.pk])
    assert sum("their offer was still waiting" in m.body for m in _mail_to(mailoutbox, asker)) == 1


def test_an_offer_the_asker_turned_down_stays_down_when_the_request_is_reopened(
    asker, helper, django_capture_on_commit_callbacks
):
    help_request = HelpRequestFactory(author=asker)
    offer = services.make_offer(help_request=help_request, helper=helper, message="I can help.")
    services.decline_offer(offer=offer, by=asker)
    HelpRequest.objects.filter(pk=help_request.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    services.expire_requests()

    services.renew_request(help_request=help_request)

    offer.refresh_from_db()
    assert offer.status == Offer.Status.DECLINED
    assert offer.decline_reason == Offer.DeclineReason.NOT_TAKEN
    assert not Notification.objects.filter(kind=Notification.Kind.OFFER_REOPENED).exists()


# --- Resolved ---------------------------------------------------------------------------------


def _accepted(asker, helper) -> tuple[HelpRequest, Offer]:
    help_request = HelpRequestFactory(author=asker)
    offer = services.make_offer(help_request=help_request, helper=helper, message="I can help.")
    services.accept_offer(offer=offer, by=asker)
    return help_request, offer


def test_resolved_without_a_thank_you_note_says_only_that_it_was_resolved(
    asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    help_request, _offer = _accepted(asker, helper)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.resolve_request(help_request=help_request, by=asker)

    [resolved] = _mail_to(mailoutbox, helper)
    assert resolved.subject == "A request you helped with is marked as resolved"
    assert WANTED_TO_THANK not in resolved.body
    assert "thank-you note" not in resolved.body
    assert "has marked their request as resolved" in resolved.body


def test_resolved_with_a_thank_you_note_says_there_is_one(
    asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    help_request, offer = _accepted(asker, helper)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.resolve_request(
            help_request=help_request, by=asker, thank_you_offer_ids={offer.pk}
        )

    [resolved] = _mail_to(mailoutbox, helper)
    assert "wrote you a thank-you note" in resolved.body
    row = Notification.objects.get(kind=Notification.Kind.REQUEST_RESOLVED)
    assert inbox.summary(row) == "A request you helped with is resolved, with a thank-you note"


# --- The renew flow -----------------------------------------------------------------------------


def test_the_expiry_warning_promises_what_the_link_does(
    asker, mailoutbox, django_capture_on_commit_callbacks
):
    HelpRequestFactory(author=asker, expires_at=timezone.now() + timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_requests() == (1, 0)
    [warning] = mailoutbox
    assert "one click" not in warning.body
    assert "tell us it's still needed" in warning.body
    assert "Keep my request open:" in warning.body


def test_the_renew_page_names_the_request_only_to_its_signed_in_owner(client, asker, outsider):
    help_request = HelpRequestFactory(author=asker, title="Moving house on my own")
    link = services.renew_url(help_request)

    signed_out = client.get(link).content.decode()
    assert "Moving house on my own" not in signed_out
    client.force_login(outsider)
    assert "Moving house on my own" not in client.get(link).content.decode()

    client.force_login(asker)
    page = client.get(link).content.decode()
    assert "Your request: “Moving house on my own”" in page
    assert "Is your request still needed?" in page
    assert "Yes, keep it open" in page


def test_keeping_an_open_request_open_does_not_call_it_open_again(client, asker):
    help_request = HelpRequestFactory(author=asker)
    response = client.post(services.renew_url(help_request))
    page = response.content.decode()
    assert response.status_code == 200
    assert "open again" not in page
    assert "Your request stays open" in page
    assert "stays open until" in page


def test_the_request_page_button_says_reopen_for_a_closed_request(client, asker):
    help_request = HelpRequestFactory(author=asker, status=HelpRequest.Status.EXPIRED)
    client.force_login(asker)
    page = client.get(help_request.get_absolute_url()).content.decode()
    assert "It's still needed: reopen it" in page
    response = client.post(
        reverse("requests:keep_open", args=[help_request.public_id]), follow=True
    )
    assert "Your request is open again" in response.content.decode()


# --- The inbox ----------------------------------------------------------------------------------


def test_a_declined_offer_item_says_which_request_and_opens_the_offer(
    client, asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    help_request = HelpRequestFactory(author=asker, title="Someone to walk with")
    with django_capture_on_commit_callbacks(execute=True):
        offer = services.make_offer(
            help_request=help_request, helper=helper, message="Happy to help."
        )
        services.decline_offer(offer=offer, by=asker)

    client.force_login(helper)
    page = client.get(reverse("notifications")).content.decode()
    assert "An offer you made wasn&#x27;t taken up" in page
    assert "About: Someone to walk with" in page
    row = Notification.objects.get(kind=Notification.Kind.OFFER_DECLINED)
    response = client.post(reverse("notification_open", args=[row.pk]))
    assert response.url == offer.get_absolute_url()

    # The email stays discreet: no title, and its button goes to the board.
    [email] = _mail_to(mailoutbox, helper)
    assert "Someone to walk with" not in email.subject + email.body
    assert f"See who else is asking: {settings.SITE_URL}{reverse('requests:board')}" in email.body


def test_every_inbox_item_says_what_it_is_about(client, asker, helper, outsider, moderator):
    help_request = HelpRequestFactory(author=asker)
    services.make_offer(help_request=help_request, helper=helper, message="I can help.")
    moderation.report_content(
        reporter=outsider,
        target=ReportedRequest(help_request),
        reason=Report.Reason.SPAM,
    )
    moderation.hide_content(
        moderator=make_moderator(user=moderator),
        target=ReportedRequest(help_request),
    )

    # The asker still sees their own (hidden) request's title.
    client.force_login(asker)
    page = client.get(reverse("notifications")).content.decode()
    assert page.count("About:") == 1
    assert f"About: {help_request.title}" in page

    # The reporter is told what it was about without the hidden request's title.
    client.force_login(outsider)
    page = client.get(reverse("notifications")).content.decode()
    assert "About: A request that is no longer on the board" in page
    assert help_request.title not in page
    api = client.get("/api/v1/notifications/").json()["results"]
    assert [item["about"] for item in api] == ["A request that is no longer on the board"]
    assert [item["request"] for item in api] == [None]


# --- Digests ------------------------------------------------------------------------------------


def test_digest_lines_tell_new_requests_apart(
    asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    grief, errands = (
        CategoryFactory(name="Grief and loss (test)"),
        CategoryFactory(name="Errands (test)"),
    )
    update_subscription(user=helper, is_active=True, categories=[], response_kinds=[])
    notification_services.set_preferences(user=helper, choices={"new_request": Delivery.DIGEST})
    for category, kind, title in (
        (grief, "listen", "Missing my gran this week"),
        (errands, "practical", "Need a lift to the clinic"),
    ):
        services.create_request(
            author=asker,
            title=title,
            body="It would mean a lot to have someone around for this.",
            category=category,
            response_kind=kind,
            is_anonymous=True,
        )
    HelpRequest.objects.filter(category=grief).update(
        created_at=timezone.now() - timedelta(hours=5)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert digests.build_digests() == 1
    [digest] = mailoutbox
    assert "Someone is asking for support you could offer" not in digest.body
    assert "A request for “Just listen” in Grief and loss (test), posted 5 hours ago" in digest.body
    assert "A request for “Practical help” in Errands (test), posted 0 minutes ago" in digest.body
    assert "Missing my gran" not in digest.body + _html(digest)
    assert "never contains what people wrote" in _html(digest)


def test_digest_lines_carry_titles_only_for_fuller_emails(
    asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    helper.full_emails = True
    helper.save(update_fields=["full_emails"])
    update_subscription(user=helper, is_active=True, categories=[], response_kinds=[])
    services.create_request(
        author=asker,
        title="Missing my gran this week",
        body="It would mean a lot to have someone around for this.",
        category=CategoryFactory(name="Grief and loss (test)"),
        response_kind="listen",
        is_anonymous=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        digests.build_digests()
    [digest] = mailoutbox
    assert (
        "in Grief and loss (test), posted 0 minutes ago: Missing my gran this week" in digest.body
    )
    assert "Asha" not in digest.body
    # So the email no longer promises that it never contains what people wrote.
    assert "never contains what people wrote" not in _html(digest)


# --- Settings labels ---------------------------------------------------------------------------


def test_setting_labels_say_what_they_mean(client, asker):
    client.force_login(asker)
    page = client.get(reverse("accounts:notifications")).content.decode()
    assert "An offer you made isn&#x27;t taken up, or its request closes before an answer" in page
    assert "Nobody has offered on your request yet" in page
    assert "An update on an offer you made" not in page
    assert "An update on your request" not in page
    schema = client.get("/api/schema/?format=json").content.decode()
    assert "Nobody has offered on your request yet" in schema


def test_unsubscribe_page_names_what_stops(client, asker):
    token = emails.unsubscribe_token(asker, "request_unanswered")
    page = client.get(reverse("unsubscribe", args=[token])).content.decode()
    assert "Nobody has offered on your request yet" in page


def test_every_variant_a_service_names_exists(asker):
    with pytest.raises(ValueError):
        notification_services.notify(
            kind=Notification.Kind.REQUEST_UNANSWERED,
            recipient=asker,
            key="made-up",
            variant="made_up",
        )
    assert not Notification.objects.filter(key="made-up").exists()


def test_other_digest_lines_say_what_happened_and_when(
    asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    notification_services.set_preferences(user=asker, choices={"offer_received": Delivery.DIGEST})
    services.make_offer(
        help_request=HelpRequestFactory(author=asker), helper=helper, message="Glad to help."
    )
    Notification.objects.update(created_at=timezone.now() - timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        digests.build_digests()
    [digest] = mailoutbox
    assert "- Someone offered to help with your request, 3 hours ago" in digest.body
