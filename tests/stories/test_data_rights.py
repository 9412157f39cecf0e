"""Data export and account deletion include notes, stories and "been there too"."""

import json

import pytest
from django.urls import reverse

from accounts.services import delete_account
from requests.models import ThankYou
from requests.thanks import send_thank_you
from stories import services
from stories.models import BeenThere, Story
from tests.factories import HelpRequestFactory
from tests.support.personas import login, resolved

NOTE = "Thank you for the walk and the talk."
STORY = "I nearly didn't post it; I'm so glad I did."


@pytest.fixture
def shared(asker, helper, outsider, mod):
    help_request, offer = resolved(asker, helper)
    send_thank_you(offer=offer, by=asker, body=NOTE)
    story = services.create_story(
        author=asker, help_request=help_request, texts={"hard_to_ask": STORY}, name_helper=True
    )
    services.answer_naming(story=story, by=helper, consent=True)
    services.publish_story(moderator=mod, story=story)
    other = HelpRequestFactory(author=outsider)
    services.say_been_there(user=asker, help_request=other)
    return {"story": story, "offer": offer, "other": other}


def test_the_export_holds_notes_stories_and_been_there(shared, asker, helper):
    response = login(asker).get(reverse("accounts:export"))
    data = json.loads(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    assert data["thank_you_notes_sent"][0]["note"] == NOTE
    assert data["stories"][0]["hard_to_ask"] == STORY
    assert data["stories"][0]["status"] == "published"
    assert data["been_there_too"] == [
        {"request": shared["other"].public_id, "said_at": data["been_there_too"][0]["said_at"]}
    ]
    helper_data = json.loads(login(helper).get(reverse("accounts:export")).content)
    assert helper_data["thank_you_notes_received"][0]["note"] == NOTE
    # The helper's export holds no one's story, and never the asker's name or address.
    assert STORY not in json.dumps(helper_data)
    assert asker.email not in json.dumps(helper_data)
    assert asker.display_name not in json.dumps(helper_data)


@pytest.mark.parametrize("keep_requests", [True, False])
def test_deleting_the_asker_removes_their_notes_story_and_been_there(
    client, shared, asker, keep_requests
):
    client.get(reverse("stories:list"))  # cached with the story
    delete_account(asker, keep_requests=keep_requests)
    assert not ThankYou.objects.exists()
    assert not Story.objects.exists()
    assert not BeenThere.objects.exists()
    assert STORY not in client.get(reverse("stories:list")).content.decode()


def test_deleting_the_helper_unnames_them_and_removes_their_thanks(client, shared, helper, asker):
    assert helper.display_name in client.get(reverse("stories:list")).content.decode()
    delete_account(helper, keep_requests=False)
    story = Story.objects.get()
    assert story.helper is None and story.helper_naming == ""
    assert helper.display_name not in client.get(reverse("stories:list")).content.decode()
    assert not ThankYou.objects.exists()


def test_demo_data_has_published_stories_and_notes(db, client):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("seed_demo", "--requests", "60", "--seed", "7", stdout=out)
    assert Story.objects.filter(status="published").count() >= 3
    assert ThankYou.objects.count() >= 3
    assert "published stories" in out.getvalue()
    page = client.get(reverse("stories:list")).content.decode()
    assert Story.objects.first().hard_to_ask in page
