"""Reporting a request, an offer or a message."""

import pytest
from django.urls import reverse

from board.errors import Limited
from moderation import services
from moderation.models import Report
from moderation.targets import ReportedRequest
from tests.factories import MessageFactory
from tests.support.personas import login


def report_url(kind, ref):
    return reverse("moderation:report", args=[kind, str(ref)])


def test_it_shows_a_kind_report_form(help_request, outsider):
    response = login(outsider).get(report_url("request", help_request.public_id))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Report this request" in page
    assert help_request.title in page
    for label in Report.Reason.labels:
        assert str(label).replace("'", "&#x27;") in page


def test_it_links_to_the_report_form_from_the_request_page_but_not_for_its_author(
    help_request, asker, outsider
):
    url = report_url("request", help_request.public_id)
    assert url in login(outsider).get(help_request.get_absolute_url()).content.decode()
    assert url not in login(asker).get(help_request.get_absolute_url()).content.decode()


def test_it_records_a_report_and_thanks_the_reporter(help_request, outsider):
    client = login(outsider)
    response = client.post(
        report_url("request", help_request.public_id),
        {"reason": "spam", "details": "  Selling things.  "},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == help_request.get_absolute_url()
    assert "Thank you for telling us" in response.content.decode()
    report = Report.objects.get()
    assert (report.reporter, report.help_request, report.reason) == (outsider, help_request, "spam")
    assert report.details == "Selling things."
    assert report.status == Report.Status.OPEN


def test_a_second_report_of_the_same_thing_says_thank_you_already_noted(help_request, outsider):
    client = login(outsider)
    url = report_url("request", help_request.public_id)
    client.post(url, {"reason": "spam"})
    response = client.post(url, {"reason": "harmful"}, follow=True)
    assert "already told us about this" in response.content.decode()
    assert Report.objects.count() == 1


def test_it_refuses_reports_of_your_own_content(help_request, asker):
    response = login(asker).post(
        report_url("request", help_request.public_id), {"reason": "spam"}, follow=True
    )
    assert "you can&#x27;t report it" in response.content.decode()
    assert not Report.objects.exists()


def test_the_asker_reports_an_offer_and_either_side_a_message_of_the_other(offer, asker, helper):
    from_helper = MessageFactory(offer=offer, sender=helper)
    from_asker = MessageFactory(offer=offer, sender=asker)
    asker_client, helper_client = login(asker), login(helper)

    page = asker_client.get(offer.get_absolute_url()).content.decode()
    assert report_url("offer", offer.public_id) in page
    assert report_url("message", from_helper.pk) in page
    assert report_url("message", from_asker.pk) not in page

    asker_client.post(report_url("offer", offer.public_id), {"reason": "harmful"})
    asker_client.post(report_url("message", from_helper.pk), {"reason": "harmful"})
    helper_client.post(report_url("message", from_asker.pk), {"reason": "unsafe"})
    assert Report.objects.filter(offer=offer, reporter=asker).exists()
    assert Report.objects.filter(message=from_helper, reporter=asker).exists()
    assert Report.objects.filter(message=from_asker, reporter=helper).exists()

    # Nor can the helper report their own offer or message.
    helper_client.post(report_url("offer", offer.public_id), {"reason": "harmful"})
    helper_client.post(report_url("message", from_helper.pk), {"reason": "harmful"})
    assert Report.objects.count() == 3


def test_nobody_outside_a_conversation_can_report_in_it(offer, outsider):
    message = MessageFactory(offer=offer)
    client = login(outsider)
    assert client.get(report_url("offer", offer.public_id)).status_code == 404
    assert client.post(report_url("message", message.pk), {"reason": "spam"}).status_code == 404
    assert not Report.objects.exists()


def test_a_visitor_is_asked_to_sign_in(client, help_request):
    response = client.get(report_url("request", help_request.public_id))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize(
    "data",
    [{}, {"reason": ""}, {"reason": "not-a-reason"}, {"reason": "spam", "details": "x" * 2001}],
    ids=["nothing", "empty", "unknown reason", "details too long"],
)
def test_bad_input_comes_back_with_errors(help_request, outsider, data):
    response = login(outsider).post(report_url("request", help_request.public_id), data)
    assert response.status_code == 400
    assert "Something needs a small change" in response.content.decode()
    assert not Report.objects.exists()


@pytest.mark.parametrize("url", ["/moderation/report/thing/1/", "/moderation/report/message/x/"])
def test_unknown_targets_are_not_found(outsider, url):
    assert login(outsider).get(url).status_code == 404


def test_reports_are_rate_limited(settings, outsider):
    from tests.factories import HelpRequestFactory

    settings.BOARD_RATE_LIMITS = {**settings.BOARD_RATE_LIMITS, "report": "2/h"}
    client = login(outsider)
    requests = HelpRequestFactory.create_batch(3)
    for help_request in requests[:2]:
        assert client.post(report_url("request", help_request.public_id), {"reason": "spam"})
    response = client.post(report_url("request", requests[2].public_id), {"reason": "spam"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "Everything you wrote is still here" in page
    assert "try again in" in page
    assert Report.objects.count() == 2


def test_the_form_comes_back_with_what_was_typed_when_limited(settings, help_request, outsider):
    settings.BOARD_RATE_LIMITS = {**settings.BOARD_RATE_LIMITS, "report": "0/h"}
    response = login(outsider).post(
        report_url("request", help_request.public_id),
        {"reason": "harmful", "details": "The second paragraph worries me."},
    )
    assert response.status_code == 429
    page = response.content.decode()
    assert "The second paragraph worries me." in page
    assert "try again in" in page
    assert not Report.objects.exists()


def test_the_report_service_counts_the_posting_limit(settings, help_request, outsider):
    """The one place the limit is counted: every edge (page, API) gets it from here."""
    settings.BOARD_RATE_LIMITS = {**settings.BOARD_RATE_LIMITS, "report": "1/h"}
    target = ReportedRequest(help_request)
    services.report_content(reporter=outsider, target=target, reason="spam")
    with pytest.raises(Limited) as limited:
        services.report_content(reporter=outsider, target=target, reason="harmful")
    assert 0 < limited.value.retry_after <= 3600
    assert Report.objects.count() == 1


def test_the_reporter_sees_their_reports_and_what_happened(help_request, outsider):
    Report.objects.create(
        reporter=outsider,
        help_request=help_request,
        reason="spam",
        status=Report.Status.DISMISSED,
        outcome="A moderator looked at what you reported.",
    )
    page = login(outsider).get(reverse("moderation:my_reports")).content.decode()
    assert "A moderator looked at what you reported." in page
    assert help_request.title in page
