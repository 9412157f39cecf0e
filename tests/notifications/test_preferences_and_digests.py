"""Issue 3: what people are told, and their control over it."""

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from notifications import digests, emails, kinds
from notifications import selectors as inbox
from notifications import services as notification_services
from notifications.models import Delivery, HelperSubscription, Notification
from notifications.services import update_subscription
from requests import services
from requests.models import HelpRequest, Offer
from tests.factories import CategoryFactory, HelpRequestFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db


def _post_request(author, category, kind="listen", anonymous=False):
    return services.create_request(
        author=author,
        title="Could someone listen for a while?",
        body="It has been a heavy week and I would like to talk it through.",
        category=category,
        response_kind=kind,
        is_anonymous=anonymous,
    )


def test_it_emails_right_away_by_default(
    asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    help_request = HelpRequestFactory(author=asker)
    with django_capture_on_commit_callbacks(execute=True):
        services.make_offer(help_request=help_request, helper=helper, message="Happy to help you.")
    assert len(mailoutbox) == 1
    row = Notification.objects.get(kind=Notification.Kind.OFFER_RECEIVED)
    assert row.state == Notification.State.SENT
    assert row.delivery == Notification.Delivery.IMMEDIATE


def test_it_keeps_never_rows_in_app_but_sends_nothing(
    asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    notification_services.set_preferences(user=asker, choices={"offer_received": Delivery.NEVER})
    help_request = HelpRequestFactory(author=asker)
    with django_capture_on_commit_callbacks(execute=True):
        services.make_offer(help_request=help_request, helper=helper, message="Happy to help you.")
    assert mailoutbox == []
    row = Notification.objects.get(kind=Notification.Kind.OFFER_RECEIVED)
    assert row.state == Notification.State.SKIPPED
    assert list(inbox.inbox(asker)) == [row]
    assert inbox.unread_count(asker) == 1


def test_it_gathers_digest_rows_into_one_email(
    asker, helper, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    notification_services.set_preferences(user=asker, choices={"offer_received": Delivery.DIGEST})
    first, second = HelpRequestFactory(author=asker), HelpRequestFactory(author=asker)
    with django_capture_on_commit_callbacks(execute=True):
        services.make_offer(help_request=first, helper=helper, message="Happy to help you.")
        services.make_offer(help_request=second, helper=outsider, message="I can help too.")
    assert mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        assert digests.build_digests() == 1
    assert len(mailoutbox) == 1
    digest = mailoutbox[0]
    assert digest.subject == "Your daily update from the board"
    assert digest.body.count("Someone offered to help") == 2
    assert first.title not in digest.body and "Hugo" not in digest.body
    rows = Notification.objects.filter(kind=Notification.Kind.OFFER_RECEIVED)
    assert all(row.digest_id is not None for row in rows)

    # Nothing is sent twice: a second run finds nothing waiting.
    with django_capture_on_commit_callbacks(execute=True):
        assert digests.build_digests() == 0
    assert len(mailoutbox) == 1


def test_it_holds_later_rows_for_tomorrows_digest(
    asker, helper, django_capture_on_commit_callbacks
):
    notification_services.set_preferences(user=asker, choices={"offer_received": Delivery.DIGEST})
    with django_capture_on_commit_callbacks(execute=True):
        services.make_offer(
            help_request=HelpRequestFactory(author=asker), helper=helper, message="Glad to help."
        )
        digests.build_digests()
        services.make_offer(
            help_request=HelpRequestFactory(author=asker), helper=helper, message="Glad to help."
        )
        assert digests.build_digests() == 0
    waiting = Notification.objects.waiting_for_digest()
    assert waiting.count() == 1
    tomorrow = timezone.now() + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert digests.build_digests(now=tomorrow) == 1


def test_it_offers_fuller_emails_only_to_people_who_chose_them(
    asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    help_request = HelpRequestFactory(author=asker, title="Moving house next week")
    with django_capture_on_commit_callbacks(execute=True):
        services.make_offer(help_request=help_request, helper=helper, message="I have a van!")
    assert "Moving house" not in mailoutbox[0].subject + mailoutbox[0].body

    asker.full_emails = True
    asker.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.make_offer(
            help_request=help_request, helper=UserFactory(), message="Me too, gladly!!"
        )
    fuller = mailoutbox[1]
    assert "Moving house next week" in fuller.subject
    assert "Me too, gladly!!" in fuller.body
    assert "Hugo" not in fuller.body


def test_every_email_carries_one_click_unsubscribe_headers(
    asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.make_offer(
            help_request=HelpRequestFactory(author=asker), helper=helper, message="Glad to help."
        )
    message = mailoutbox[0]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link in message.body
    assert "/unsubscribe/" in link


def test_unsubscribe_asks_on_get_and_acts_on_post(client, asker):
    token = emails.unsubscribe_token(asker, "offer_received")
    url = reverse("unsubscribe", args=[token])
    response = client.get(url)
    assert response.status_code == 200
    assert notification_services.preferences_for(asker)["offer_received"] == Delivery.IMMEDIATE

    # RFC 8058: the mail client POSTs, signed out, without a CSRF token.
    csrf_client = client.__class__(enforce_csrf_checks=True)
    response = csrf_client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert notification_services.preferences_for(asker)["offer_received"] == Delivery.NEVER
    assert "You're unsubscribed" in response.content.decode()


def test_unsubscribe_refuses_a_tampered_token(client, asker):
    token = emails.unsubscribe_token(asker, "offer_received")
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.post(reverse("unsubscribe", args=[tampered]))
    assert response.status_code == 400
    assert notification_services.preferences_for(asker)["offer_received"] == Delivery.IMMEDIATE


def test_unsubscribe_links_do_not_run_out(client, asker, settings):
    token = emails.unsubscribe_token(asker, "offer_received")
    settings.BOARD_EMAIL_LINK_MAX_AGE_DAYS = -1  # renew links only
    response = client.post(reverse("unsubscribe", args=[token]))
    assert response.status_code == 200
    assert notification_services.preferences_for(asker)["offer_received"] == Delivery.NEVER


def test_unsubscribing_from_the_digest_stops_every_digest_kind(asker):
    notification_services.set_preferences(
        user=asker, choices={"new_request": Delivery.DIGEST, "message_received": Delivery.DIGEST}
    )
    stopped = notification_services.unsubscribe(user=asker, kind=Notification.Kind.DIGEST)
    # ...and the one-time note to helpers, which goes in the digest by default.
    assert set(stopped) == {"new_request", "message_received", "can_ask_too"}
    assert notification_services.preferences_for(asker)["offer_received"] == Delivery.IMMEDIATE


def test_subscribed_helpers_hear_about_matching_requests(
    asker, mailoutbox, django_capture_on_commit_callbacks
):
    talk, errands = CategoryFactory(slug="talk"), CategoryFactory(slug="errands")
    follows_talk, follows_errands = UserFactory(), UserFactory()
    follows_advice_only, not_subscribed = UserFactory(), UserFactory()
    update_subscription(user=follows_talk, is_active=True, categories=[talk], response_kinds=[])
    update_subscription(
        user=follows_errands, is_active=True, categories=[errands], response_kinds=[]
    )
    update_subscription(
        user=follows_advice_only, is_active=True, categories=[], response_kinds=["advice"]
    )
    for user in (follows_talk, follows_errands, follows_advice_only):
        notification_services.set_preferences(
            user=user, choices={"new_request": Delivery.IMMEDIATE}
        )

    with django_capture_on_commit_callbacks(execute=True):
        _post_request(asker, talk, kind="listen", anonymous=True)
    assert [message.to for message in mailoutbox] == [[follows_talk.email]]
    assert "Asha" not in mailoutbox[0].body
    assert not Notification.objects.filter(recipient=not_subscribed).exists()


def test_the_author_is_never_told_about_their_own_request(asker):
    category = CategoryFactory()
    update_subscription(user=asker, is_active=True, categories=[], response_kinds=[])
    _post_request(asker, category)
    assert not Notification.objects.filter(recipient=asker).exists()


def test_unanswered_requests_resurface_once(
    asker, helper, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.BOARD_UNANSWERED_HOURS = 24
    category = CategoryFactory()
    update_subscription(user=helper, is_active=True, categories=[], response_kinds=[])
    help_request = _post_request(asker, category)
    answered = _post_request(asker, category)
    OfferFactory(request=answered)
    HelpRequest.objects.update(offer_count=0, created_at=timezone.now() - timedelta(hours=30))
    HelpRequest.objects.filter(pk=answered.pk).update(offer_count=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.resurface_unanswered() == 1
        assert services.resurface_unanswered() == 0
    help_request.refresh_from_db()
    assert help_request.resurfaced_at is not None
    update = Notification.objects.get(kind=Notification.Kind.REQUEST_UNANSWERED)
    assert update.recipient == asker
    again = Notification.objects.filter(key__startswith="new_request:again:")
    assert list(again.values_list("recipient", flat=True)) == [helper.pk]
    assert any(message.subject == "An update on your request" for message in mailoutbox)


def test_a_young_request_is_not_resurfaced(asker):
    _post_request(asker, CategoryFactory())
    assert services.resurface_unanswered() == 0


def test_requests_warn_then_expire_then_renew(
    asker, helper, client, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.BOARD_EXPIRY_WARNING_DAYS = 3
    help_request = HelpRequestFactory(author=asker)
    pending = OfferFactory(request=help_request, helper=helper)
    HelpRequest.objects.filter(pk=help_request.pk).update(
        expires_at=timezone.now() + timedelta(days=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_requests() == (1, 0)
        assert services.expire_requests() == (0, 0)
    warning = Notification.objects.get(kind=Notification.Kind.REQUEST_EXPIRING)
    assert "/renew/" in warning.url
    assert mailoutbox[-1].subject == "Your request will close in a few days"
    assert warning.url in mailoutbox[-1].body

    HelpRequest.objects.filter(pk=help_request.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_requests() == (0, 1)
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.EXPIRED
    pending.refresh_from_db()
    assert pending.status == Offer.Status.DECLINED
    expired = Notification.objects.get(kind=Notification.Kind.REQUEST_EXPIRED)

    # Signed out, the link's "still needed" button reopens it.
    response = client.post(expired.url)
    assert response.status_code == 200
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.OPEN
    assert help_request.expires_at > timezone.now() + timedelta(days=20)
    assert help_request.expiry_warned_at is None


def test_a_tampered_renew_link_changes_nothing(client, asker):
    help_request = HelpRequestFactory(author=asker, status=HelpRequest.Status.EXPIRED)
    other = HelpRequestFactory(author=asker)
    token = services.renew_token(other)
    response = client.post(reverse("requests:renew", args=[help_request.public_id, token]))
    assert response.status_code == 400
    response = client.post(reverse("requests:renew", args=[help_request.public_id, token + "x"]))
    assert response.status_code == 400
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.EXPIRED


def test_a_resolved_request_cannot_be_renewed(client, asker):
    help_request = HelpRequestFactory(author=asker, status=HelpRequest.Status.RESOLVED)
    url = services.renew_url(help_request)
    response = client.post(url)
    assert response.status_code == 409
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.RESOLVED


def test_helpers_hear_the_outcome_kindly(
    asker, helper, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    help_request = HelpRequestFactory(author=asker)
    with django_capture_on_commit_callbacks(execute=True):
        chosen = services.make_offer(
            help_request=help_request, helper=helper, message="I can help."
        )
        other = services.make_offer(
            help_request=help_request, helper=outsider, message="Me too, happily."
        )
        mailoutbox.clear()
        services.accept_offer(offer=chosen, by=asker)
    by_recipient = {message.to[0]: message for message in mailoutbox}
    assert by_recipient[helper.email].subject.startswith("Your offer of help was accepted")
    declined = by_recipient[outsider.email]
    assert declined.subject == "An update on an offer you made"
    assert "reason" in declined.body and "Asha" not in declined.body
    other.refresh_from_db()
    assert other.decline_reason == Offer.DeclineReason.FOUND_HELP

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_message(offer=chosen, sender=asker, body="Thank you so much")
    assert [message.to for message in mailoutbox] == [[helper.email]]
    assert "Thank you so much" not in mailoutbox[0].body

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.resolve_request(help_request=help_request, by=asker)
    assert [message.subject for message in mailoutbox] == [
        "A request you helped with is marked as resolved"
    ]


def test_settings_page_saves_preferences_and_subscription(client, asker):
    category = CategoryFactory()
    client.force_login(asker)
    url = reverse("accounts:notifications")
    page = client.get(url).content.decode()
    # One form, one Save button, with following requests first.
    assert page.count('<form method="post" novalidate>') == 1
    assert page.count('type="submit"') == 2  # Save, and "Sign out" in the header
    assert page.index("Requests you'd like to hear about") < page.index("Which emails you get")
    data = {
        "full_emails": "on",
        "is_active": "on",
        "categories": [category.pk],
        "response_kinds": ["advice"],
    }
    data.update(dict.fromkeys(kinds.CONFIGURABLE_KINDS, Delivery.IMMEDIATE))
    data["message_received"] = Delivery.DIGEST
    response = client.post(url, data)
    assert response.status_code == 302
    asker.refresh_from_db()
    assert asker.full_emails is True
    assert notification_services.preferences_for(asker)["message_received"] == Delivery.DIGEST
    assert asker.subscription.is_active
    assert list(asker.subscription.categories.all()) == [category]
    assert asker.subscription.response_kinds == ["advice"]


def test_settings_page_rejects_an_unknown_choice_and_keeps_the_rest(client, asker):
    client.force_login(asker)
    data = {"full_emails": "on", "is_active": "on", "response_kinds": ["listen"]}
    data.update(dict.fromkeys(kinds.CONFIGURABLE_KINDS, Delivery.DIGEST))
    data["offer_received"] = "carrier-pigeon"
    response = client.post(reverse("accounts:notifications"), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Select a valid choice" in content
    # What the person chose is still chosen.
    assert re.search(r'<input type="checkbox" name="full_emails"[^>]*checked', content)
    assert re.search(r'<option value="digest" selected>', content)
    assert notification_services.preferences_for(asker)["message_received"] == Delivery.IMMEDIATE
    # The other half of the form is kept too, and nothing was saved.
    assert re.search(r'<input type="checkbox" name="is_active"[^>]*checked', content)
    kind = r'<input type="checkbox" name="response_kinds" value="listen"[^>]*checked'
    assert re.search(kind, content)
    assert not HelperSubscription.objects.filter(user=asker).exists()


def test_notifications_page_lists_marks_read_and_counts(client, asker, helper):
    help_request = HelpRequestFactory(author=asker)
    services.make_offer(help_request=help_request, helper=helper, message="Glad to help.")
    services.make_offer(
        help_request=HelpRequestFactory(author=asker), helper=helper, message="Glad to help."
    )
    client.force_login(asker)
    response = client.get(reverse("notifications"))
    assert response.status_code == 200
    assert response.content.decode().count("Someone offered to help with your request") == 2
    board = client.get(reverse("requests:board")).content.decode()
    assert "2 unread" in board

    first = inbox.inbox(asker).last()
    response = client.post(reverse("notification_open", args=[first.pk]))
    assert response.status_code == 302
    assert response.url == first.url
    assert inbox.unread_count(asker) == 1

    client.post(reverse("notifications_read_all"))
    assert inbox.unread_count(asker) == 0


def test_nobody_opens_someone_elses_notification(client, asker, helper, outsider):
    services.make_offer(
        help_request=HelpRequestFactory(author=asker), helper=helper, message="Glad to help."
    )
    row = Notification.objects.get()
    client.force_login(outsider)
    assert client.post(reverse("notification_open", args=[row.pk])).status_code == 404
    row.refresh_from_db()
    assert row.read_at is None


def test_notifications_page_has_a_fixed_query_budget(
    client, asker, helper, django_assert_num_queries, settings
):
    # More offers than one helper may make in an hour (the limit is not under test).
    settings.BOARD_RATE_LIMITS = {}

    def add(count):
        for _ in range(count):
            services.make_offer(
                help_request=HelpRequestFactory(author=asker),
                helper=helper,
                message="Glad to help.",
            )

    client.force_login(asker)
    add(2)
    # session, user, count for the paginator, the page of rows (with their
    # requests), the unread count in the header
    with django_assert_num_queries(5):
        client.get(reverse("notifications"))
    add(25)
    with django_assert_num_queries(5):
        client.get(reverse("notifications"))


def test_signed_links_do_not_reveal_other_people(asker):
    token = emails.unsubscribe_token(asker, "offer_received")
    assert asker.email not in signing.b64_decode(token.split(":")[0].encode()).decode(
        errors="ignore"
    )
