"""Query budgets: every page costs a fixed number of queries, however many rows it shows.

Each test is run with 3 rows and with 30 rows (more than a page of the board) and asserts
the same budget, so an N+1 (a query per row) fails it. The comment above each budget
lists the queries it expects (numbered to count them, not in the order they run).

The board's first page also reads the public figures' snapshot ("figures") when the
cache holds none (every test starts with an empty cache; afterwards it costs nothing).

Signed-in pages share three queries, listed as "session, user, unread":
    session  the session row (SessionMiddleware, first touched by AuthenticationMiddleware)
    user     the signed-in user
    unread   the unread-notifications count in the header (board.context_processors)
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from moderation.models import Block
from notifications.models import Notification
from requests.models import HelpRequest, Offer
from tests.factories import (
    CategoryFactory,
    HelpRequestFactory,
    MessageFactory,
    OfferFactory,
    UserFactory,
)

SIGNED_IN = 3  # session, user, unread


@pytest.fixture(params=[3, 30], ids=["3-rows", "30-rows"])
def rows(request) -> int:
    return request.param


def many_requests(count: int, **kwargs) -> list[HelpRequest]:
    """Requests in several categories, some anonymous, by different people."""
    categories = [CategoryFactory() for _ in range(3)]
    return [
        HelpRequestFactory(category=categories[n % 3], is_anonymous=n % 2 == 0, **kwargs)
        for n in range(count)
    ]


def test_it_lists_the_board_for_a_visitor_in_4_queries(db, client, rows, django_assert_num_queries):
    many_requests(rows)
    # 1. count of open, visible requests (the paginator)
    # 2. categories, for the filter form's select
    # 3. the page of requests, with category and author joined
    # 4. figures
    with django_assert_num_queries(4):
        response = client.get(reverse("requests:board"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(rows, 20)


def test_it_lists_the_board_for_a_member_in_7_queries(
    client, outsider, rows, django_assert_num_queries
):
    many_requests(rows)
    client.force_login(outsider)
    # 1. count  2. session  3. user  4. categories  5. the page of requests  6. unread
    # 7. figures
    with django_assert_num_queries(4 + SIGNED_IN):
        response = client.get(reverse("requests:board"))
    assert response.status_code == 200


def test_it_filters_and_searches_the_board_in_5_queries(
    db, client, rows, django_assert_num_queries
):
    requests = many_requests(rows, title="Could someone help me with a letter?")
    category = requests[0].category
    query = {
        "q": "help letter",
        "category": category.slug,
        "kind": HelpRequest.ResponseKind.LISTEN,
        "status": "any",
        "no_offers": "on",
    }
    # 1. the chosen category, to validate the filter
    # 2. count of the matching requests (a search counts at most BOARD_SEARCH_COUNT_CAP + 1)
    # 3. categories, for the filter form's select
    # 4. the page of matching requests, with category and author joined
    # 5. figures
    with django_assert_num_queries(5):
        response = client.get(reverse("requests:board"), query)
    assert response.status_code == 200
    expected = len([r for r in requests if r.category == category])
    assert response.context["page"].paginator.count == expected


def test_it_shows_a_request_to_a_visitor_in_1_query(db, client, rows, django_assert_num_queries):
    help_request = HelpRequestFactory()
    for _ in range(rows):
        OfferFactory(request=help_request)
    # 1. the request, with category and author joined
    with django_assert_num_queries(1):
        response = client.get(help_request.get_absolute_url())
    assert response.status_code == 200


def test_it_shows_the_author_their_request_and_its_offers_in_6_queries(
    client, asker, rows, django_assert_num_queries
):
    help_request = HelpRequestFactory(author=asker, offer_count=rows)
    for n in range(rows):
        status = Offer.Status.DECLINED if n % 3 == 0 else Offer.Status.PENDING
        OfferFactory(request=help_request, status=status)
    client.force_login(asker)
    # 1. session  2. user  3. the request
    # 4. its offers, with their helpers joined  5. unread
    # 6. how many said "I've been there too" (stories: only the asker sees it)
    with django_assert_num_queries(3 + SIGNED_IN):
        response = client.get(help_request.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["offers"]) == rows


def test_it_shows_a_helper_the_request_they_offered_on_in_5_queries(
    client, helper, rows, django_assert_num_queries
):
    help_request = HelpRequestFactory()
    for _ in range(rows):
        OfferFactory(request=help_request)
    OfferFactory(request=help_request, helper=helper)
    client.force_login(helper)
    # 1. session  2. user  3. the request  4. the helper's live offer on it  5. unread
    with django_assert_num_queries(2 + SIGNED_IN):
        response = client.get(help_request.get_absolute_url())
    assert response.status_code == 200
    assert response.context["my_offer"] is not None


@pytest.mark.parametrize("reader", ["asker", "helper"])
def test_it_shows_a_conversation_in_5_queries(
    client, asker, helper, reader, rows, django_assert_num_queries
):
    offer = OfferFactory(
        request=HelpRequestFactory(author=asker, is_anonymous=True),
        helper=helper,
        status=Offer.Status.ACCEPTED,
    )
    for n in range(rows):
        MessageFactory(offer=offer, sender=asker if n % 2 else helper)
    client.force_login(asker if reader == "asker" else helper)
    # 1. session  2. user
    # 3. the offer, with its request, the request's category and author, and the helper
    # 4. the messages, with their senders joined  5. unread
    with django_assert_num_queries(2 + SIGNED_IN):
        response = client.get(offer.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["thread"]) == rows


def test_it_lists_my_requests_in_5_queries(client, asker, rows, django_assert_num_queries):
    many_requests(rows, author=asker)
    client.force_login(asker)
    # 1. session  2. user  3. count of my requests (the paginator)
    # 4. the page of my requests, with their categories joined  5. unread
    with django_assert_num_queries(2 + SIGNED_IN):
        response = client.get(reverse("requests:mine"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(rows, 20)


def test_it_lists_my_offers_in_5_queries(client, helper, rows, django_assert_num_queries):
    for help_request in many_requests(rows):
        OfferFactory(request=help_request, helper=helper)
    client.force_login(helper)
    # 1. session  2. user  3. count of my offers (the paginator)
    # 4. the page of my offers, with each request, its category and author joined
    # 5. unread
    with django_assert_num_queries(2 + SIGNED_IN):
        response = client.get(reverse("requests:my_offers"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(rows, 20)


def test_it_shows_the_settings_page_in_4_queries(client, asker, rows, django_assert_num_queries):
    many_requests(rows, author=asker)
    for n in range(rows):
        Block.objects.create(blocker=asker, blocked=UserFactory(), label=f"Person {n}")
    client.force_login(asker)
    # 1. session  2. user  3. the people I blocked  4. unread
    with django_assert_num_queries(1 + SIGNED_IN):
        response = client.get(reverse("accounts:settings"))
    assert response.status_code == 200


def test_it_lists_my_notifications_in_5_queries(client, asker, rows, django_assert_num_queries):
    for n, help_request in enumerate(many_requests(rows, author=asker)):
        Notification.objects.create(
            key=f"offer_received:{n}",
            kind=Notification.Kind.OFFER_RECEIVED,
            recipient=asker,
            help_request=help_request,
            url=help_request.get_absolute_url(),
            read_at=timezone.now() if n % 2 else None,
        )
    client.force_login(asker)
    # 1. session  2. user  3. count of my notifications (the paginator)
    # 4. the page of notifications, with their requests joined  5. unread
    with django_assert_num_queries(2 + SIGNED_IN):
        response = client.get(reverse("notifications"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(rows, 30)
