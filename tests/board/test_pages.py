"""The board's own pages: how it works, crisis help, error pages, local mail,
and the Markdown that people write."""

import pytest
from django.core import mail
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.urls import path, reverse

from board import urls as board_urls
from board import views
from board.markdown import render_markdown
from tests.factories import HelpRequestFactory, OfferFactory, UserFactory

CRISIS_LINK = 'href="/crisis-help/"'


# A URL configuration for the error-page tests: the board's own, plus a page
# that fails, with the board's error handlers.
def _boom(request: HttpRequest):
    raise RuntimeError("Something broke")


urlpatterns = [*board_urls.urlpatterns, path("boom/", _boom)]
handler404 = board_urls.handler404
handler500 = board_urls.handler500


# --- Static pages -------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_explains_how_the_board_works(client):
    response = client.get(reverse("how_it_works"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "How it works" in content
    assert "About anonymity" in content
    assert reverse("requests:create") in content


@pytest.mark.django_db
def test_it_shows_where_to_find_urgent_help(client):
    response = client.get(reverse("crisis"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "emergency number" in content
    assert 'href="https://findahelpline.com"' in content


@pytest.mark.django_db
def test_it_adds_the_organisers_crisis_service_when_configured(client, settings):
    settings.BOARD_CRISIS_URL = "https://crisis.example.org/"

    content = client.get(reverse("crisis")).content.decode()

    assert 'href="https://crisis.example.org/"' in content


@pytest.mark.django_db
def test_it_leaves_out_the_organisers_service_when_not_configured(client, settings):
    settings.BOARD_CRISIS_URL = ""

    content = client.get(reverse("crisis")).content.decode()

    assert "recommended by this board" not in content


def _every_page(persona) -> list[str]:
    offer = OfferFactory(request=HelpRequestFactory(author=persona))
    return [
        reverse("requests:board"),
        reverse("requests:create"),
        offer.request.get_absolute_url(),
        reverse("requests:edit", args=[offer.request.public_id]),
        offer.get_absolute_url(),
        reverse("requests:mine"),
        reverse("requests:my_offers"),
        reverse("how_it_works"),
        reverse("crisis"),
        reverse("accounts:settings"),
        reverse("account_email"),
        reverse("account_change_password"),
        "/no-such-page/",
    ]


@pytest.mark.django_db
def test_it_links_to_crisis_help_from_every_page_when_signed_in(client):
    person = UserFactory()
    client.force_login(person)

    for url in _every_page(person):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert CRISIS_LINK in response.content.decode(), url


@pytest.mark.django_db
def test_it_links_to_crisis_help_from_every_page_for_visitors(client):
    pages = [
        reverse("requests:board"),
        HelpRequestFactory().get_absolute_url(),
        reverse("how_it_works"),
        reverse("crisis"),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        "/no-such-page/",
    ]

    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert CRISIS_LINK in response.content.decode(), url


# --- Error pages ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_shows_a_friendly_page_for_a_missing_page(client):
    response = client.get("/no-such-page/")

    content = response.content.decode()
    assert response.status_code == 404
    assert "We couldn't find that page" in content
    assert reverse("requests:board") in content


@pytest.mark.django_db
def test_it_shows_the_same_friendly_page_for_a_private_offer(client):
    offer = OfferFactory()
    client.force_login(UserFactory())

    response = client.get(offer.get_absolute_url())

    assert response.status_code == 404
    assert "We couldn't find that page" in response.content.decode()
    assert offer.message not in response.content.decode()


def test_it_renders_the_500_page_without_the_database():
    # No `db` fixture: any query here would fail the test.
    response = views.server_error(RequestFactory().get("/"))

    content = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, something went wrong on our side" in content
    assert "findahelpline.com" in content


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_it_shows_the_500_page_when_a_view_fails(caplog):
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")

    assert response.status_code == 500
    assert "Sorry, something went wrong on our side" in response.content.decode()
    # The details go to the log for the people running the board, not to the page.
    assert "Something broke" not in response.content.decode()
    assert "Something broke" in caplog.text


# --- Local mail (development only) ------------------------------------------------------------


@pytest.fixture
def local_mail(settings, tmp_path):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "board.mail.LocalFileBackend"
    settings.MAIL_DIR = tmp_path / "mail"
    return settings.MAIL_DIR


@pytest.mark.django_db
def test_it_hides_local_mail_outside_a_debug_run(client, settings):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "board.mail.LocalFileBackend"

    assert client.get(reverse("local_mail")).status_code == 404


@pytest.mark.django_db
def test_it_hides_local_mail_when_mail_goes_to_a_real_server(client, settings):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

    assert client.get(reverse("local_mail")).status_code == 404


@pytest.mark.django_db
def test_it_shows_an_empty_local_mailbox(client, local_mail):
    response = client.get(reverse("local_mail"))

    assert response.status_code == 200
    assert "No mail yet." in response.content.decode()


@pytest.mark.django_db
def test_it_keeps_mail_as_files_and_lists_it_in_a_debug_run(client, local_mail):
    mail.send_mail(
        "A test subject",
        "Read it at http://127.0.0.1:8000/offers/abc/",
        "board@localhost",
        ["dev@example.org"],
    )

    assert len(list(local_mail.glob("*.eml"))) == 1
    response = client.get(reverse("local_mail"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "A test subject" in content
    assert "dev@example.org" in content
    assert '<a href="http://127.0.0.1:8000/offers/abc/"' in content
    # The footer links to it, in a debug run only.
    assert reverse("local_mail") in content


@pytest.mark.django_db
def test_it_lists_the_newest_local_mail_first(client, local_mail):
    for subject in ["First message", "Second message"]:
        mail.send_mail(subject, "Body", "board@localhost", ["dev@example.org"])

    content = client.get(reverse("local_mail")).content.decode()

    assert content.index("Second message") < content.index("First message")


# --- Markdown people write -------------------------------------------------------------------


def test_it_renders_simple_markdown():
    html = render_markdown("Some **bold** and *soft* words.\n\n- one\n- two")

    assert "<strong>bold</strong>" in html
    assert "<em>soft</em>" in html
    assert "<li>one</li>" in html


def test_it_makes_script_tags_inert():
    html = render_markdown("Hello <script>alert('x')</script> there")

    assert "<script" not in html
    assert "&lt;script&gt;" in html


def test_it_drops_javascript_links():
    html = render_markdown("[click me](javascript:alert(1)) and <javascript:alert(2)>")

    assert 'href="javascript' not in html.lower()
    assert "<a " not in html


@pytest.mark.parametrize(
    "source",
    [
        '<img src="x" onerror="alert(1)">',
        '<a href="https://example.org" onclick="alert(1)">hi</a>',
        "<p onmouseover=alert(1)>hover</p>",
    ],
)
def test_it_makes_event_handler_attributes_inert(source):
    html = render_markdown(source)

    assert "<img" not in html
    assert "<p onmouseover" not in html
    assert "<a href" not in html
    # What was typed is shown as text, escaped.
    assert "&lt;" in html


def test_it_does_not_show_images():
    html = render_markdown("![a picture](https://tracker.example.org/pixel.png)")

    assert "<img" not in html
    assert "src=" not in html


@pytest.mark.parametrize(
    "source",
    [
        "<div style='position:fixed'>covering the page</div>",
        "<iframe src='https://example.org'></iframe>",
        "<form action='https://example.org'><input name='password'></form>",
        "<style>body{display:none}</style>",
    ],
)
def test_it_shows_raw_html_as_text(source):
    html = render_markdown(source)

    for tag in ("<div", "<iframe", "<form", "<input", "<style"):
        assert tag not in html
    assert "&lt;" in html


def test_it_marks_links_as_user_content():
    html = render_markdown("See [this guide](https://example.org/guide).")

    assert 'href="https://example.org/guide"' in html
    rel = html.split('rel="', 1)[1].split('"', 1)[0].split()
    assert {"nofollow", "ugc", "noopener"} <= set(rel)


def test_it_demotes_headings_below_the_page_title():
    html = render_markdown("# Big\n\n## Bigger")

    assert "<h1>" not in html
    assert "<h2>" not in html
    assert html.count("<h3>") == 2


def test_it_renders_nothing_for_no_text():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""
