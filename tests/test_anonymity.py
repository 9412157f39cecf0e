"""The leak test: the anonymity contract of design.md, checked on everything others can see.

A person with a distinctive name and email asks for help anonymously three times.
Helpers offer, some are accepted or declined, both sides talk, one request is resolved,
and everyone is emailed along the way (helpers who follow new requests too, at once and
in a digest). Then each persona who is not the author (a visitor, another member, the
accepted helper, a helper whose offer was not taken up, someone with a named request,
a moderator in the admin) opens every page of the board, submits every form, follows
every redirect, hits the error pages and searches the board. None of the author's
strings may appear in any body or header, nor in any email to someone else, and
nobody sees another person's email address. The URL resolver is walked, so a new page
fails `test_it_visits_every_page_of_the_board` until it is listed in VISITS.

Nothing may link the anonymous requests to each other or to their author either: giving
each of them a different author must leave every page others see unchanged, byte for byte.
The author, meanwhile, must see the requests as their own, and the detector must catch
a planted leak, so that the test can fail.

The "linking" mode, tests/anonymity_extra/test_linking.py, goes further: one person's
anonymous requests must answer every probe (pages, API, offers, reports, messages,
a block, their account's deletion) exactly like other people's, for an outsider, a
blocked helper and a helper of another of their requests.

The story is told once per module (`shared_world`); each test runs in a savepoint
on top of it, so what a test changes rolls back before the next. Tests that only
read use `world`; tests that change the database use `own_world`, a copy of its
objects, so nothing they do reaches another test. The crawl itself (what each
persona sees, `site_pages`) and the story live in tests/support/anonymity.py.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Callable, Iterator
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.http import HttpResponse
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from accounts.models import User
from moderation.models import ModerationAction
from notifications.kinds import REGISTRY
from notifications.models import Notification
from requests.models import HelpRequest, Message
from stories.models import Story
from tests.factories import UserFactory
from tests.support.anonymity import (
    ANON_BODY_1,
    ANON_TITLE_1,
    AUTHOR_EMAIL,
    AUTHOR_NAME,
    AUTHOR_STRINGS,
    STORY_TEXTS,
    THANK_NOTE,
    VISITS,
    Page,
    World,
    admin_urls,
    author_lookups,
    author_searches,
    build_world,
    check_pages,
    email_text,
    fetch,
    leaks,
    others_emails,
    post_form,
    project_url_names,
    report,
    response_text,
    site_pages,
)
from tests.support.db import shared_transaction

# --- The world, told once -------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """The story, told once for the module, rolled back after its last test."""
    with shared_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            world = build_world()
        yield world


@pytest.fixture
def world(shared_world, db) -> World:
    """The module's world, for tests that only read it."""
    return shared_world


@pytest.fixture
def own_world(shared_world, db) -> World:
    """For tests that change the world: its objects copied, so that nothing the test
    changes in them reaches another test (its database changes roll back with it)."""
    return copy.deepcopy(shared_world)


@pytest.fixture(scope="module")
def crawl(shared_world) -> Callable[[str], list[Page]]:
    """What a persona sees of the unchanged world, crawled once for the module
    (`fetch` rolls back whatever a page changes, so a crawl changes nothing)."""
    crawled: dict[str, list[Page]] = {}

    def pages_for(persona: str) -> list[Page]:
        if persona not in crawled:
            crawled[persona] = site_pages(shared_world, persona)
        return list(crawled[persona])

    return pages_for


def crawled_once(persona: str):
    """A persona whose crawl two tests read: under pytest-xdist (`--dist loadgroup`, as
    `make test` runs) both go to the same worker, so the crawl is done once."""
    return pytest.param(persona, marks=pytest.mark.xdist_group(f"anonymity-crawl-{persona}"))


# --- The tests ------------------------------------------------------------------------


def test_the_detector_catches_a_leak():
    author = User(display_name=AUTHOR_NAME, email=AUTHOR_EMAIL)
    rendered = Template("<title>{{ user.display_name }} · Board</title>").render(
        Context({"user": author})
    )
    assert leaks(rendered) == [AUTHOR_NAME, "Zanzibar", "Quixotic"]
    assert "leak-test.example" in leaks(
        "<a href='/x/?next=ZANZIBAR.QUIXOTIC%40leak-test.example'>"
    ), "URL-encoded, upper-case text must be caught"
    assert leaks("<p>Zanzibar&#32;Quixotic</p>")[0] == AUTHOR_NAME, "HTML-escaped text too"
    assert leaks(ANON_TITLE_1 + ANON_BODY_1) == [], "the request's own words are no leak"

    response = HttpResponse("<p>Anonymous</p>", headers={"X-Posted-By": AUTHOR_EMAIL})
    assert AUTHOR_EMAIL in leaks(response_text(response)), "headers are searched"

    message = EmailMultiAlternatives(
        "Someone offered", "Hello", settings.DEFAULT_FROM_EMAIL, ["hugo@example.org"]
    )
    message.attach_alternative(f"<p>From {author.display_name}</p>", "text/html")
    assert leaks(email_text(message)) == [AUTHOR_NAME, "Zanzibar", "Quixotic"]
    message = EmailMultiAlternatives(
        "Hi", "Hello", to=["hugo@example.org"], reply_to=[AUTHOR_EMAIL]
    )
    assert AUTHOR_EMAIL in leaks(email_text(message)), "Reply-To is searched"


def test_it_visits_every_page_of_the_board():
    missing = project_url_names() - set(VISITS)
    assert not missing, (
        f"New pages {sorted(missing)}: add them to VISITS in tests/support/anonymity.py so that "
        "the leak test opens them."
    )
    assert not set(VISITS) - project_url_names(), "VISITS lists pages that no longer exist"


@pytest.mark.parametrize(
    "persona",
    [
        *[crawled_once(p) for p in ["visitor", "outsider", "helper", "second_helper"]],
        *["named_author", "moderator", "author"],
    ],
)
def test_nobody_sees_the_author_nor_anyone_elses_email(world, crawl, persona):
    """Every page, form, redirect and error page, as each persona: none shows the
    author (except to the author), and none shows another person's email address
    (the helper's address never reaches the asker's pages, nor the other way round)."""
    pages = crawl(persona)
    if persona == "moderator":
        for url in admin_urls(world):
            pages += fetch(world.client_for(persona), "get", url)
    assert len(pages) > 150

    secrets = list(others_emails(world, persona))
    if persona != "author":
        secrets += AUTHOR_STRINGS
    problems = check_pages(pages, secrets)
    assert not problems, report(problems)

    # Searching for the author finds nothing of theirs.
    if persona != "author":
        for page in author_searches(world, persona):
            found = [r.title for r in world.anon if r.title in page.text]
            assert not found, f"{page.url} finds {found} when searched for the author"


@pytest.mark.parametrize("persona", ["helper", "second_helper"])
def test_helpers_talk_with_anonymous(world, persona):
    """Not vacuous: the helpers do see the asker's messages, signed "Anonymous"."""
    offer = world.accepted_offer if persona == "helper" else world.pending_offer
    response = world.client_for(persona).get(offer.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your conversation with Anonymous" in page
    assert 'class="who">Anonymous' in page
    written_by_author = offer.messages.filter(sender=world.author)
    assert written_by_author
    for message in written_by_author:
        assert html.escape(message.body) in page
    assert not leaks(page)


def test_the_board_shows_the_anonymous_requests(world):
    """Not vacuous: the requests checked above are really on the board, as Anonymous."""
    for help_request in world.anon:
        response = Client().get(
            reverse("requests:board"), {"q": help_request.title, "status": "any"}
        )
        page = response.content.decode()
        assert help_request.title in page
        assert "by Anonymous" in page
        assert not leaks(response_text(response))


def test_the_author_sees_their_own_requests(world):
    client = world.client_for("author")

    for help_request in world.anon:
        page = client.get(help_request.get_absolute_url()).content.decode()
        assert "your request, shown to others as Anonymous" in page
    page = client.get(world.anon[0].get_absolute_url()).content.decode()
    assert reverse("requests:edit", args=[world.anon[0].public_id]) in page
    assert world.helper.display_name in page  # the offers, with their helpers' names

    page = client.get(reverse("requests:mine")).content.decode()
    for help_request in world.anon:
        assert help_request.title in page
    assert page.count("posted anonymously") == len(world.anon)

    page = client.get(world.accepted_offer.get_absolute_url()).content.decode()
    assert f"Your conversation with {world.helper.display_name}" in page
    assert 'class="who">You' in page

    # The author's own settings page shows their address: the detector sees it there.
    settings_page = response_text(client.get(reverse("accounts:settings")))
    assert set(leaks(settings_page)) >= {AUTHOR_NAME, AUTHOR_EMAIL}


@pytest.fixture
def revealed(own_world, mailoutbox, django_capture_on_commit_callbacks) -> World:
    """The author shows their name to the helper they accepted, then writes to them
    (the email about it is the only one in `mailoutbox`)."""
    world = own_world
    offer = world.accepted_offer
    conversation = offer.get_absolute_url()
    assert not leaks(response_text(world.client_for("helper").get(conversation)))

    author = world.client_for("author")
    post_form(author, reverse("requests:reveal_name", args=[offer.public_id]), {})
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_form(author, conversation, {"body": "Now you know my name. Hello properly!"})
    return world


def test_a_revealed_name_reaches_only_the_chosen_helper_and_only_in_that_conversation(
    revealed, mailoutbox
):
    """After the author shows their name to the helper they accepted, the helper sees
    it in that conversation (never the email address), and nowhere else, nor in the
    email about the author's next message."""
    world = revealed
    offer = world.accepted_offer
    conversation = offer.get_absolute_url()
    page = world.client_for("helper").get(conversation).content.decode()
    assert f"Your conversation with {AUTHOR_NAME} ({world.anon[0].alias} on the board)" in page

    shown = [page for page in site_pages(world, "helper") if leaks(page.text)]
    assert shown, "the helper sees the author's name after the reveal"
    # That conversation only: its page and the same conversation in the API.
    conversation_api = reverse("api:offer_messages", args=[offer.public_id])
    assert {urlsplit(page.url).path for page in shown} == {conversation, conversation_api}
    for page in shown:
        assert leaks(page.text, [AUTHOR_EMAIL, "zanzibar.quixotic", "leak-test.example"]) == []

    (email,) = [m for m in mailoutbox if m.to == [world.helper.email]]
    assert not leaks(email_text(email)), "the email about the message still says nothing"


@pytest.mark.parametrize("persona", ["second_helper", "outsider", "moderator"])
def test_a_revealed_name_reaches_nobody_else(revealed, persona):
    """After the reveal to the helper, nobody else sees the author's name anywhere
    (one test per persona, so that the crawls can run in parallel)."""
    problems = check_pages(site_pages(revealed, persona), AUTHOR_STRINGS)
    assert not problems, report(problems)


def test_the_story_sends_every_kind_of_notification(world):
    """So that the email checks below cover every kind there is."""
    sent = set(
        Notification.objects.filter(state=Notification.State.SENT).values_list("kind", flat=True)
    )
    assert sent >= set(REGISTRY) - {Notification.Kind.ACCOUNT}


def test_emails_to_others_carry_nothing_of_the_author(world):
    mailoutbox = world.emails  # sent while the story was told
    everyone = {user.email for user in world.people.values()}
    to_others = [m for m in mailoutbox if m.to != [AUTHOR_EMAIL]]
    # Not vacuous: helpers (accepted, declined, following new requests at once or in a
    # digest) and the named asker were emailed, and the author heard of offers and messages.
    people = [world.helper, world.second_helper, world.outsider, world.named_author]
    assert {m.to[0] for m in to_others} == {user.email for user in people}
    assert len([m for m in mailoutbox if m.to == [AUTHOR_EMAIL]]) >= 5  # offers, messages

    for message in mailoutbox:
        recipient = message.to[0]
        assert message.to == [recipient]
        assert message.cc == []
        assert message.bcc == []
        assert message.reply_to == []
        assert message.from_email == settings.DEFAULT_FROM_EMAIL
        text = email_text(message)
        others = sorted(everyone - {recipient})
        assert not leaks(text, others), f"email to {recipient} carries {leaks(text, others)}"
        if recipient != AUTHOR_EMAIL:
            assert not leaks(text), f"email to {recipient} carries {leaks(text)}:\n{text}"


def _normalised(text: str) -> str:
    # CSRF tokens are masked afresh on every render.
    return re.sub(r'(csrfmiddlewaretoken" value=")[^"]+', r"\1-", text)


def _snapshot(world: World, personas: list[str]) -> dict[tuple[str, str], tuple[int, str]]:
    snapshot = {}
    for persona in personas:
        client = world.client_for(persona)
        urls = [
            reverse(name)
            for name in ("requests:board", "requests:my_offers", "notifications", "stories:list")
        ]
        urls += [story.get_absolute_url() for story in Story.objects.all()]
        board = reverse("requests:board")
        urls += [f"{board}?{urlencode({'status': 'any', 'q': r.title})}" for r in world.anon]
        urls += [r.get_absolute_url() for r in world.requests]
        urls += [o.get_absolute_url() for o in world.offers]
        if persona == "moderator":
            # With the attacks: filtered by the original author's id, they would
            # list the anonymous requests before the change and nothing after.
            urls += admin_urls(world)
            urls += [reverse("moderation:queue"), reverse("moderation:log")]
        for url in urls:
            response = client.get(url)
            snapshot[persona, url] = (response.status_code, _normalised(response.content.decode()))
    return snapshot


def test_nothing_links_the_anonymous_requests_to_their_author(own_world):
    """What others see of the anonymous requests does not depend on who wrote them:
    give each one (and the author's messages in it) a different author, and every page
    stays the same, byte for byte. So no id, name or trait of the author is there to
    link the two requests to each other or to the author."""
    world = own_world
    personas = ["visitor", "outsider", "helper", "second_helper", "moderator"]
    before = _snapshot(world, personas)

    for help_request in world.anon:
        stranger = UserFactory()
        HelpRequest.objects.filter(pk=help_request.pk).update(author=stranger)
        Message.objects.filter(offer__request=help_request, sender=world.author).update(
            sender=stranger
        )
        # The moderators' warning about their message went to whoever wrote it.
        ModerationAction.objects.filter(
            Q(help_request=help_request) | Q(message__offer__request=help_request),
            subject=world.author,
        ).update(subject=stranger)
        # The story of asking about it, told by whoever asked.
        Story.objects.filter(source_request=help_request).update(author=stranger)

    after = _snapshot(world, personas)
    changed = [key for key in before if before[key] != after[key]]
    assert not changed, f"These pages change with the anonymous author: {changed}"
    # Not vacuous: the snapshot holds the conversations and the admin's pages.
    assert before["helper", world.accepted_offer.get_absolute_url()][0] == 200
    assert len(before) > 50


def test_the_admin_never_lists_people_beside_their_anonymous_requests(own_world, django_user_model):
    """Even the site's owner (a superuser): a page that names the author, such as the
    author's own user page, must not list their anonymous requests or conversations;
    and changelists cannot be filtered by the author's id."""
    world = own_world
    owner = django_user_model.objects.create_superuser(
        email="owner@example.org", password="x", display_name="Owner"
    )
    client = Client()
    client.force_login(owner)
    identifiers = world.anon_identifiers()
    problems = []
    for url in admin_urls(world):
        for page in fetch(client, "get", url):
            if leaks(page.text):
                problems += [
                    f"{page.url} names the author and shows {i!r}"
                    for i in identifiers
                    if i in page.text
                ]
    assert not problems, report(problems)

    for url in author_lookups(world):
        page = fetch(client, "get", url)[-1]
        assert page.status == 400, f"{url} filters by the author's id"


@pytest.mark.parametrize(
    "persona", [crawled_once(p) for p in ["visitor", "outsider", "helper", "second_helper"]]
)
def test_stories_notes_and_counts_link_nothing(world, crawl, persona):
    """The published story names no request, alias, conversation or author (the helper
    only because they agreed); the thank-you note stays in its conversation; the
    "been there too" count reaches the asker only."""
    story = Story.objects.get()
    assert story.status == "published" and story.helper_naming == "consented"
    client = world.client_for(persona)
    # The requests' aliases (but not the one the ask form gives as an example, nor one
    # the story's own, independent draw happened to repeat).
    aliases = {r.alias for r in world.anon} - {story.alias, "Anonymous Otter"}
    secrets = [*world.anon_identifiers(), *aliases]
    for url in (reverse("stories:list"), story.get_absolute_url(), reverse("requests:create")):
        for page in fetch(client, "get", url):
            found = [s for s in [*secrets, *AUTHOR_STRINGS] if s in page.text]
            assert not found, f"{url} shows {found} to the {persona}"
    # One person said it on anon2: the count sentence there reads "1 person said...".
    assert STORY_TEXTS["hard_to_ask"] in fetch(client, "get", reverse("stories:list"))[0].text
    for page in crawl(persona):
        # The helper reads it in their conversation, their thanks (page and API), export.
        if persona != "helper" or not page.url.startswith(
            ("/offers/", "/my/thanks/", "/settings/my-data/", "/api/v1/me/thanks/")
        ):
            assert THANK_NOTE not in page.text, f"{page.url} shows the thank-you note"
        assert "said they've been there too." not in page.text, f"{page.url}: the count"


def test_the_author_alone_sees_the_been_there_count(world):
    page = world.client_for("author").get(world.anon[1].get_absolute_url()).content.decode()
    assert "1 person said they&#x27;ve been there too." in page or (
        "1 person said they've been there too." in page
    )
