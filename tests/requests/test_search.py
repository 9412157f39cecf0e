"""Board search through HTTP, on whichever database the suite runs on: SQLite's
FTS5 locally (`make test`) and PostgreSQL's full-text search in CI. The same
tests run on both, so the two behave alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from requests.models import HelpRequest
from requests.search import fts5_query, parse
from tests.factories import CategoryFactory, HelpRequestFactory, UserFactory

BODY = "I have been finding things hard lately and would be grateful for a kind word."


def board_titles(client, **query) -> list[str]:
    response = client.get(reverse("requests:board"), query)
    assert response.status_code == 200
    return [item.title for item in response.context["page"].object_list]


def ask(title: str, body: str = BODY, **kwargs) -> HelpRequest:
    return HelpRequestFactory(title=title, body=body, **kwargs)


@pytest.fixture
def board(db) -> None:
    ask("Trouble sleeping before exams", "My nights are long and my mind keeps racing.")
    ask("Moving to a new city alone", "I know nobody here and the evenings feel empty.")
    ask("Feeling lonely after a breakup", "The evenings are the worst; I cannot sleep well.")
    ask("Advice on a letter to my landlord", "The heating broke and nobody answers my calls.")


def test_a_word_finds_requests_by_title_and_body_with_stemming(client, board):
    # "sleep" matches "sleeping" (title) and "sleep" (body): stemmed on both databases.
    assert set(board_titles(client, q="sleep")) == {
        "Trouble sleeping before exams",
        "Feeling lonely after a breakup",
    }


def test_a_title_match_ranks_before_a_body_match(client, db):
    ask("Nights are hard", "Something in the body about exams.")
    ask("Exams are coming and I am scared", "Nothing else to add here, honestly.")
    # The body-only match is the newer one: relevance still puts the title first.
    HelpRequest.objects.filter(title="Nights are hard").update(
        created_at=HelpRequest.objects.get(title__startswith="Exams").created_at
        + timedelta(hours=1)
    )
    assert board_titles(client, q="exams") == [
        "Exams are coming and I am scared",
        "Nights are hard",
    ]


def test_equal_relevance_lists_the_newest_first(client, db):
    older = ask("Garden help needed", "Weeds everywhere in the garden this spring.")
    newer = ask("Garden help wanted", "Weeds everywhere in the garden this spring.")
    assert older.created_at <= newer.created_at
    assert board_titles(client, q="weeds") == ["Garden help wanted", "Garden help needed"]


def test_a_quoted_phrase_needs_the_words_together(client, board):
    assert board_titles(client, q='"new city"') == ["Moving to a new city alone"]
    assert board_titles(client, q='"city new"') == []


def test_a_minus_word_leaves_requests_out(client, board):
    assert board_titles(client, q="evenings -breakup") == ["Moving to a new city alone"]


def test_or_finds_either_word(client, board):
    assert set(board_titles(client, q="landlord or exams")) == {
        "Advice on a letter to my landlord",
        "Trouble sleeping before exams",
    }


def test_words_without_or_must_all_match(client, board):
    assert board_titles(client, q="evenings lonely") == ["Feeling lonely after a breakup"]


def test_common_little_words_are_ignored_as_on_a_web_search(client, db):
    ask("Sleep troubles lately", "Nights feel long; I lie awake until dawn.")
    assert board_titles(client, q="the sleep") == ["Sleep troubles lately"]
    assert board_titles(client, q="sleep with some troubles") == ["Sleep troubles lately"]


def test_a_word_that_matches_nothing_lists_nothing(client, board):
    response = client.get(reverse("requests:board"), {"q": "xylophone"})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '"""',
        'sleep"',
        '"unclosed phrase',
        "(",
        "sleep)",
        "((sleep OR",
        "*",
        "sleep*",
        "-",
        "--",
        "- -sleep",
        "or",
        "OR OR OR",
        "AND",
        "NOT sleep",
        "NEAR(sleep exams)",
        "title:sleep",
        "^sleep",
        "sleep + exams",
        "{title body}: sleep",
        "'; DROP TABLE requests_helprequest; --",
        "\\",
        "%_%",
        "😴 sleep",
        "a " * 40,
    ],
)
def test_nasty_input_never_breaks_the_board(client, board, text):
    response = client.get(reverse("requests:board"), {"q": text})
    assert response.status_code == 200
    assert HelpRequest.objects.count() == 4


def test_operator_words_are_searched_as_plain_words(client, db):
    ask("Not sure where to start", "Near the station there is a clinic and I feel nervous.")
    ask("Something else entirely", BODY)
    assert board_titles(client, q="NEAR station") == ["Not sure where to start"]


def test_search_combines_with_the_filters(client, db):
    listen, practical = CategoryFactory(), CategoryFactory()
    ask("Rent is due and I am worried", category=listen)
    ask("Rent help with a form", category=practical)
    kind = ask(
        "Rent advice please",
        category=listen,
        response_kind=HelpRequest.ResponseKind.ADVICE,
    )
    closed = ask("Rent worries again", category=listen, status=HelpRequest.Status.CLOSED)
    # offer_count is what the services keep; "no offers yet" filters on it.
    offered = ask("Rent problem this month", category=listen, offer_count=1)
    ask("Nothing about money", category=listen)

    assert set(board_titles(client, q="rent", category=listen.slug)) == {
        "Rent is due and I am worried",
        kind.title,
        offered.title,
    }
    assert board_titles(client, q="rent", kind="advice") == [kind.title]
    assert board_titles(client, q="rent", status="closed") == [closed.title]
    offers_free = board_titles(client, q="rent", category=listen.slug, no_offers="on")
    assert offered.title not in offers_free and "Rent is due and I am worried" in offers_free


def test_hidden_requests_stay_out_of_search(client, db):
    ask("Hidden request about sleep", is_hidden=True)
    ask("Visible request about sleep")
    assert board_titles(client, q="sleep") == ["Visible request about sleep"]
    response = APIClient().get(reverse("api:requests"), {"q": "sleep"})
    assert [row["title"] for row in response.json()["results"]] == ["Visible request about sleep"]


def test_edits_and_deletions_reach_the_index(client, db):
    help_request = ask("Original title here", "Body mentions a violin lesson that went badly.")
    assert board_titles(client, q="violin") == ["Original title here"]
    help_request.title = "Trumpet trouble tonight"
    help_request.body = "Now the body is about something else entirely, honestly."
    help_request.save()
    assert board_titles(client, q="violin") == []
    assert board_titles(client, q="trumpet") == ["Trumpet trouble tonight"]
    help_request.delete()
    assert board_titles(client, q="trumpet") == []


def test_anonymous_authors_are_not_searchable_by_name(client, db):
    author = UserFactory(display_name="Zebedee Quartermaine")
    ask("A quiet question", is_anonymous=True, author=author)
    assert board_titles(client, q="Zebedee") == []
    assert board_titles(client, q="Quartermaine") == []


def test_the_api_searches_the_same_way(db, board):
    response = APIClient().get(reverse("api:requests"), {"q": "evenings -breakup"})
    assert response.status_code == 200
    assert [row["title"] for row in response.json()["results"]] == ["Moving to a new city alone"]


def test_a_search_is_counted_up_to_a_cap_not_in_full(client, db, settings):
    for n in range(4):
        ask(f"Loud neighbours number {n}")
    settings.BOARD_SEARCH_COUNT_CAP = 2
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("requests:board"), {"q": "neighbours"})
    assert response.status_code == 200
    assert "More than 2 requests" in response.content.decode()
    assert len(response.context["page"].object_list) == 4
    # The count reads at most cap + 1 rows, never every match.
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 3" in sql.upper() for sql in counts)

    settings.BOARD_SEARCH_COUNT_CAP = 1000
    page = client.get(reverse("requests:board"), {"q": "neighbours"}).content.decode()
    assert "4 requests" in page and "More than" not in page


def test_the_translation_to_fts5_quotes_every_term():
    assert fts5_query(parse('"new city" or town -"bad day" sleep*')) == (
        '(("new city" OR "town") AND "sleep") NOT "bad day"'
    )
    assert parse('-only -"exclusions"').is_empty
    assert parse('"" ( ) * -').is_empty
    assert fts5_query(parse('help with the rent "out of reach"')) == (
        '("help" AND "rent" AND "out of reach")'
    )


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 triggers only")
def test_migrate_puts_back_triggers_a_table_rebuild_dropped(client, db):
    ask("Written before the rebuild", "A note about a kayak trip that went wrong.")
    with connection.cursor() as cursor:
        # What Django's SQLite schema editor does to triggers when it rebuilds a table.
        for suffix in ("ai", "ad", "au"):
            cursor.execute(f"DROP TRIGGER requests_helprequest_fts_{suffix}")
    ask("Written while the triggers were gone", "Another kayak story, still unindexed.")
    assert board_titles(client, q="kayak") == ["Written before the rebuild"]

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert set(board_titles(client, q="kayak")) == {
        "Written before the rebuild",
        "Written while the triggers were gone",
    }
    ask("Written after migrate", "A third kayak tale.")
    assert "Written after migrate" in board_titles(client, q="kayak")
