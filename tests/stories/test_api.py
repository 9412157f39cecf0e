"""The API of stories, thank-you notes, "been there too" and the figures."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from requests.models import ThankYou
from stories import figures, services
from stories.models import BeenThere, Story
from tests.factories import HelpRequestFactory, UserFactory
from tests.support.personas import accepted, busy_month, resolved

TEXTS = {"hard_to_ask": "I worried I'd be a burden.", "to_someone_hesitating": "Ask anyway."}


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_a_story_through_the_api_from_sharing_to_withdrawal(asker, helper, mod):
    help_request, _offer = resolved(asker, helper)
    response = api(asker).post(
        reverse("api:stories"), {"request": help_request.public_id, **TEXTS}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and "request" not in body
    story_url = reverse("api:story", args=[body["id"]])
    # Unpublished: nobody reads it, the author lists it among theirs.
    assert api().get(story_url).status_code == 404
    assert [s["id"] for s in api(asker).get(reverse("api:my_stories")).json()["results"]] == [
        body["id"]
    ]
    services.publish_story(moderator=mod, story=Story.objects.get())
    read = api().get(story_url).json()
    assert read["hard_to_ask"] == TEXTS["hard_to_ask"]
    assert read["author_name"].startswith("Anonymous") and read["helper_name"] == ""
    listed = api().get(reverse("api:stories")).json()["results"]
    assert [s["id"] for s in listed] == [body["id"]]
    assert help_request.public_id not in str(listed) and asker.display_name not in str(listed)
    # Only the author changes or withdraws it.
    for other in (helper, UserFactory()):
        assert api(other).patch(story_url, {"hard_to_ask": "x"}, format="json").status_code == 404
        assert api(other).delete(story_url).status_code == 404
    changed = api(asker).patch(story_url, {"show_name": True}, format="json")
    assert changed.status_code == 200 and changed.json()["status"] == "published"
    assert api().get(story_url).json()["author_name"] == asker.display_name
    reworded = api(asker).patch(story_url, {"when_i_did": "They listened."}, format="json")
    assert reworded.json()["status"] == "pending"
    assert api().get(reverse("api:stories")).json()["results"] == []
    assert api(asker).delete(story_url).status_code == 204
    assert not Story.objects.exists()


def test_bad_story_edits_get_field_errors(asker, helper):
    help_request, _offer = resolved(asker, helper)
    story = services.create_story(author=asker, help_request=help_request, texts=TEXTS)
    url = reverse("api:story", args=[story.public_id])
    empty = dict.fromkeys(Story.TEXT_FIELDS, "")
    response = api(asker).patch(url, empty, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "hard_to_ask"
    long = api(asker).patch(url, {"hard_to_ask": "x" * 2001}, format="json")
    assert long.status_code == 400 and long.json()["errors"][0]["attr"] == "hard_to_ask"
    # A body that is not an object (schemathesis sent `[null, null]`) is a 400, not a 500.
    story.refresh_from_db()
    before = story.texts()
    for body in ([None, None], "text", 3):
        not_an_object = api(asker).patch(url, body, format="json")
        assert not_an_object.status_code == 400
        assert not_an_object.json()["type"] == "validation_error"
    story.refresh_from_db()
    assert story.texts() == before


def test_thank_you_through_the_api(asker, helper, outsider):
    _request, offer = accepted(asker, helper)
    url = reverse("api:offer_thank_you", args=[offer.public_id])
    assert api(outsider).post(url, {"body": "Thanks"}, format="json").status_code == 404
    assert api(helper).post(url, {"body": "Thanks"}, format="json").status_code == 403
    response = api(asker).post(url, {"body": "Thank you!", "resolve": True}, format="json")
    assert response.status_code == 201
    offer.request.refresh_from_db()
    assert offer.request.status == "resolved"
    assert api(asker).post(url, {"body": "Again"}, format="json").status_code == 409
    mine = api(helper).get(reverse("api:my_thanks")).json()["results"]
    assert [note["body"] for note in mine] == ["Thank you!"]
    assert api(outsider).get(reverse("api:my_thanks")).json()["results"] == []
    assert ThankYou.objects.count() == 1


def test_been_there_through_the_api_shows_the_count_to_the_author_only(asker, outsider):
    help_request = HelpRequestFactory(author=asker, is_anonymous=True)
    url = reverse("api:request_been_there", args=[help_request.public_id])
    assert api().post(url).status_code == 401
    for person in (outsider, UserFactory()):
        assert api(person).post(url).json() == {"said": True, "count": None}
    assert api(asker).get(url).json() == {"said": False, "count": 2}
    assert api(asker).post(url).status_code == 409
    assert api(outsider).delete(url).status_code == 204
    assert api(asker).get(url).json()["count"] == 1
    assert BeenThere.objects.count() == 1
    # Never in the request itself.
    assert (
        "been_there"
        not in api(outsider)
        .get(reverse("api:request", args=[help_request.public_id]))
        .content.decode()
    )


@pytest.mark.parametrize(("people", "shown"), [(4, 0), (10, 4)])
def test_the_figures_endpoint_respects_the_threshold(db, people, shown):
    busy_month(people)
    figures.compute()
    assert len(api().get(reverse("api:figures")).json()["figures"]) == shown


def test_the_been_there_endpoint_keeps_a_fixed_budget(asker, django_assert_num_queries):
    help_request = HelpRequestFactory(author=asker)
    for _ in range(5):
        BeenThere.objects.create(help_request=help_request, user=UserFactory())
    client = api(asker)
    # 1. the request  2. whether I said it  3. the count
    with django_assert_num_queries(3):
        assert (
            client.get(reverse("api:request_been_there", args=[help_request.public_id])).status_code
            == 200
        )
