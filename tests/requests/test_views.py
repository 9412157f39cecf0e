"""The request pages, for each persona: the asker, the helper who offered, a
signed-in outsider and a visitor who is not signed in."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from notifications.models import Notification
from requests import services
from requests.models import Category, HelpRequest, Message, Offer
from tests.factories import CategoryFactory, HelpRequestFactory, MessageFactory, OfferFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["asker", "helper", "outsider", "visitor"]
LOGIN = "login"  # expected outcome: sign in, then back to the page (see PAGE_OF)
BACK = "back"  # expected outcome: redirect to the page the action belongs to


@pytest.fixture
def as_persona(client, request, offer):
    """A client signed in as the named persona (the helper has `offer`)."""

    def sign_in(persona: str):
        if persona != "visitor":
            client.force_login(request.getfixturevalue(persona))
        return client

    return sign_in


def _urls(offer) -> dict[str, str]:
    rid, oid = offer.request.public_id, offer.public_id
    return {
        "board": reverse("requests:board"),
        "create": reverse("requests:create"),
        "detail": reverse("requests:detail", args=[rid]),
        "edit": reverse("requests:edit", args=[rid]),
        "resolve": reverse("requests:resolve", args=[rid]),
        "close": reverse("requests:close", args=[rid]),
        "make_offer": reverse("requests:make_offer", args=[rid]),
        "keep_open": reverse("requests:keep_open", args=[rid]),
        "renew": services.renew_url(offer.request),
        "offer": reverse("requests:offer", args=[oid]),
        "accept": reverse("requests:accept", args=[oid]),
        "decline": reverse("requests:decline", args=[oid]),
        "withdraw": reverse("requests:withdraw", args=[oid]),
        "mine": reverse("requests:mine"),
        "my_offers": reverse("requests:my_offers"),
    }


# POST-only actions belong to a page: a visitor signs in and comes back to that
# page (never to the action's URL, which only takes POST).
PAGE_OF = {
    "resolve": "detail",
    "close": "detail",
    "make_offer": "detail",
    "keep_open": "detail",
    "accept": "offer",
    "decline": "offer",
    "withdraw": "offer",
}


def assert_outcome(response, expected, urls: dict[str, str], page: str) -> None:
    back = urls[PAGE_OF.get(page, page)]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next={quote(back)}"
    elif expected == BACK:
        assert response.status_code == 302
        assert response["Location"] == back
    else:
        assert response.status_code == expected


# What a GET of each page gives each persona.
GET_MATRIX = {
    #              asker helper outsider visitor
    "board": (200, 200, 200, 200),
    "create": (200, 200, 200, LOGIN),
    "detail": (200, 200, 200, 200),
    "edit": (200, 404, 404, LOGIN),
    "offer": (200, 200, 404, LOGIN),
    "mine": (200, 200, 200, LOGIN),
    "my_offers": (200, 200, 200, LOGIN),
    # The "still needed" link from an email works signed out: the token is the key.
    "renew": (200, 200, 200, 200),
    # Actions change state only on POST; a GET (a reload, a sign-in coming
    # back) lands on the page the action belongs to.
    "resolve": (BACK, BACK, BACK, LOGIN),
    "close": (BACK, BACK, BACK, LOGIN),
    "make_offer": (BACK, BACK, BACK, LOGIN),
    "keep_open": (BACK, BACK, BACK, LOGIN),
    "accept": (BACK, BACK, BACK, LOGIN),
    "decline": (BACK, BACK, BACK, LOGIN),
    # Withdrawing asks first: the helper's GET is the confirmation page.
    "withdraw": (BACK, 200, 404, LOGIN),
}


@pytest.mark.parametrize("page", GET_MATRIX)
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_answers_a_get_of_every_page_for_every_persona(as_persona, offer, page, persona):
    client = as_persona(persona)
    urls = _urls(offer)

    response = client.get(urls[page])

    assert_outcome(response, GET_MATRIX[page][PERSONAS.index(persona)], urls, page)


# What a POST to each action gives each persona (with no form data for the forms).
POST_MATRIX = {
    #              asker helper outsider visitor
    "resolve": (302, 404, 404, LOGIN),
    "close": (302, 404, 404, LOGIN),
    "keep_open": (302, 404, 404, LOGIN),
    "accept": (302, 302, 404, LOGIN),
    "decline": (302, 302, 404, LOGIN),
    "withdraw": (302, 302, 404, LOGIN),
    "make_offer": (200, 200, 200, LOGIN),
    "offer": (200, 200, 404, LOGIN),
}


@pytest.mark.parametrize("action", POST_MATRIX)
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_answers_a_post_to_every_action_for_every_persona(as_persona, offer, action, persona):
    client = as_persona(persona)
    urls = _urls(offer)

    response = client.post(urls[action])

    assert_outcome(response, POST_MATRIX[action][PERSONAS.index(persona)], urls, action)


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_it_refuses_the_helper_deciding_on_their_own_offer(client, helper, offer, action):
    client.force_login(helper)

    response = client.post(_urls(offer)[action], follow=True)

    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING
    assert "Only the person who asked" in response.content.decode()


def test_it_refuses_the_asker_withdrawing_someone_elses_offer(client, asker, offer):
    client.force_login(asker)

    response = client.post(_urls(offer)["withdraw"], follow=True)

    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING
    assert "Only the person who offered" in response.content.decode()


# --- Hidden requests ---------------------------------------------------------------------


@pytest.fixture
def hidden_request(asker):
    return HelpRequestFactory(author=asker, is_hidden=True, title="A hidden request title")


def test_it_shows_a_hidden_request_to_its_author_only(client, asker, hidden_request):
    client.force_login(asker)

    response = client.get(hidden_request.get_absolute_url())

    assert response.status_code == 200
    assert "A hidden request title" in response.content.decode()


@pytest.mark.parametrize("persona", ["helper", "outsider", "moderator", None])
def test_it_hides_a_hidden_request_from_everyone_else(client, request, hidden_request, persona):
    if persona:
        client.force_login(request.getfixturevalue(persona))

    response = client.get(hidden_request.get_absolute_url())

    assert response.status_code == 404
    assert "A hidden request title" not in response.content.decode()


def test_it_refuses_offers_on_a_hidden_request(client, outsider, hidden_request):
    client.force_login(outsider)

    response = client.post(
        reverse("requests:make_offer", args=[hidden_request.public_id]),
        {"message": "I would like to help you."},
    )

    assert response.status_code == 404
    assert not Offer.objects.exists()


def test_it_leaves_hidden_requests_off_the_board(client, hidden_request, help_request):
    response = client.get(reverse("requests:board"))

    assert list(response.context["page"].object_list) == [help_request]
    assert "A hidden request title" not in response.content.decode()


def test_it_answers_404_for_unknown_ids(client, asker):
    client.force_login(asker)

    for path in [
        reverse("requests:detail", args=["no-such-id"]),
        reverse("requests:edit", args=["no-such-id"]),
        reverse("requests:offer", args=["no-such-id"]),
    ]:
        assert client.get(path).status_code == 404, path


# --- Happy paths --------------------------------------------------------------------------


def test_it_lets_a_member_post_a_request(client, asker):
    client.force_login(asker)
    category = Category.objects.get(slug="practical-help")

    response = client.post(
        reverse("requests:create"),
        {
            "title": "Help carrying boxes on Saturday",
            "body": "I am moving flats and could use a hand with a few heavy boxes.",
            "category": category.pk,
            "response_kind": "practical",
            "is_anonymous": "on",
        },
        follow=True,
    )

    help_request = HelpRequest.objects.get()
    assert response.redirect_chain == [(help_request.get_absolute_url(), 302)]
    assert help_request.author == asker
    assert help_request.is_anonymous is True
    assert help_request.category == category
    assert help_request.response_kind == HelpRequest.ResponseKind.PRACTICAL
    content = response.content.decode()
    assert "Your request is posted" in content
    assert "Help carrying boxes on Saturday" in content


def test_it_shows_the_request_page_with_safe_markdown(client):
    help_request = HelpRequestFactory(body="I need **some** help. <script>alert(1)</script>")

    response = client.get(help_request.get_absolute_url())

    content = response.content.decode()
    assert "<strong>some</strong>" in content
    assert "<script>alert(1)" not in content


def test_it_invites_a_visitor_to_sign_in_to_offer(client, help_request):
    response = client.get(help_request.get_absolute_url())

    content = response.content.decode()
    assert f"{reverse('account_login')}?next={help_request.get_absolute_url()}" in content
    assert 'name="message"' not in content


def test_it_lets_an_outsider_offer_help(
    client, outsider, asker, help_request, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(outsider)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("requests:make_offer", args=[help_request.public_id]),
            {"message": "I've been there too and I'm happy to listen."},
        )

    offer = Offer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == offer.get_absolute_url()
    assert offer.helper == outsider
    assert offer.message == "I've been there too and I'm happy to listen."
    help_request.refresh_from_db()
    assert help_request.offer_count == 1
    assert [m.to for m in mailoutbox] == [[asker.email]]
    # The helper now sees their offer instead of the form.
    content = client.get(help_request.get_absolute_url()).content.decode()
    assert "You offered to help with this request." in content


def test_it_shows_the_asker_the_offers_on_their_request(client, asker, offer):
    client.force_login(asker)

    response = client.get(offer.request.get_absolute_url())

    content = response.content.decode()
    assert list(response.context["offers"]) == [offer]
    assert "Hugo Helper offered to help" in content
    assert reverse("requests:accept", args=[offer.public_id]) in content
    assert reverse("requests:decline", args=[offer.public_id]) in content


def test_it_shows_others_only_how_many_offered(client, outsider, offer):
    client.force_login(outsider)

    response = client.get(offer.request.get_absolute_url())

    content = response.content.decode()
    assert response.context["offers"] is None
    assert "1 person has offered to help." in content
    assert offer.message not in content
    assert "Hugo Helper" not in content


def test_it_lets_the_asker_accept_an_offer(
    client, asker, helper, offer, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(asker)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("requests:accept", args=[offer.public_id]))

    assert response.status_code == 302
    assert response["Location"] == offer.get_absolute_url()
    offer.refresh_from_db()
    offer.request.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED
    assert offer.request.status == HelpRequest.Status.MATCHED
    assert [m.to for m in mailoutbox] == [[helper.email]]
    content = client.get(offer.get_absolute_url()).content.decode()
    assert "You accepted this offer." in content


def test_it_lets_the_asker_decline_an_offer(
    client, asker, offer, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(asker)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("requests:decline", args=[offer.public_id]))

    assert response.status_code == 302
    assert response["Location"] == offer.request.get_absolute_url()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.DECLINED
    # The helper hears, kindly, that the offer isn't taken up; no reason is given.
    assert [m.to for m in mailoutbox] == [[offer.helper.email]]


def test_it_shows_the_helper_only_that_their_offer_was_not_taken(client, asker, helper, offer):
    client.force_login(asker)
    client.post(reverse("requests:decline", args=[offer.public_id]))
    client.force_login(helper)

    content = client.get(reverse("requests:my_offers")).content.decode()

    assert escape(str(Offer.Status.DECLINED.label)) in content
    assert escape(str(Offer.DeclineReason.NOT_TAKEN.label)) in content


def test_it_lets_the_helper_withdraw(client, helper, offer):
    client.force_login(helper)

    response = client.post(reverse("requests:withdraw", args=[offer.public_id]), follow=True)

    assert response.redirect_chain == [(offer.request.get_absolute_url(), 302)]
    offer.refresh_from_db()
    offer.request.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN
    assert offer.request.offer_count == 0
    assert "Your offer is withdrawn." in response.content.decode()
    # The request is open again to them, so they see the offer form.
    assert 'name="message"' in response.content.decode()


@pytest.mark.parametrize("sender", ["asker", "helper"])
def test_it_lets_both_sides_write_in_the_conversation(client, request, asker, offer, sender):
    client.force_login(request.getfixturevalue(sender))

    response = client.post(offer.get_absolute_url(), {"body": "Thanks for reaching out!"})

    assert response.status_code == 302
    assert response["Location"] == f"{offer.get_absolute_url()}#latest"
    message = Message.objects.get()
    assert message.sender == request.getfixturevalue(sender)
    assert message.body == "Thanks for reaching out!"
    other = "helper" if sender == "asker" else "asker"
    client.force_login(request.getfixturevalue(other))
    content = client.get(offer.get_absolute_url()).content.decode()
    assert "Thanks for reaching out!" in content


def test_it_shows_the_conversation_in_order(client, asker, helper, offer):
    MessageFactory(offer=offer, sender=helper, body="First from the helper")
    MessageFactory(offer=offer, sender=asker, body="Then from the asker")
    client.force_login(helper)

    content = client.get(offer.get_absolute_url()).content.decode()

    assert content.index("First from the helper") < content.index("Then from the asker")
    assert 'id="latest"' in content


def test_it_closes_the_conversation_form_once_the_offer_is_withdrawn(client, helper, offer):
    offer.status = Offer.Status.WITHDRAWN
    offer.save()
    client.force_login(helper)

    content = client.get(offer.get_absolute_url()).content.decode()

    assert "This conversation is closed" in content
    assert 'name="body"' not in content


def test_it_lets_the_asker_resolve_their_request(client, asker, help_request):
    client.force_login(asker)

    response = client.post(reverse("requests:resolve", args=[help_request.public_id]), follow=True)

    assert response.redirect_chain == [(help_request.get_absolute_url(), 302)]
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.RESOLVED
    assert "Marked as resolved." in response.content.decode()


def test_it_lets_the_asker_close_their_request(client, asker, help_request):
    client.force_login(asker)

    response = client.post(reverse("requests:close", args=[help_request.public_id]), follow=True)

    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.CLOSED
    assert "Your request is closed." in response.content.decode()
    # A finished request offers no more actions to its author.
    assert reverse("requests:resolve", args=[help_request.public_id]) not in (
        response.content.decode()
    )


def test_it_explains_when_a_request_is_already_finished(client, asker, help_request):
    client.force_login(asker)
    client.post(reverse("requests:close", args=[help_request.public_id]))

    response = client.post(reverse("requests:resolve", args=[help_request.public_id]), follow=True)

    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.CLOSED
    assert "This request is already finished." in response.content.decode()


def test_it_lets_the_asker_edit_their_request(client, asker, help_request):
    client.force_login(asker)
    page = client.get(reverse("requests:edit", args=[help_request.public_id]))
    assert help_request.title in page.content.decode()

    response = client.post(
        reverse("requests:edit", args=[help_request.public_id]),
        {
            "title": "An edited title",
            "body": "An edited body that is comfortably long enough.",
            "category": help_request.category.pk,
            "response_kind": "advice",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == help_request.get_absolute_url()
    help_request.refresh_from_db()
    assert help_request.title == "An edited title"
    assert help_request.response_kind == HelpRequest.ResponseKind.ADVICE


def test_it_does_not_let_a_finished_request_be_edited(client, asker):
    help_request = HelpRequestFactory(author=asker, status=HelpRequest.Status.RESOLVED)
    client.force_login(asker)

    response = client.post(
        reverse("requests:edit", args=[help_request.public_id]),
        {
            "title": "An edited title",
            "body": "An edited body that is comfortably long enough.",
            "category": help_request.category.pk,
            "response_kind": "advice",
        },
        follow=True,
    )

    assert response.redirect_chain == [(help_request.get_absolute_url(), 302)]
    assert "can no longer be changed" in response.content.decode()
    help_request.refresh_from_db()
    assert help_request.title != "An edited title"


def test_it_lists_my_requests_and_only_mine(client, asker, help_request):
    someone_elses = HelpRequestFactory()
    client.force_login(asker)

    response = client.get(reverse("requests:mine"))

    assert list(response.context["page"].object_list) == [help_request]
    assert someone_elses.title not in response.content.decode()


def test_it_lists_my_offers_and_only_mine(client, helper, offer):
    someone_elses = OfferFactory()
    client.force_login(helper)

    response = client.get(reverse("requests:my_offers"))

    assert list(response.context["page"].object_list) == [offer]
    assert offer.request.title in response.content.decode()
    assert someone_elses.request.title not in response.content.decode()


# --- Keeping a request open ------------------------------------------------------------------


def test_it_lets_the_asker_keep_a_request_open(client, asker, help_request):
    help_request.expires_at = timezone.now() + timedelta(days=1)
    help_request.save()
    client.force_login(asker)

    response = client.post(reverse("requests:keep_open", args=[help_request.public_id]))

    assert response.status_code == 302
    help_request.refresh_from_db()
    assert help_request.expires_at > timezone.now() + timedelta(days=7)


def test_it_reopens_an_expired_request_from_the_email_link_signed_out(client, asker):
    help_request = HelpRequestFactory(author=asker, status=HelpRequest.Status.EXPIRED)
    link = services.renew_url(help_request)

    # Opening the link (as a mail scanner would) only asks.
    asked = client.get(link)
    help_request.refresh_from_db()
    assert asked.status_code == 200
    assert "Yes, reopen it" in asked.content.decode()
    assert help_request.status == HelpRequest.Status.EXPIRED

    response = client.post(link)

    assert response.status_code == 200
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.OPEN


def test_it_refuses_a_tampered_or_borrowed_renew_link(client, asker):
    expired = HelpRequestFactory(author=asker, status=HelpRequest.Status.EXPIRED)
    other = HelpRequestFactory(status=HelpRequest.Status.EXPIRED)
    token = services.renew_token(other)

    tampered = client.post(reverse("requests:renew", args=[expired.public_id, token + "x"]))
    borrowed = client.post(reverse("requests:renew", args=[expired.public_id, token]))

    assert tampered.status_code == 400
    assert borrowed.status_code == 400
    expired.refresh_from_db()
    other.refresh_from_db()
    assert expired.status == HelpRequest.Status.EXPIRED
    assert other.status == HelpRequest.Status.EXPIRED


def test_it_does_not_reopen_a_resolved_request_from_a_renew_link(client, asker):
    help_request = HelpRequestFactory(author=asker, status=HelpRequest.Status.RESOLVED)

    response = client.post(services.renew_url(help_request))

    assert response.status_code == 409
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.RESOLVED


# --- The board: filters, search, pagination ---------------------------------------------------


def _listed(client, **params) -> list[HelpRequest]:
    response = client.get(reverse("requests:board"), params)
    assert response.status_code == 200
    return list(response.context["page"].object_list)


@pytest.fixture
def board_requests(db):
    talk = CategoryFactory(slug="talk", name="Talk")
    errands = CategoryFactory(slug="chores", name="Chores")
    return {
        "open_talk": HelpRequestFactory(
            category=talk, title="Lonely evenings lately", body="Evenings are quiet and long."
        ),
        "open_errand": HelpRequestFactory(
            category=errands,
            response_kind=HelpRequest.ResponseKind.PRACTICAL,
            title="Groceries this week",
            body="My leg is in a cast and I can't carry shopping.",
            offer_count=2,
        ),
        "resolved": HelpRequestFactory(
            category=talk, status=HelpRequest.Status.RESOLVED, title="Exam stress before finals"
        ),
        "closed": HelpRequestFactory(category=errands, status=HelpRequest.Status.CLOSED),
    }


def test_it_lists_open_requests_newest_first_by_default(client, board_requests):
    assert _listed(client) == [board_requests["open_errand"], board_requests["open_talk"]]


def test_it_filters_by_category(client, board_requests):
    assert _listed(client, category="talk") == [board_requests["open_talk"]]


def test_it_filters_by_kind_of_response(client, board_requests):
    assert _listed(client, kind="practical") == [board_requests["open_errand"]]
    assert _listed(client, kind="listen") == [board_requests["open_talk"]]


def test_it_filters_by_status(client, board_requests):
    assert _listed(client, status="resolved") == [board_requests["resolved"]]
    assert _listed(client, status="closed") == [board_requests["closed"]]


def test_it_lists_every_status_with_any(client, board_requests):
    assert set(_listed(client, status="any")) == set(board_requests.values())


def test_it_lists_only_requests_without_offers(client, board_requests):
    assert _listed(client, no_offers="on") == [board_requests["open_talk"]]


def test_it_searches_titles_and_bodies(client, board_requests):
    assert _listed(client, q="groceries") == [board_requests["open_errand"]]
    assert _listed(client, q="CAST") == [board_requests["open_errand"]]
    # Every word must match, in the title or the body.
    assert _listed(client, q="evenings quiet") == [board_requests["open_talk"]]
    assert _listed(client, q="evenings shopping") == []
    # Search respects the status filter.
    assert _listed(client, q="exam") == []
    assert _listed(client, q="exam", status="any") == [board_requests["resolved"]]


def test_it_combines_filters(client, board_requests):
    assert _listed(client, category="chores", status="any", kind="practical") == [
        board_requests["open_errand"]
    ]


def test_it_says_so_when_nothing_matches(client, board_requests):
    response = client.get(reverse("requests:board"), {"q": "zebra"})

    assert "No requests match these filters right now." in response.content.decode()


def test_it_ignores_an_unknown_category_instead_of_failing(client, board_requests):
    response = client.get(reverse("requests:board"), {"category": "no-such-category"})

    assert response.status_code == 200


def test_it_pages_the_board_and_keeps_the_filters(client, settings):
    settings.BOARD_PAGE_SIZE = 2
    requests = [HelpRequestFactory(title=f"Paged request number {n}") for n in range(5)]
    newest_first = requests[::-1]

    first = client.get(reverse("requests:board"), {"kind": "listen"})
    second = client.get(reverse("requests:board"), {"kind": "listen", "page": 2})
    last = client.get(reverse("requests:board"), {"kind": "listen", "page": 3})

    assert list(first.context["page"].object_list) == newest_first[:2]
    assert list(second.context["page"].object_list) == newest_first[2:4]
    assert list(last.context["page"].object_list) == newest_first[4:]
    assert "Page 1 of 3" in first.content.decode()
    assert "?kind=listen&amp;page=2" in first.content.decode()
    assert "?kind=listen&amp;page=1" in second.content.decode()
    assert "?kind=listen&amp;page=3" in second.content.decode()


def test_it_shows_the_last_page_for_a_page_number_out_of_range(client, settings):
    settings.BOARD_PAGE_SIZE = 2
    HelpRequestFactory.create_batch(3)

    for page in ["99", "nonsense"]:
        response = client.get(reverse("requests:board"), {"page": page})
        assert response.status_code == 200
        assert response.context["page"].number in (1, 2)


def test_it_shows_anonymous_requests_on_the_board_as_anonymous(client, anonymous_request):
    content = client.get(reverse("requests:board")).content.decode()

    assert anonymous_request.title in content
    assert "by Anonymous" in content


def test_it_sends_an_offer_notification_over_http_only_once(
    client, outsider, help_request, django_capture_on_commit_callbacks
):
    client.force_login(outsider)
    path = reverse("requests:make_offer", args=[help_request.public_id])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(path, {"message": "I'd like to help with this."})
        again = client.post(path, {"message": "I'd like to help with this."})

    # The double submit shows the page again rather than making a second offer.
    assert again.status_code == 200
    assert Offer.objects.count() == 1
    assert Notification.objects.count() == 1


def test_a_visitor_who_writes_an_offer_keeps_it_through_signing_in(client, helper, help_request):
    detail = reverse("requests:detail", args=[help_request.public_id])
    typed = "I can come by on Saturday with my car."

    response = client.post(
        reverse("requests:make_offer", args=[help_request.public_id]), {"message": typed}
    )
    assert response["Location"] == f"{reverse('account_login')}?next={quote(detail)}"

    client.force_login(helper)
    page = client.get(detail).content.decode()
    assert escape(typed) in page
    # Once shown, the draft is gone.
    assert escape(typed) not in client.get(detail).content.decode()


def test_a_message_typed_after_the_session_ended_is_kept(client, helper, offer):
    conversation = reverse("requests:offer", args=[offer.public_id])
    response = client.post(conversation, {"body": "Are you free tomorrow?"})
    assert response["Location"] == f"{reverse('account_login')}?next={quote(conversation)}"

    client.force_login(helper)
    assert "Are you free tomorrow?" in client.get(conversation).content.decode()
    assert not Message.objects.exists()


def test_a_refused_offer_says_why_and_keeps_the_text(client, helper, help_request):
    services.close_request(help_request=help_request, by=help_request.author)
    client.force_login(helper)
    typed = "I would have loved to help with this."

    response = client.post(
        reverse("requests:make_offer", args=[help_request.public_id]), {"message": typed}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "Your offer wasn&#x27;t sent" in content or "Your offer wasn't sent" in content
    assert "isn&#x27;t taking new offers" in content or "isn't taking new offers" in content
    assert escape(typed) in content
    assert not Offer.objects.exists()


def test_a_conversation_on_a_hidden_request_closes_for_the_helper(client, helper, offer):
    HelpRequest.objects.filter(pk=offer.request_id).update(is_hidden=True)
    client.force_login(helper)
    assert client.get(reverse("requests:offer", args=[offer.public_id])).status_code == 404


def test_an_unknown_status_filter_shows_open_requests(client, help_request):
    closed = HelpRequestFactory(status=HelpRequest.Status.CLOSED, title="A closed one here")
    response = client.get(reverse("requests:board"), {"status": "bogus"})
    content = response.content.decode()
    assert help_request.title in content
    assert closed.title not in content
