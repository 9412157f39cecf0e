"""Thank-you notes: the asker thanks their helper, privately and discreetly."""

import pytest
from django.urls import reverse

from notifications.models import Notification
from notifications.services import set_preferences
from requests import services
from requests.models import ThankYou
from tests.factories import UserFactory
from tests.support.personas import accepted, login, resolved

NOTE = "Thank you for listening on Tuesday. It helped more than I can say."


def thank_url(offer) -> str:
    return reverse("requests:thank", args=[offer.public_id])


def _mail_to(mailoutbox, user):
    return [m for m in mailoutbox if m.to == [user.email]]


def test_it_lets_the_asker_thank_their_helper_after_resolving(
    asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    help_request, offer = resolved(asker, helper)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(asker).post(thank_url(offer), {"body": NOTE})
    assert response.status_code == 302
    assert ThankYou.objects.get(offer=offer).body == NOTE
    # One discreet email: "Someone thanked you for your help", nothing more.
    [email] = _mail_to(mailoutbox, helper)
    assert email.subject == "Someone thanked you for your help"
    assert NOTE not in email.body
    assert asker.display_name not in email.body + email.subject
    assert help_request.title not in email.body + email.subject
    assert asker.email not in email.body + str(email.extra_headers)
    html = email.alternatives[0][0]
    assert NOTE not in html and help_request.title not in html


def test_the_email_stays_discreet_even_for_fuller_emails(
    asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    helper.full_emails = True
    helper.save()
    help_request, offer = resolved(asker, helper)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        login(asker).post(thank_url(offer), {"body": NOTE})
    [email] = _mail_to(mailoutbox, helper)
    assert email.subject == "Someone thanked you for your help"
    assert NOTE not in email.body and help_request.title not in email.body


def test_it_honours_the_helpers_preference(
    asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    set_preferences(user=helper, choices={"thanked": "never"})
    _request, offer = resolved(asker, helper)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        login(asker).post(thank_url(offer), {"body": NOTE})
    assert _mail_to(mailoutbox, helper) == []
    # Still on the helper's notifications page.
    row = Notification.objects.get(kind=Notification.Kind.THANKED)
    assert row.recipient == helper and row.delivery == "never"
    page = login(helper).get(reverse("notifications")).content.decode()
    assert "Someone thanked you for your help" in page


def test_a_note_sent_while_resolving_tells_the_helper_once(
    asker, helper, mailoutbox, django_capture_on_commit_callbacks
):
    help_request, offer = accepted(asker, helper)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        login(asker).post(thank_url(offer), {"body": NOTE, "resolve": "on"})
    help_request.refresh_from_db()
    assert help_request.status == "resolved"
    # The "resolved" email says there is a note (requests.services' variant); no second email.
    [email] = _mail_to(mailoutbox, helper)
    assert "wrote you a thank-you note" in email.body
    assert NOTE not in email.body
    assert not Notification.objects.filter(kind=Notification.Kind.THANKED).exists()


def test_a_note_can_be_sent_after_accepting_without_resolving(asker, helper):
    help_request, offer = accepted(asker, helper)
    login(asker).post(thank_url(offer), {"body": NOTE})
    help_request.refresh_from_db()
    assert help_request.status == "matched"
    assert ThankYou.objects.filter(offer=offer).exists()


def test_the_note_shows_in_the_conversation_to_both_and_nobody_else(asker, helper, outsider):
    help_request, offer = resolved(asker, helper)
    login(asker).post(thank_url(offer), {"body": NOTE})
    assert NOTE in login(asker).get(offer.get_absolute_url()).content.decode()
    assert NOTE in login(helper).get(offer.get_absolute_url()).content.decode()
    assert login(outsider).get(offer.get_absolute_url()).status_code == 404
    for client in (login(outsider), login(helper), login(asker)):
        assert NOTE not in client.get(help_request.get_absolute_url()).content.decode()


def test_the_helpers_private_thanks_page(client, asker, helper, outsider):
    _request, offer = resolved(asker, helper)
    login(asker).post(thank_url(offer), {"body": NOTE})
    page = login(helper).get(reverse("requests:thanks")).content.decode()
    assert NOTE in page
    assert "You have received 1 thank-you note." in page
    # Nobody else sees it: the outsider's page is their own (empty), a visitor signs in.
    other = login(outsider).get(reverse("requests:thanks")).content.decode()
    assert NOTE not in other and "You have received 0 thank-you notes." in other
    assert client.get(reverse("requests:thanks")).status_code == 302


@pytest.mark.parametrize("who", ["helper", "outsider", "visitor"])
def test_only_the_asker_can_thank(client, asker, helper, outsider, who):
    _request, offer = resolved(asker, helper)
    person = {"helper": helper, "outsider": outsider, "visitor": None}[who]
    web = login(person) if person else client
    response = web.post(thank_url(offer), {"body": NOTE})
    assert response.status_code in (302, 404)
    if who == "visitor":
        assert reverse("account_login") in response["Location"]
    assert not ThankYou.objects.exists()


def test_a_pending_offer_cannot_be_thanked_yet(asker, helper, help_request):
    offer = services.make_offer(help_request=help_request, helper=helper, message="I can help!")
    response = login(asker).post(thank_url(offer), {"body": NOTE})
    assert response.status_code == 404
    assert not ThankYou.objects.exists()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Please write a few words before sending."),
        ("   ", "Please write a few words before sending."),
        ("x" * 1001, "Please keep your note to 1000 characters or fewer"),
    ],
)
def test_bad_notes_come_back_with_a_clear_error(asker, helper, body, error):
    _request, offer = resolved(asker, helper)
    response = login(asker).post(thank_url(offer), {"body": body})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not ThankYou.objects.exists()


def test_markup_in_a_note_is_shown_as_text(asker, helper):
    _request, offer = resolved(asker, helper)
    login(asker).post(thank_url(offer), {"body": "<script>alert(1)</script> thank you"})
    page = login(helper).get(offer.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; thank you" in page


def test_one_note_per_helper(asker, helper):
    _request, offer = resolved(asker, helper)
    login(asker).post(thank_url(offer), {"body": NOTE})
    response = login(asker).post(thank_url(offer), {"body": "Again!"})
    assert response.status_code == 302
    assert ThankYou.objects.get().body == NOTE


def test_a_suspended_asker_cannot_thank(asker, helper):
    from django.utils import timezone

    _request, offer = resolved(asker, helper)
    asker.suspended_at = timezone.now()
    asker.save()
    response = login(asker).post(thank_url(offer), {"body": NOTE})
    assert response.status_code == 400
    assert "paused by the moderators" in response.content.decode()


def test_the_resolved_page_invites_the_asker_to_thank_and_share(asker, helper):
    help_request, offer = resolved(asker, helper)
    page = login(asker).get(help_request.get_absolute_url()).content.decode()
    assert thank_url(offer) in page
    assert reverse("stories:new", args=[help_request.public_id]) in page
    # Not pushed: no invitation to anyone else, and none once thanked.
    assert (
        thank_url(offer)
        not in login(UserFactory()).get(help_request.get_absolute_url()).content.decode()
    )
    login(asker).post(thank_url(offer), {"body": NOTE})
    assert (
        thank_url(offer) not in login(asker).get(help_request.get_absolute_url()).content.decode()
    )


def test_the_thanks_page_reads_a_fixed_number_of_queries(
    asker, helper, django_assert_num_queries, settings
):
    # More offers than one helper may make in an hour (the limit is not under test).
    settings.BOARD_RATE_LIMITS = {}

    def fill(n):
        for _ in range(n):
            _request, offer = resolved(UserFactory(), helper)
            ThankYou.objects.create(offer=offer, body=NOTE)

    web = login(helper)
    fill(2)
    # 1. session  2. user  3. count (paginator)  4. the page of notes, with offers and
    # requests joined  5. unread
    with django_assert_num_queries(5):
        assert web.get(reverse("requests:thanks")).status_code == 200
    fill(25)
    with django_assert_num_queries(5):
        assert web.get(reverse("requests:thanks")).status_code == 200
