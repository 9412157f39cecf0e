""" "I've been there too": one button, no text; only the asker sees how many, nobody sees who."""

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from notifications.services import set_preferences
from requests.models import HelpRequest
from stories.models import BeenThere
from tests.factories import HelpRequestFactory, OfferFactory, UserFactory
from tests.support.personas import login

COUNT_3 = "3 people said they've been there too."
BUTTON = "I've been there too"


def url(help_request) -> str:
    return reverse("stories:been_there", args=[help_request.public_id])


def test_a_member_says_it_and_the_asker_sees_only_a_count(asker, help_request):
    people = [UserFactory() for _ in range(3)]
    for person in people:
        web = login(person)
        assert BUTTON in web.get(help_request.get_absolute_url()).content.decode()
        assert web.post(url(help_request)).status_code == 302
    assert BeenThere.objects.count() == 3
    page = login(asker).get(help_request.get_absolute_url()).content.decode()
    assert COUNT_3 in page
    for person in people:
        assert person.display_name not in page


@pytest.mark.parametrize("who", ["outsider", "helper", "visitor"])
def test_nobody_but_the_asker_sees_the_count(client, helper, outsider, help_request, who):
    for _ in range(3):
        login(UserFactory()).post(url(help_request))
    if who == "helper":
        OfferFactory(request=help_request, helper=helper)
    person = {"outsider": outsider, "helper": helper, "visitor": None}[who]
    web = login(person) if person else client
    page = web.get(help_request.get_absolute_url()).content.decode()
    assert "been there too." not in page
    assert "3 people" not in page
    api = web.get(reverse("api:request", args=[help_request.public_id])).content.decode()
    assert "been_there" not in api


def test_a_person_can_take_it_back(asker, outsider, help_request):
    web = login(outsider)
    web.post(url(help_request))
    assert "Take it back" in web.get(help_request.get_absolute_url()).content.decode()
    web.post(url(help_request), {"take_back": "1"})
    assert not BeenThere.objects.exists()
    assert (
        "been there too." not in login(asker).get(help_request.get_absolute_url()).content.decode()
    )


def test_saying_it_twice_counts_once(outsider, help_request):
    web = login(outsider)
    web.post(url(help_request))
    web.post(url(help_request))
    assert BeenThere.objects.count() == 1


def test_not_on_ones_own_or_a_finished_or_hidden_request(asker, outsider, help_request):
    login(asker).post(url(help_request))
    assert not BeenThere.objects.exists()
    for status in (HelpRequest.Status.RESOLVED, HelpRequest.Status.CLOSED):
        finished = HelpRequestFactory(status=status)
        login(outsider).post(url(finished))
        assert BUTTON not in login(outsider).get(finished.get_absolute_url()).content.decode()
    hidden = HelpRequestFactory(is_hidden=True)
    assert login(outsider).post(url(hidden)).status_code == 404
    assert not BeenThere.objects.exists()


def test_a_visitor_is_asked_to_sign_in(client, help_request):
    response = client.post(url(help_request))
    assert reverse("account_login") in response["Location"]
    assert BUTTON not in client.get(help_request.get_absolute_url()).content.decode()
    assert not BeenThere.objects.exists()


def test_a_suspended_person_cannot(outsider, help_request):
    outsider.suspended_at = timezone.now()
    outsider.save()
    login(outsider).post(url(help_request))
    assert not BeenThere.objects.exists()


def test_the_asker_is_not_told_unless_they_opted_in(asker, help_request, mailoutbox):
    login(UserFactory()).post(url(help_request))
    assert not Notification.objects.filter(kind="been_there").exists()
    assert mailoutbox == []


def test_an_opted_in_asker_is_told_at_most_once_a_day(
    asker, help_request, mailoutbox, django_capture_on_commit_callbacks
):
    set_preferences(user=asker, choices={"been_there": "immediate"})
    other = HelpRequestFactory(author=asker)
    with django_capture_on_commit_callbacks(execute=True):
        for person in [UserFactory() for _ in range(3)]:
            login(person).post(url(help_request))
            login(person).post(url(other))
    assert Notification.objects.filter(kind="been_there", recipient=asker).count() == 1
    [email] = mailoutbox
    assert email.subject == "Someone said they've been there too"
    assert help_request.title not in email.body


def test_the_request_page_budget_for_a_signed_in_reader(
    outsider, help_request, django_assert_num_queries
):
    web = login(outsider)
    web.post(url(help_request))
    # 1. session  2. user  3. the request  4. their live offer on it (none)
    # 5. whether they said "been there too"  6. unread
    with django_assert_num_queries(6):
        assert web.get(help_request.get_absolute_url()).status_code == 200
