"""Crisis help: the page staff keep, and the gentle panel before a request that
suggests someone may be in danger is posted."""

import importlib

import pytest
from django.test import Client
from django.urls import reverse

from board.crisis import regions, resources_for
from board.models import CrisisResource
from moderation.crisis import find_crisis_phrases
from moderation.models import CrisisPhrase
from moderation.services import make_moderator
from requests.models import HelpRequest
from tests.factories import CategoryFactory, HelpRequestFactory

pytestmark = pytest.mark.django_db

SEEDED_PHRASES = importlib.import_module("board.migrations.0004_seed_crisis_help").PHRASES

ORDINARY = [
    "the mortgage is killing me",
    "I'm dying to see the new film",
    "This commute is killing me, honestly",
    "I could kill for a coffee right now",
    "My phone battery died and I want to end this contract",
]


# --- Matching ----------------------------------------------------------------------------


@pytest.mark.parametrize("phrase", SEEDED_PHRASES)
def test_every_seeded_phrase_is_found(phrase):
    text = f"Lately everything is hard. {phrase.upper()}. I don't know what to do."

    assert phrase in find_crisis_phrases(text)


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_words_are_not(text):
    assert find_crisis_phrases(text) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("I feel suicidal tonight", ["suicidal"]),
        ("Some days I just want  to\ndie", ["want to die"]),
        ("I can\u2019t go on like this", ["can't go on"]),
        ("I've been SELF-HARMING again", []),  # whole words: "self-harm" is not "self-harming"
        ("thoughts of self-harm", ["self-harm"]),
    ],
)
def test_it_matches_whole_phrases_in_any_case_and_spacing(text, found):
    assert find_crisis_phrases(text) == found


def test_the_phrase_list_is_configurable():
    text = "I am standing on the bridge"
    assert find_crisis_phrases(text) == []

    phrase = CrisisPhrase.objects.create(phrase="on the bridge")
    assert find_crisis_phrases(text) == ["on the bridge"]

    phrase.is_active = False
    phrase.save()
    assert find_crisis_phrases(text) == []

    phrase.is_active = True
    phrase.save()
    phrase.delete()
    assert find_crisis_phrases(text) == []


def test_a_seeded_phrase_can_be_removed():
    CrisisPhrase.objects.get(phrase="suicidal").delete()

    assert find_crisis_phrases("I feel suicidal") == []


# --- The panel, when posting -------------------------------------------------------------


def _form(**changes) -> dict:
    data = {
        "title": "Everything feels too much",
        "body": "I feel suicidal and I don't know who to talk to about it.",
        "category": CategoryFactory().pk,
        "response_kind": "listen",
        "is_anonymous": "on",
    }
    return {**data, **changes}


@pytest.fixture
def asker_client(asker):
    client = Client()
    client.force_login(asker)
    return client


def test_it_shows_the_panel_first_keeping_what_was_typed(asker_client):
    data = _form()

    response = asker_client.post(reverse("requests:create"), data)

    page = response.content.decode()
    assert response.status_code == 200
    assert not HelpRequest.objects.exists()
    assert 'id="crisis-panel" role="alert" tabindex="-1"' in page
    assert "Before you post: are you safe right now?" in page
    assert "Find A Helpline" in page  # the seeded resources
    assert "call your local emergency number now" in page
    assert 'name="crisis_seen" value="1"' in page
    assert 'value="Everything feels too much"' in page
    assert "I feel suicidal and I don&#x27;t know who to talk to about it." in page
    assert 'name="is_anonymous" checked' in page or "checked" in page
    assert "Post my request" in page


def test_they_can_still_post_and_moderators_are_told(asker_client, asker):
    response = asker_client.post(reverse("requests:create"), _form(crisis_seen="1"))

    help_request = HelpRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == help_request.get_absolute_url()
    assert help_request.needs_attention
    assert help_request.author == asker
    assert help_request.is_anonymous


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_requests_are_posted_at_once(asker_client, text):
    response = asker_client.post(reverse("requests:create"), _form(body=f"{text}, and more."))

    assert response.status_code == 302
    assert not HelpRequest.objects.get().needs_attention


def test_a_phrase_in_the_title_counts_too(asker_client):
    data = _form(title="I want to die", body="That is all I can write today, sorry.")

    response = asker_client.post(reverse("requests:create"), data)

    assert "crisis-panel" in response.content.decode()


def test_the_panel_is_shown_when_editing_too(asker_client, asker):
    help_request = HelpRequestFactory(author=asker)
    url = reverse("requests:edit", args=[help_request.public_id])
    data = _form(body="Things got worse. I keep thinking I'd be better off dead.")

    response = asker_client.post(url, data)

    page = response.content.decode()
    assert "crisis-panel" in page
    assert "better off dead" in page
    help_request.refresh_from_db()
    assert "better off dead" not in help_request.body
    assert not help_request.needs_attention

    response = asker_client.post(url, {**data, "crisis_seen": "1"})

    assert response.status_code == 302
    help_request.refresh_from_db()
    assert "better off dead" in help_request.body
    assert help_request.needs_attention


def test_an_invalid_form_keeps_the_panel_confirmation(asker_client):
    response = asker_client.post(reverse("requests:create"), _form(crisis_seen="1", title=""))

    page = response.content.decode()
    assert "form-errors" in page
    assert 'name="crisis_seen" value="1"' in page


# --- The page ---------------------------------------------------------------------------


@pytest.fixture
def resources(db):
    CrisisResource.objects.all().delete()
    return {
        "everywhere": CrisisResource.objects.create(name="Everywhere line", order=0),
        "uk": CrisisResource.objects.create(
            name="Samaritans", phone="116 123", region="UK", language="en", order=1
        ),
        "germany": CrisisResource.objects.create(
            name="Telefonseelsorge", phone="0800 111 0 111", region="Germany", order=2
        ),
        "german": CrisisResource.objects.create(name="Nur auf Deutsch", language="de"),
        "hidden": CrisisResource.objects.create(name="Retired line", is_active=False),
    }


def test_the_page_lists_every_active_resource_in_the_visitors_language(client, resources):
    response = client.get(reverse("crisis"))

    page = response.content.decode()
    assert "If you or someone else is in immediate danger" in page
    assert page.index("Everywhere line") < page.index("Samaritans") < page.index("Telefonseelsorge")
    assert 'href="tel:116123"' in page
    assert "Nur auf Deutsch" not in page
    assert "Retired line" not in page
    assert '<option value="Germany">' in page
    assert '<option value="UK">' in page


def test_a_region_narrows_the_list_but_keeps_what_is_for_everyone(client, resources):
    page = client.get(reverse("crisis"), {"region": "UK"}).content.decode()

    assert "Everywhere line" in page
    assert "Samaritans" in page
    assert "Telefonseelsorge" not in page
    assert '<option value="UK" selected>' in page


def test_an_unknown_region_shows_everything(client, resources):
    page = client.get(reverse("crisis"), {"region": "<script>"}).content.decode()

    assert "Samaritans" in page
    assert "Telefonseelsorge" in page


def test_the_resources_follow_the_language(resources):
    assert [r.name for r in resources_for("de")] == [
        "Everywhere line",
        "Nur auf Deutsch",
        "Telefonseelsorge",
    ]
    assert "Samaritans" in [r.name for r in resources_for("en-gb")]
    assert regions("en") == ["Germany", "UK"]


def test_staff_keep_the_lists_in_the_admin(moderator, resources):
    make_moderator(user=moderator)
    client = Client()
    client.force_login(moderator)

    for model in ("board_crisisresource", "moderation_crisisphrase"):
        assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:{model}_add")).status_code == 200
