"""Stories of asking: shared after resolving, moderated, read by anyone, withdrawn at will."""

import pytest
from django.urls import reverse

from moderation.models import CrisisPhrase
from notifications.models import Notification
from requests import services as request_services
from stories import services
from stories.models import Story
from tests.factories import HelpRequestFactory, UserFactory
from tests.support.personas import login, resolved

HARD = "I was afraid people would think I was weak, so I waited for weeks."
HAPPENED = "Someone kind answered within the hour and simply listened."
ADVICE = "Ask. The worst that happens is a quiet day, and the best is a friend."
TEXTS = {"hard_to_ask": HARD, "when_i_did": HAPPENED, "to_someone_hesitating": ADVICE}


def new_url(help_request) -> str:
    return reverse("stories:new", args=[help_request.public_id])


def share(asker, helper, **kwargs) -> Story:
    help_request, _offer = resolved(asker, helper)
    return services.create_story(author=asker, help_request=help_request, texts=TEXTS, **kwargs)


def published(asker, helper, mod, **kwargs) -> Story:
    story = share(asker, helper, **kwargs)
    return services.publish_story(moderator=mod, story=story)


# --- Sharing ------------------------------------------------------------------------------


def test_the_asker_shares_a_story_after_resolving(asker, helper):
    help_request, _offer = resolved(asker, helper)
    web = login(asker)
    assert web.get(new_url(help_request)).status_code == 200
    response = web.post(new_url(help_request), {**TEXTS, "category": help_request.category_id})
    assert response.status_code == 302
    story = Story.objects.get()
    assert (story.author, story.status, story.hard_to_ask) == (asker, "pending", HARD)
    # Anonymous by default, with an alias of its own.
    assert story.show_name is False
    assert story.public_author_name == story.alias
    assert HARD in web.get(reverse("stories:mine")).content.decode()


def test_a_story_needs_a_resolved_request_of_ones_own(asker, helper, outsider):
    help_request = HelpRequestFactory(author=asker)
    response = login(asker).post(new_url(help_request), TEXTS)
    assert response.status_code == 302 and not Story.objects.exists()
    help_request, _offer = resolved(asker, helper)
    # Someone else's request is not found at all.
    assert login(outsider).post(new_url(help_request), TEXTS).status_code == 404
    assert login(helper).get(new_url(help_request)).status_code == 404
    assert not Story.objects.exists()


def test_one_story_per_request(asker, helper):
    story = share(asker, helper)
    response = login(asker).post(new_url(story.source_request), TEXTS)
    assert response.status_code == 302
    assert Story.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Please answer at least one of the questions."),
        ({"hard_to_ask": "   "}, "Please answer at least one of the questions."),
        ({"hard_to_ask": "x" * 2001}, "Please keep this to 2000 characters or fewer"),
    ],
)
def test_bad_stories_come_back_with_a_clear_error(asker, helper, data, error):
    help_request, _offer = resolved(asker, helper)
    response = login(asker).post(new_url(help_request), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Story.objects.exists()


def test_the_crisis_check_applies_to_stories(asker, helper):
    CrisisPhrase.objects.get_or_create(phrase="end my life")
    help_request, _offer = resolved(asker, helper)
    texts = {**TEXTS, "hard_to_ask": "Some days I still want to end my life."}
    web = login(asker)
    response = web.post(new_url(help_request), texts)
    assert response.status_code == 200
    assert "are you safe right now?" in response.content.decode()
    assert "Some days I still want to end my life." in response.content.decode()
    assert not Story.objects.exists()
    web.post(new_url(help_request), {**texts, "crisis_seen": "1"})
    assert Story.objects.get().needs_attention is True


# --- Moderation -----------------------------------------------------------------------------


def test_nobody_sees_a_story_before_a_moderator_publishes_it(client, asker, helper, outsider):
    story = share(asker, helper)
    for web in (client, login(outsider), login(helper)):
        assert HARD not in web.get(reverse("stories:list")).content.decode()
        assert web.get(story.get_absolute_url()).status_code == 404


def test_the_moderator_publishes_from_the_queue(
    client, asker, helper, mod, mod_client, mailoutbox, django_capture_on_commit_callbacks
):
    story = share(asker, helper)
    queue = mod_client.get(reverse("moderation:queue")).content.decode()
    assert HARD in queue
    # The queue never names the author or the request.
    assert asker.display_name not in queue and story.source_request.title not in queue
    with django_capture_on_commit_callbacks(execute=True):
        mod_client.post(reverse("stories:moderate", args=[story.public_id]), {"action": "publish"})
    story.refresh_from_db()
    assert story.status == "published"
    page = client.get(reverse("stories:list")).content.decode()
    assert HARD in page and story.alias in page
    assert client.get(story.get_absolute_url()).status_code == 200
    [email] = [m for m in mailoutbox if m.to == [asker.email]]
    assert email.subject == "An update on a story you shared"
    assert HARD not in email.body


@pytest.mark.parametrize("who", ["asker", "helper", "outsider"])
def test_only_moderators_moderate(asker, helper, outsider, who):
    story = share(asker, helper)
    person = {"asker": asker, "helper": helper, "outsider": outsider}[who]
    response = login(person).post(
        reverse("stories:moderate", args=[story.public_id]), {"action": "publish"}
    )
    assert response.status_code == 404
    story.refresh_from_db()
    assert story.status == "pending"


def test_a_visitor_is_asked_to_sign_in_to_moderate(client, asker, helper):
    story = share(asker, helper)
    response = client.post(
        reverse("stories:moderate", args=[story.public_id]), {"action": "publish"}
    )
    assert reverse("account_login") in response["Location"]


def test_decline_with_a_kind_note(client, asker, helper, mod_client):
    story = share(asker, helper)
    url = reverse("stories:moderate", args=[story.public_id])
    mod_client.post(url, {"action": "decline", "note": ""})
    story.refresh_from_db()
    assert story.status == "pending"  # a note is needed
    mod_client.post(
        url, {"action": "decline", "note": "Thank you for writing this. It names a place."}
    )
    story.refresh_from_db()
    assert story.status == "declined"
    mine = login(asker).get(reverse("stories:mine")).content.decode()
    assert "It names a place." in mine
    assert HARD not in client.get(reverse("stories:list")).content.decode()


def test_edit_for_privacy_is_published_only_if_the_author_agrees(client, asker, helper, mod_client):
    story = share(asker, helper)
    edited = "Someone kind answered and simply listened."
    mod_client.post(
        reverse("stories:moderate", args=[story.public_id]),
        {"action": "propose", **TEXTS, "when_i_did": edited, "note": "We removed a detail."},
    )
    story.refresh_from_db()
    assert story.status == "edit_proposed"
    assert HAPPENED not in client.get(reverse("stories:list")).content.decode()
    mine = login(asker).get(reverse("stories:mine")).content.decode()
    assert edited in mine and "We removed a detail." in mine
    assert Notification.objects.filter(
        recipient=asker, kind="story_update", payload__variant="edit_proposed"
    ).exists()
    login(asker).post(reverse("stories:answer_edit", args=[story.public_id]), {"agree": "yes"})
    page = client.get(reverse("stories:list")).content.decode()
    assert edited in page and HAPPENED not in page


def test_the_author_can_refuse_a_suggested_edit(client, asker, helper, mod_client):
    story = share(asker, helper)
    mod_client.post(
        reverse("stories:moderate", args=[story.public_id]),
        {"action": "propose", **TEXTS, "when_i_did": "Shorter.", "note": "A detail."},
    )
    login(asker).post(reverse("stories:answer_edit", args=[story.public_id]), {"agree": "no"})
    story.refresh_from_db()
    assert story.status == "declined" and story.when_i_did == HAPPENED
    assert "Shorter." not in client.get(reverse("stories:list")).content.decode()


# --- Withdrawal and edits -------------------------------------------------------------------


def test_withdrawing_removes_it_everywhere_at_once_cache_included(client, asker, helper, mod):
    story = published(asker, helper, mod)
    # Read (and so cache) every page that shows it.
    assert HARD in client.get(reverse("stories:list")).content.decode()
    creator = login(UserFactory())
    assert ADVICE in creator.get(reverse("requests:create")).content.decode()
    login(asker).post(reverse("stories:withdraw", args=[story.public_id]))
    assert not Story.objects.exists()
    assert HARD not in client.get(reverse("stories:list")).content.decode()
    assert ADVICE not in creator.get(reverse("requests:create")).content.decode()
    assert client.get(story.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("who", ["helper", "outsider", "visitor"])
def test_only_the_author_can_withdraw_or_edit(client, asker, helper, outsider, mod, who):
    story = published(asker, helper, mod)
    person = {"helper": helper, "outsider": outsider, "visitor": None}[who]
    web = login(person) if person else client
    response = web.post(reverse("stories:withdraw", args=[story.public_id]))
    assert response.status_code in (302, 404)
    edit = web.post(reverse("stories:edit", args=[story.public_id]), {"hard_to_ask": "Hacked"})
    assert edit.status_code in (302, 404)
    story.refresh_from_db()
    assert story.hard_to_ask == HARD and story.status == "published"


def test_edited_words_wait_for_a_moderator_again(client, asker, helper, mod):
    story = published(asker, helper, mod)
    client.get(reverse("stories:list"))  # cached
    login(asker).post(
        reverse("stories:edit", args=[story.public_id]),
        {**TEXTS, "hard_to_ask": "I changed my mind about the wording."},
    )
    story.refresh_from_db()
    assert story.status == "pending"
    page = client.get(reverse("stories:list")).content.decode()
    assert HARD not in page and "I changed my mind" not in page


def test_showing_the_name_is_the_authors_choice(client, asker, helper, mod):
    story = published(asker, helper, mod)
    assert asker.display_name not in client.get(reverse("stories:list")).content.decode()
    login(asker).post(reverse("stories:edit", args=[story.public_id]), {**TEXTS, "show_name": "on"})
    story.refresh_from_db()
    assert story.status == "published"
    assert asker.display_name in client.get(reverse("stories:list")).content.decode()


# --- Anonymity --------------------------------------------------------------------------------


def test_a_story_never_reveals_its_request_author_or_helper(client, asker, helper, mod):
    story = published(asker, helper, mod)
    help_request = story.source_request
    help_request.is_anonymous = True
    help_request.save()
    for url in (reverse("stories:list"), story.get_absolute_url(), reverse("requests:create")):
        page = client.get(url).content.decode()
        for secret in (
            help_request.public_id,
            help_request.title,
            help_request.alias if help_request.alias != story.alias else "\0",
            asker.display_name,
            asker.email,
            helper.display_name,
            helper.email,
        ):
            assert secret not in page, (url, secret)


def test_the_storys_alias_is_drawn_afresh(asker, helper, monkeypatch):
    """Not copied from the request: a draw of its own (here a predictable one, each
    draw taking the next word, so two draws differ)."""
    calls = iter(range(1000))
    monkeypatch.setattr("requests.models.secrets.choice", lambda seq: seq[next(calls) % len(seq)])
    help_request, _offer = resolved(asker, helper, is_anonymous=True)
    story = services.create_story(author=asker, help_request=help_request, texts=TEXTS)
    assert story.alias.startswith("Anonymous")
    assert story.alias != help_request.alias


def test_the_helper_is_named_only_with_their_consent(
    client, asker, helper, mod, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        story = published(asker, helper, mod, name_helper=True)
    assert story.helper_naming == "asked"
    assert helper.display_name not in client.get(story.get_absolute_url()).content.decode()
    # The question reaches the helper through the board, discreetly.
    [email] = [m for m in mailoutbox if m.subject == "A question for you on the board"]
    assert email.to == [helper.email]
    assert HARD not in email.body and asker.display_name not in email.body
    naming = reverse("stories:naming", args=[story.public_id])
    # Only the helper can answer.
    assert login(UserFactory()).post(naming, {"consent": "yes"}).status_code == 404
    assert login(asker).post(naming, {"consent": "yes"}).status_code == 404
    web = login(helper)
    assert HARD in web.get(naming).content.decode()
    web.post(naming, {"consent": "yes"})
    assert helper.display_name in client.get(story.get_absolute_url()).content.decode()
    assert helper.display_name in client.get(reverse("stories:list")).content.decode()
    # They may change their mind: the name goes, cache included.
    web.post(naming, {"consent": "no"})
    assert helper.display_name not in client.get(reverse("stories:list")).content.decode()


def test_a_helper_who_refuses_is_never_named(client, asker, helper, mod):
    story = published(asker, helper, mod, name_helper=True)
    login(helper).post(reverse("stories:naming", args=[story.public_id]), {"consent": "no"})
    assert helper.display_name not in client.get(story.get_absolute_url()).content.decode()


def test_markup_in_a_story_is_shown_as_text(client, asker, helper, mod):
    help_request, _offer = resolved(asker, helper)
    story = services.create_story(
        author=asker,
        help_request=help_request,
        texts={"hard_to_ask": "<img src=x onerror=alert(1)> **bold**"},
    )
    services.publish_story(moderator=mod, story=story)
    page = client.get(reverse("stories:list")).content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


# --- Where stories are read --------------------------------------------------------------------


def test_the_stories_page_is_newest_first_with_categories(client, asker, helper, mod):
    first = published(asker, helper, mod)
    other_asker = UserFactory()
    help_request, _offer = resolved(other_asker, UserFactory())
    second = services.create_story(
        author=other_asker,
        help_request=help_request,
        texts={"hard_to_ask": "The second story, newer."},
        category=help_request.category,
    )
    services.publish_story(moderator=mod, story=second)
    page = client.get(reverse("stories:list")).content.decode()
    assert page.index("The second story, newer.") < page.index(HARD)
    filtered = client.get(reverse("stories:list"), {"category": help_request.category.slug})
    assert "The second story, newer." in filtered.content.decode()
    assert HARD not in filtered.content.decode()
    assert first.public_id not in filtered.content.decode()


def test_the_ask_form_and_the_posted_page_show_one_story(client, asker, helper, mod, outsider):
    published(asker, helper, mod)
    web = login(outsider)
    form = web.get(reverse("requests:create")).content.decode()
    assert "How others asked" in form and ADVICE in form
    posted = request_services.create_request(
        author=outsider,
        title="Could someone help me?",
        body="I have been finding this hard lately and would be grateful.",
        category=HelpRequestFactory().category,
        response_kind="listen",
        is_anonymous=True,
    )
    assert ADVICE in web.get(posted.get_absolute_url()).content.decode()


def test_the_stories_page_reads_a_fixed_number_of_queries(client, mod, django_assert_num_queries):
    def fill(n):
        for _ in range(n):
            story = share(UserFactory(), UserFactory(), name_helper=True)
            services.publish_story(moderator=mod, story=story)

    fill(2)
    # 1. the categories that have stories  2. count  3. the page, authors, helpers and
    # categories joined (then cached: a second visit reads nothing)
    with django_assert_num_queries(3):
        assert client.get(reverse("stories:list")).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(reverse("stories:list")).status_code == 200
    fill(25)
    with django_assert_num_queries(3):
        assert client.get(reverse("stories:list")).status_code == 200


def test_the_queue_section_reads_one_query_however_many_stories(
    mod_client, mod, django_assert_num_queries
):
    def fill(n):
        for _ in range(n):
            share(UserFactory(), UserFactory(), name_helper=True)

    fill(2)
    mod_client.get(reverse("moderation:queue"))
    with django_assert_num_queries(9):
        assert mod_client.get(reverse("moderation:queue")).status_code == 200
    fill(20)
    with django_assert_num_queries(9):
        response = mod_client.get(reverse("moderation:queue"))
    assert response.content.decode().count('name="action" value="publish"') == 22


def test_a_visitor_who_chose_to_ask_sees_one_story_on_the_sign_in_page(client, asker, helper, mod):
    published(asker, helper, mod)
    response = client.get(reverse("requests:create"), follow=True)
    page = response.content.decode()
    assert "How others asked" in page and ADVICE in page
    # Not on every sign-in page.
    assert ADVICE not in client.get(reverse("account_login")).content.decode()


def test_my_stories_and_a_story_page_keep_fixed_budgets(
    client, asker, mod, django_assert_num_queries
):
    def fill(n):
        for _ in range(n):
            story = share(asker, UserFactory(), name_helper=True)
            services.publish_story(moderator=mod, story=story)

    fill(2)
    web = login(asker)
    # 1. session  2. user  3. my stories, with category and helper joined  4. unread
    with django_assert_num_queries(4):
        assert web.get(reverse("stories:mine")).status_code == 200
    fill(20)
    with django_assert_num_queries(4):
        assert web.get(reverse("stories:mine")).status_code == 200
    # A story's page: 1. the story, with author, helper and category joined
    story = Story.objects.first()
    with django_assert_num_queries(1):
        assert client.get(story.get_absolute_url()).status_code == 200


def test_a_moderator_can_take_a_published_story_down(client, asker, helper, mod, mod_client):
    story = published(asker, helper, mod)
    page = mod_client.get(story.get_absolute_url()).content.decode()
    assert "Take it down with this note" in page
    assert "Take it down" not in client.get(story.get_absolute_url()).content.decode()
    assert "Take it down" not in login(helper).get(story.get_absolute_url()).content.decode()
    client.get(reverse("stories:list"))  # cached
    mod_client.post(
        reverse("stories:moderate", args=[story.public_id]),
        {"action": "decline", "note": "It names a workplace; please write it without."},
    )
    story.refresh_from_db()
    assert story.status == "declined"
    assert HARD not in client.get(reverse("stories:list")).content.decode()
    assert "It names a workplace" in login(asker).get(reverse("stories:mine")).content.decode()


def test_every_decision_on_a_story_is_in_the_moderation_log(client, asker, helper, mod, mod_client):
    from moderation.models import ModerationAction

    first = share(asker, helper)
    url = reverse("stories:moderate", args=[first.public_id])
    mod_client.post(
        url, {"action": "propose", **TEXTS, "when_i_did": "Shorter.", "note": "A detail."}
    )
    login(asker).post(reverse("stories:answer_edit", args=[first.public_id]), {"agree": "no"})

    second = share(asker, helper)
    other_request = second.source_request
    second_url = reverse("stories:moderate", args=[second.public_id])
    mod_client.post(second_url, {"action": "publish"})
    mod_client.post(second_url, {"action": "decline", "note": "It names a workplace."})

    logged = list(
        ModerationAction.objects.order_by("created_at", "pk").values_list(
            "kind", "story_ref", "reason", "moderator"
        )
    )
    assert logged == [
        ("propose_story_edit", first.public_id, "A detail.", mod.pk),
        ("publish_story", second.public_id, "", mod.pk),
        ("take_down_story", second.public_id, "It names a workplace.", mod.pk),
    ]
    page = mod_client.get(reverse("moderation:log")).content.decode()
    assert "Suggested a change to a story" in page
    assert "Published a story" in page and "Took a published story down" in page
    assert reverse("stories:moderate", args=[second.public_id]) in page
    # The log names the story, never who wrote it or the request it came from.
    assert asker.display_name not in page and other_request.title not in page
