"""Every moderation write from the Django admin goes through the services.

The admin's forms for requests, offers and messages change nothing (their fields
are read-only); its actions call the moderation services, so each change is in
the moderation log, closes the reports it answers, tells the reporters, clears
quoted excerpts and presents approved offers. Deleting a person in the admin runs
the account-deletion service. Each test changes one thing the admin can change
and checks the log and the side effects.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.services import DELETED_ACCOUNT_EMAIL, DELETED_NOTE, deleted_account_placeholder
from moderation.models import ModerationAction, Report
from notifications.models import Notification
from requests.models import HelpRequest, Message, Offer
from tests.factories import HelpRequestFactory, MessageFactory, NotificationFactory, OfferFactory

Kind = ModerationAction.Kind


def admin_url(model, view: str, *args) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def run_action(client, model, action: str, *objects):
    return client.post(
        admin_url(model, "changelist"),
        {"action": action, "_selected_action": [obj.pk for obj in objects]},
        follow=True,
    )


@pytest.fixture
def reported(help_request, outsider) -> Report:
    return Report.objects.create(
        reporter=outsider, help_request=help_request, reason=Report.Reason.HARMFUL
    )


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser(
        email="root@example.org", password="a-good-long-password", display_name="Root"
    )


# --- The forms change nothing ------------------------------------------------------------


def test_the_request_form_changes_nothing(mod_client, help_request, reported) -> None:
    before = HelpRequest.objects.filter(pk=help_request.pk).values().get()
    mod_client.post(
        admin_url(HelpRequest, "change", help_request.pk),
        {
            "title": "A title a moderator typed",
            "body": "A body a moderator typed, long enough to pass.",
            "category": help_request.category_id,
            "response_kind": HelpRequest.ResponseKind.ADVICE,
            "status": HelpRequest.Status.CLOSED,
            "is_hidden": "on",
            "needs_attention": "on",
        },
    )
    after = HelpRequest.objects.filter(pk=help_request.pk).values().get()
    assert after == before
    assert not ModerationAction.objects.exists()
    page = mod_client.get(admin_url(HelpRequest, "change", help_request.pk)).content.decode()
    assert 'name="title"' not in page
    assert 'name="is_hidden"' not in page
    assert 'name="status"' not in page


def test_the_offer_and_message_forms_change_nothing(client, superuser, offer) -> None:
    message = MessageFactory(offer=offer)
    offer_before = Offer.objects.filter(pk=offer.pk).values().get()
    message_before = Message.objects.filter(pk=message.pk).values().get()
    client.force_login(superuser)  # even an administrator, with every permission
    client.post(
        admin_url(Offer, "change", offer.pk),
        {
            "request": offer.request_id,
            "helper": offer.helper_id,
            "message": "Changed by staff, long enough",
            "status": "accepted",
            "is_hidden": "on",
        },
    )
    client.post(
        admin_url(Message, "change", message.pk), {"body": "Changed by staff", "is_hidden": "on"}
    )
    assert Offer.objects.filter(pk=offer.pk).values().get() == offer_before
    assert Message.objects.filter(pk=message.pk).values().get() == message_before


@pytest.mark.parametrize("model", [HelpRequest, Offer, Message])
def test_content_cannot_be_added_or_deleted_in_the_admin(client, superuser, offer, model) -> None:
    obj = {HelpRequest: offer.request, Offer: offer, Message: MessageFactory(offer=offer)}[model]
    client.force_login(superuser)
    assert client.get(admin_url(model, "delete", obj.pk)).status_code == 403
    assert client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert client.get(admin_url(model, "add")).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


# --- The actions are the services --------------------------------------------------------


def test_hiding_a_request_is_logged_closes_its_reports_and_tells_the_reporter(
    mod, mod_client, help_request, reported, outsider
) -> None:
    response = run_action(mod_client, HelpRequest, "hide", help_request)

    assert "1 hidden." in response.content.decode()
    help_request.refresh_from_db()
    assert help_request.is_hidden
    action = ModerationAction.objects.get()
    assert (action.kind, action.moderator, action.help_request) == (Kind.HIDE, mod, help_request)
    reported.refresh_from_db()
    assert reported.status == Report.Status.ACTIONED
    assert reported.handled_by == mod
    assert Notification.objects.filter(
        recipient=outsider, kind=Notification.Kind.REPORT_OUTCOME
    ).exists()


def test_showing_again_is_logged_and_a_visible_one_is_refused_kindly(
    mod, mod_client, help_request
) -> None:
    refused = run_action(mod_client, HelpRequest, "unhide", help_request)
    assert "This isn&#x27;t hidden." in refused.content.decode()
    assert not ModerationAction.objects.exists()

    HelpRequest.objects.filter(pk=help_request.pk).update(is_hidden=True)
    run_action(mod_client, HelpRequest, "unhide", help_request)
    help_request.refresh_from_db()
    assert not help_request.is_hidden
    assert ModerationAction.objects.get().kind == Kind.UNHIDE


def test_hiding_an_offer_clears_the_excerpt_its_notification_quoted(mod_client, offer) -> None:
    quoted = NotificationFactory(
        key=f"offer_received:{offer.public_id}",
        recipient=offer.request.author,
        payload={"excerpt": offer.message},
    )
    run_action(mod_client, Offer, "hide", offer)

    offer.refresh_from_db()
    quoted.refresh_from_db()
    assert offer.is_hidden
    assert quoted.payload == {}
    assert ModerationAction.objects.get().offer == offer


def test_hiding_a_message_is_logged(mod_client, offer) -> None:
    message = MessageFactory(offer=offer)
    run_action(mod_client, Message, "hide", message)
    message.refresh_from_db()
    assert message.is_hidden
    assert ModerationAction.objects.get().message == message


def test_marking_a_flagged_request_seen_is_logged(mod_client, help_request) -> None:
    HelpRequest.objects.filter(pk=help_request.pk).update(needs_attention=True)
    run_action(mod_client, HelpRequest, "mark_seen", help_request)
    help_request.refresh_from_db()
    assert not help_request.needs_attention
    assert ModerationAction.objects.get().kind == Kind.DISMISS


def test_approving_a_held_offer_presents_it_to_the_asker(mod_client, help_request, helper) -> None:
    held = OfferFactory(request=help_request, helper=helper, held_for_review=True)
    run_action(mod_client, Offer, "approve", held)

    held.refresh_from_db()
    assert not held.held_for_review
    assert ModerationAction.objects.get().kind == Kind.APPROVE_OFFER
    assert Notification.objects.filter(
        recipient=help_request.author, kind=Notification.Kind.OFFER_RECEIVED
    ).exists()


def test_rejecting_a_held_offer_declines_and_hides_it(mod_client, help_request, helper) -> None:
    held = OfferFactory(request=help_request, helper=helper, held_for_review=True)
    run_action(mod_client, Offer, "reject", held)

    held.refresh_from_db()
    assert (held.held_for_review, held.is_hidden, held.status) == (
        False,
        True,
        Offer.Status.DECLINED,
    )
    assert ModerationAction.objects.get().kind == Kind.REJECT_OFFER


def test_people_who_cannot_moderate_get_no_actions(client, superuser, help_request) -> None:
    staff = User.objects.create_user(
        email="staff@example.org", password="a-good-long-password", display_name="Staff"
    )
    staff.is_staff = True
    staff.save()
    staff.user_permissions.set([])
    client.force_login(staff)
    run_action(client, HelpRequest, "hide", help_request)
    help_request.refresh_from_db()
    assert not help_request.is_hidden


# --- People ----------------------------------------------------------------------------------


def _story(asker, helper, outsider):
    """The helper's request with an offer from the outsider, and the helper's
    offer and words in a conversation on the asker's request."""
    own = HelpRequestFactory(author=helper, offer_count=1)
    OfferFactory(request=own, helper=outsider)
    offer = OfferFactory(request=HelpRequestFactory(author=asker, offer_count=1), helper=helper)
    MessageFactory(offer=offer, sender=helper, body="Helper's words")
    MessageFactory(offer=offer, sender=asker, body="Asker's words")
    return own, offer


def _assert_deleted_by_the_service(helper, own, offer) -> None:
    assert not User.objects.filter(pk=helper.pk).exists()
    assert not HelpRequest.objects.filter(pk=own.pk).exists()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN
    assert offer.message == DELETED_NOTE
    bodies = list(offer.messages.order_by("pk").values_list("body", flat=True))
    assert bodies == ["Asker's words", DELETED_NOTE]


def test_deleting_a_person_in_the_admin_runs_the_deletion_service(
    client, superuser, asker, helper, outsider
) -> None:
    own, offer = _story(asker, helper, outsider)
    client.force_login(superuser)
    response = client.post(admin_url(User, "delete", helper.pk), {"post": "yes"})
    assert response.status_code == 302
    _assert_deleted_by_the_service(helper, own, offer)


def test_deleting_people_in_bulk_runs_the_deletion_service(
    client, superuser, asker, helper, outsider
) -> None:
    own, offer = _story(asker, helper, outsider)
    placeholder = deleted_account_placeholder()
    client.force_login(superuser)
    client.post(
        admin_url(User, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [helper.pk, placeholder.pk],
            "post": "yes",
        },
    )
    _assert_deleted_by_the_service(helper, own, offer)
    assert User.objects.filter(email=DELETED_ACCOUNT_EMAIL).exists()


def test_the_admin_keeps_the_display_name_rules(client, superuser, asker) -> None:
    client.force_login(superuser)
    page = client.get(admin_url(User, "change", asker.pk))
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, list | tuple)
    }
    data.update({"display_name": "Anonymous-Otter", "date_joined_0": "2026-01-01"})
    response = client.post(admin_url(User, "change", asker.pk), data)
    assert "is kept for anonymous requests" in response.content.decode()
    asker.refresh_from_db()
    assert asker.display_name == "Asha Asker"
