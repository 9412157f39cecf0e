"""The moderation queue and every moderator action, each with its log row."""

import pytest
from django.test import Client
from django.urls import reverse

from moderation import selectors
from moderation import services as moderation
from moderation.models import ModerationAction, Report
from moderation.targets import ReportedMessage, ReportedOffer, ReportedRequest
from notifications.models import Notification
from requests.models import Message
from requests.services import ServiceError, create_request, make_offer, send_message
from tests.factories import HelpRequestFactory, MessageFactory, OfferFactory, UserFactory
from tests.support.personas import login

QUEUE = "/moderation/"


def act(client: Client, report: Report, **data):
    return client.post(reverse("moderation:report_action", args=[report.pk]), data)


def act_on(client: Client, kind: str, ref, **data):
    return client.post(reverse("moderation:content_action", args=[kind, str(ref)]), data)


@pytest.fixture
def report(help_request, outsider):
    return Report.objects.create(reporter=outsider, help_request=help_request, reason="spam")


# --- Who may moderate ---------------------------------------------------------------


@pytest.mark.parametrize("url", [QUEUE, "/moderation/log/"])
def test_a_visitor_is_asked_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("url", [QUEUE, "/moderation/log/"])
def test_members_and_staff_without_the_permission_find_nothing(outsider, url):
    assert login(outsider).get(url).status_code == 404
    staff = UserFactory(is_staff=True)  # staff, but not a moderator
    assert login(staff).get(url).status_code == 404


def test_members_cannot_act(outsider, report, help_request):
    assert act(login(outsider), report, action="dismiss").status_code == 404
    assert (
        act_on(login(outsider), "request", help_request.public_id, action="hide").status_code == 404
    )
    assert not ModerationAction.objects.exists()
    with pytest.raises(ServiceError):
        moderation.hide_content(moderator=outsider, target=ReportedRequest(help_request))


def test_moderators_and_superusers_see_the_queue(mod_client, django_user_model):
    assert mod_client.get(QUEUE).status_code == 200
    owner = django_user_model.objects.create_superuser(
        email="owner@example.org", password="x", display_name="Owner"
    )
    assert login(owner).get(QUEUE).status_code == 200


# --- The queue ----------------------------------------------------------------------


def test_the_queue_shows_reports_flagged_requests_and_held_offers(mod_client, report, helper):
    flagged = HelpRequestFactory(needs_attention=True, title="I can't go on like this")
    held = OfferFactory(held_for_review=True, helper=helper, message="First offer, to be seen.")
    page = mod_client.get(QUEUE).content.decode()
    assert report.help_request.title in page
    assert "reported by Otto Outsider" in page
    assert "by Asha Asker" in page
    assert flagged.title.replace("'", "&#x27;") in page
    assert held.message in page


def test_the_queue_names_an_anonymous_author_only_by_alias(mod_client, anonymous_request, helper):
    offer = OfferFactory(request=anonymous_request, helper=helper)
    from_asker = MessageFactory(offer=offer, sender=anonymous_request.author)
    Report.objects.create(reporter=helper, help_request=anonymous_request, reason="spam")
    Report.objects.create(reporter=helper, message=from_asker, reason="harmful")
    # The anonymous asker reports the helper: the reporter is named by alias too.
    from_helper = MessageFactory(offer=offer, sender=helper)
    Report.objects.create(reporter=anonymous_request.author, message=from_helper, reason="harmful")
    action = moderation.warn_person(
        moderator=mod_client_user(mod_client), target=ReportedMessage(from_asker), note="Be kind."
    )
    for url in [QUEUE, "/moderation/log/", reverse("admin:moderation_report_changelist")]:
        page = mod_client.get(url).content.decode()
        assert "Asha" not in page, url
        assert "asha@example.org" not in page, url
        assert anonymous_request.alias in page, url
    page = mod_client.get(reverse("admin:moderation_moderationaction_change", args=[action.pk]))
    assert "Asha" not in page.content.decode()


def mod_client_user(client: Client):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=client.session["_auth_user_id"])


def test_the_queue_reads_a_fixed_number_of_queries(
    mod_client, mod, django_assert_num_queries, help_request, anonymous_request
):
    def fill(n):
        for i in range(n):
            offer = OfferFactory(request=anonymous_request if i % 2 else help_request)
            message = MessageFactory(offer=offer)
            reporter = UserFactory()
            Report.objects.create(reporter=reporter, help_request=offer.request, reason="spam")
            Report.objects.create(reporter=reporter, offer=offer, reason="spam")
            Report.objects.create(reporter=reporter, message=message, reason="spam")
            HelpRequestFactory(needs_attention=True)
            OfferFactory(held_for_review=True)

    fill(1)
    mod_client.get(QUEUE)
    # 1. session  2. user  3.-4. permissions (the user's, the groups')  5. open reports,
    # with everything they name joined  6. flagged requests  7. held offers  8. unread
    # 9. stories waiting (tests/stories checks that section's budget with many stories)
    with django_assert_num_queries(9):
        assert mod_client.get(QUEUE).status_code == 200
    fill(29)
    with django_assert_num_queries(9):
        response = mod_client.get(QUEUE)
    assert len(response.context["reports"]) == selectors.QUEUE_LIMIT


def test_the_log_reads_a_fixed_number_of_queries(mod_client, mod, django_assert_num_queries):
    def fill(n):
        for _ in range(n):
            offer = OfferFactory()
            moderation.hide_content(moderator=mod, target=ReportedOffer(offer))
            message = MessageFactory(offer=offer)
            moderation.warn_person(moderator=mod, target=ReportedMessage(message), note="Kind.")

    fill(3)
    # 1. session  2. user  3.-4. permissions  5. count  6. the page, joined  7. unread
    with django_assert_num_queries(7):
        assert mod_client.get("/moderation/log/").status_code == 200
    fill(27)
    with django_assert_num_queries(7):
        assert mod_client.get("/moderation/log/").status_code == 200


# --- Every action, and its log row --------------------------------------------------


def test_hiding_a_reported_request(
    mod_client, mod, report, help_request, outsider, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = act(mod_client, report, action="hide", note="Spam, clearly.")
    assert response.status_code == 302
    help_request.refresh_from_db()
    assert help_request.is_hidden
    row = ModerationAction.objects.get()
    assert (row.kind, row.moderator, row.help_request, row.report) == (
        "hide",
        mod,
        help_request,
        report,
    )
    assert row.reason == "Spam, clearly."
    report.refresh_from_db()
    assert report.status == Report.Status.ACTIONED
    assert report.handled_by == mod and report.handled_at
    assert "removed it from the board" in report.outcome
    note = Notification.objects.get(kind=Notification.Kind.REPORT_OUTCOME)
    assert note.recipient == outsider
    assert note.url == reverse("moderation:my_reports")
    # The reporter's email is kind and never names the other person.
    (email,) = mailoutbox
    assert email.to == [outsider.email]
    assert "Asha" not in email.body
    # Hidden: gone from the board and its page for everyone but the author.
    assert help_request.title not in Client().get("/").content.decode()
    assert Client().get(help_request.get_absolute_url()).status_code == 404
    assert login(outsider).get(help_request.get_absolute_url()).status_code == 404
    assert login(help_request.author).get(help_request.get_absolute_url()).status_code == 200


def test_one_action_closes_every_open_report_of_the_same_thing(mod_client, report, help_request):
    Report.objects.create(reporter=UserFactory(), help_request=help_request, reason="spam")
    act(mod_client, report, action="hide")
    assert set(Report.objects.values_list("status", flat=True)) == {"actioned"}
    assert Notification.objects.filter(kind="report_outcome").count() == 2


def test_unhiding(mod_client, mod, help_request):
    act_on(mod_client, "request", help_request.public_id, action="hide")
    response = act_on(mod_client, "request", help_request.public_id, action="unhide", note="Oops")
    assert response.status_code == 302
    help_request.refresh_from_db()
    assert not help_request.is_hidden
    assert list(ModerationAction.objects.order_by("pk").values_list("kind", flat=True)) == [
        "hide",
        "unhide",
    ]
    # Unhiding what isn't hidden says so, and logs nothing.
    act_on(mod_client, "request", help_request.public_id, action="unhide")
    assert ModerationAction.objects.count() == 2
    assert "This isn&#x27;t hidden." in mod_client.get(QUEUE).content.decode()


def test_the_log_offers_to_show_hidden_content_again(mod_client, help_request):
    act_on(mod_client, "request", help_request.public_id, action="hide")
    page = mod_client.get("/moderation/log/").content.decode()
    assert "Hid content" in page
    assert "Show again" in page


def test_dismissing_a_report(mod_client, mod, report, help_request, outsider):
    response = act(mod_client, report, action="dismiss", note="Not spam.")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.DISMISSED
    assert "didn't find that it goes against" in report.outcome
    row = ModerationAction.objects.get()
    assert (row.kind, row.report, row.help_request, row.reason) == (
        "dismiss",
        report,
        help_request,
        "Not spam.",
    )
    help_request.refresh_from_db()
    assert not help_request.is_hidden
    assert Notification.objects.get(kind="report_outcome").recipient == outsider
    # Twice: already handled.
    act(mod_client, report, action="dismiss")
    assert ModerationAction.objects.count() == 1


def test_warning_the_person(mod_client, mod, report, asker, outsider):
    response = act(mod_client, report, action="warn", note="Please keep to the guidelines.")
    assert response.status_code == 302
    asker.refresh_from_db()
    assert asker.warnings == 1
    row = ModerationAction.objects.get()
    assert (row.kind, row.subject, row.reason) == ("warn", asker, "Please keep to the guidelines.")
    warning = Notification.objects.get(kind=Notification.Kind.MODERATOR_WARNING)
    assert warning.recipient == asker
    assert warning.url == reverse("moderation:note", args=[row.pk])
    # The warned person reads the note; nobody else can.
    page = login(asker).get(warning.url).content.decode()
    assert "Please keep to the guidelines." in page
    assert login(outsider).get(warning.url).status_code == 404
    assert mod_client.get(warning.url).status_code == 404
    report.refresh_from_db()
    assert report.status == Report.Status.ACTIONED
    assert "reminded the person" in report.outcome
    assert "Asha" not in report.outcome


def test_warning_can_hide_too(mod_client, report, help_request):
    act(mod_client, report, action="warn", note="Please.", also_hide="on")
    help_request.refresh_from_db()
    assert help_request.is_hidden
    assert sorted(ModerationAction.objects.values_list("kind", flat=True)) == ["hide", "warn"]


def test_suspending_the_person(mod_client, mod, report, asker, help_request):
    response = act(mod_client, report, action="suspend", note="Repeated spam.")
    assert response.status_code == 302
    asker.refresh_from_db()
    assert asker.suspended_at is not None
    row = ModerationAction.objects.get()
    assert (row.kind, row.subject) == ("suspend", asker)
    assert Notification.objects.get(kind="moderator_warning").recipient == asker
    page = login(asker).get(reverse("moderation:note", args=[row.pk])).content.decode()
    assert "Your account is paused" in page
    # Once is enough.
    act(mod_client, report, action="suspend", note="Again.")
    assert ModerationAction.objects.count() == 1


def test_a_suspended_person_can_read_but_not_post_offer_write_or_report(asker, helper, offer):
    from django.utils import timezone

    helper.suspended_at = timezone.now()
    helper.save()
    category = offer.request.category
    with pytest.raises(ServiceError, match="paused by the moderators"):
        create_request(
            author=helper, title="A title", body="x" * 30, category=category,
            response_kind="listen", is_anonymous=False,
        )  # fmt: skip
    with pytest.raises(ServiceError, match="paused by the moderators"):
        make_offer(help_request=HelpRequestFactory(), helper=helper, message="I can help you out.")
    with pytest.raises(ServiceError, match="paused by the moderators"):
        send_message(offer=offer, sender=helper, body="Hello")
    with pytest.raises(ServiceError, match="paused by the moderators"):
        moderation.report_content(
            reporter=helper, target=ReportedRequest(HelpRequestFactory()), reason="spam"
        )
    client = login(helper)
    assert client.get("/").status_code == 200
    response = client.post(offer.get_absolute_url(), {"body": "Hello?"})
    assert "paused by the moderators" in response.content.decode()
    assert not Message.objects.exists()


def test_hiding_an_offer_hides_it_from_the_asker(mod_client, offer, asker, helper):
    act_on(mod_client, "offer", offer.public_id, action="hide")
    assert ModerationAction.objects.get().offer == offer
    page = login(asker).get(offer.request.get_absolute_url()).content.decode()
    assert offer.message.replace("'", "&#x27;") not in page
    assert login(asker).get(offer.get_absolute_url()).status_code == 404
    assert login(helper).get(offer.get_absolute_url()).status_code == 200


def test_hiding_a_message_replaces_it_for_both(mod_client, offer, asker, helper):
    message = MessageFactory(offer=offer, sender=helper, body="Something unkind here.")
    Notification.objects.create(
        key=f"message_received:{message.pk}", kind="message_received", recipient=asker,
        payload={"excerpt": message.body},
    )  # fmt: skip
    act_on(mod_client, "message", message.pk, action="hide", note="Unkind.")
    message.refresh_from_db()
    assert message.is_hidden
    assert ModerationAction.objects.get().message == message
    for person in (asker, helper):
        page = login(person).get(offer.get_absolute_url()).content.decode()
        assert "Something unkind here." not in page
        assert "This message was hidden by a moderator" in page
    # Fuller emails no longer quote it.
    assert Notification.objects.get(key=f"message_received:{message.pk}").payload == {}


def test_marking_a_flagged_request_seen(mod_client):
    flagged = HelpRequestFactory(needs_attention=True)
    act_on(mod_client, "request", flagged.public_id, action="seen", note="Reached out.")
    flagged.refresh_from_db()
    assert not flagged.needs_attention
    row = ModerationAction.objects.get()
    assert (row.kind, row.help_request, row.reason) == ("dismiss", flagged, "Reached out.")


def test_warning_about_content_without_a_report(mod_client, offer, helper):
    act_on(mod_client, "offer", offer.public_id, action="warn", note="Keep it kind.")
    helper.refresh_from_db()
    assert helper.warnings == 1
    assert ModerationAction.objects.get().subject == helper


# --- Bad input on every form ----------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"action": "explode"},
        {"action": "approve"},  # not for a report
        {"action": "warn"},  # a warning needs a note
        {"action": "suspend", "note": "   "},
        {"action": "hide", "note": "x" * 2001},
    ],
    ids=["nothing", "unknown", "not allowed here", "warn without note", "blank note", "too long"],
)
def test_bad_input_on_a_report_action(mod_client, report, data):
    response = act(mod_client, report, **data)
    assert response.status_code == 400
    assert "Something needs a small change" in response.content.decode()
    assert not ModerationAction.objects.exists()
    report.refresh_from_db()
    assert report.status == Report.Status.OPEN


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("request", {"action": "approve"}),
        ("request", {}),
        ("offer", {"action": "seen"}),
        ("message", {"action": "approve"}),
        ("message", {"action": "warn", "note": ""}),
    ],
)
def test_bad_input_on_a_content_action(mod_client, offer, kind, data):
    message = MessageFactory(offer=offer)
    ref = {"request": offer.request.public_id, "offer": offer.public_id, "message": message.pk}
    response = act_on(mod_client, kind, ref[kind], **data)
    assert response.status_code == 400
    assert not ModerationAction.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/moderation/reports/999999/",
        "/moderation/content/request/nope/",
        "/moderation/content/offer/nope/",
        "/moderation/content/message/999999/",
        "/moderation/content/message/abc/",
        "/moderation/content/user/1/",
    ],
)
def test_unknown_things_are_not_found(mod_client, url):
    assert mod_client.post(url, {"action": "hide"}).status_code == 404


def test_actions_take_only_post(mod_client, report):
    assert mod_client.get(reverse("moderation:report_action", args=[report.pk])).status_code == 405


def test_a_moderator_cannot_warn_themselves(mod_client, mod):
    own = HelpRequestFactory(author=mod)
    act_on(mod_client, "request", own.public_id, action="warn", note="Hm.")
    assert not ModerationAction.objects.exists()


def test_the_moderators_group_can_see_reports_and_the_log_in_the_admin(mod_client, report):
    assert mod_client.get(reverse("admin:moderation_report_changelist")).status_code == 200
    assert (
        mod_client.get(reverse("admin:moderation_moderationaction_changelist")).status_code == 200
    )
    # Read-only, and not filterable by person.
    assert mod_client.get(reverse("admin:moderation_report_add")).status_code == 403
    url = reverse("admin:moderation_report_changelist") + f"?reporter={report.reporter_id}"
    assert mod_client.get(url).status_code == 400
