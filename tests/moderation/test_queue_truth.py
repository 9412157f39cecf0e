"""Issue 14, what moderators see: a refused warning kept every choice but the one
that mattered (the form came back with "Hide it" selected, and the next press
hid instead of warning). Each action is now its own button that names what it
does; nothing is chosen for the moderator."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from moderation.models import ModerationAction, Report
from notifications.models import Notification
from tests.factories import HelpRequestFactory, OfferFactory, UserFactory
from tests.support.personas import login

pytestmark = pytest.mark.django_db

QUEUE = "/moderation/"
NOTE = "Please keep to the board's guidelines: be kind, and no advertising."


@pytest.fixture
def wren():
    return UserFactory(display_name="Wren Walker", email="wren@example.org")


@pytest.fixture
def reported(wren, outsider):
    help_request = HelpRequestFactory(author=wren, title="Cheap pills, message me")
    return Report.objects.create(reporter=outsider, help_request=help_request, reason="spam")


def _act(client, report, *, follow: bool = False, **data):
    return client.post(reverse("moderation:report_action", args=[report.pk]), data, follow=follow)


def _card(page: str, report: Report) -> str:
    start = page.index(f'id="report-{report.pk}"')
    return page[start : page.index("</article>", start)]


def test_each_choice_is_a_button_that_says_what_it_does_and_none_is_preselected(
    mod_client, reported
):
    card = _card(mod_client.get(QUEUE).content.decode(), reported)

    assert "<select" not in card
    assert "selected" not in card
    assert "Do it" not in card
    buttons = re.findall(r'<button type="submit" name="action" value="(\w+)"[^>]*>([^<]+)<', card)
    assert buttons == [
        ("hide", "Hide it"),
        ("dismiss", "Dismiss the report"),
        ("warn", "Warn Wren Walker"),
        ("suspend", "Suspend Wren Walker"),
    ]


def test_an_anonymous_author_is_named_on_the_buttons_by_alias_only(mod_client, outsider, wren):
    help_request = HelpRequestFactory(author=wren, is_anonymous=True)
    report = Report.objects.create(reporter=outsider, help_request=help_request, reason="spam")

    card = _card(mod_client.get(QUEUE).content.decode(), report)

    assert f"Warn {help_request.alias}" in card
    assert "Wren" not in card.replace(help_request.alias, "")


def test_a_refused_warning_keeps_every_choice_and_then_warns(
    mod_client, reported, wren, django_capture_on_commit_callbacks, mailoutbox
):
    refused = _act(mod_client, reported, action="warn", note="   ", also_hide="on")

    assert refused.status_code == 400
    card = _card(refused.content.decode(), reported)
    assert "To warn Wren Walker, please write a note" in card
    assert "Nothing was done yet" in card
    # The tick is still ticked, the note field is focused, no action is chosen for them.
    assert re.search(r'<input type="checkbox" name="also_hide" checked>', card)
    assert "autofocus" in card
    assert "selected" not in card
    assert not ModerationAction.objects.exists()
    reported.help_request.refresh_from_db()
    assert not reported.help_request.is_hidden

    with django_capture_on_commit_callbacks(execute=True):
        done = _act(mod_client, reported, action="warn", note=NOTE, follow=True)

    # It warned (not hid), and the confirmation says what was done.
    assert [a.kind for a in ModerationAction.objects.all()] == ["warn"]
    reported.help_request.refresh_from_db()
    assert not reported.help_request.is_hidden
    wren.refresh_from_db()
    assert wren.warnings == 1
    assert "Wren Walker is warned and can read your note." in done.content.decode()
    assert Notification.objects.filter(kind="moderator_warning", recipient=wren).exists()
    note_page = login(wren).get(Notification.objects.get(kind="moderator_warning").url)
    assert escape(NOTE) in note_page.content.decode()


@pytest.mark.parametrize(
    ("action", "said"),
    [
        ("hide", "The request is hidden from everyone but its author."),
        ("dismiss", "The report is dismissed"),
    ],
)
def test_the_confirmation_says_what_was_done(mod_client, reported, action, said):
    response = _act(mod_client, reported, action=action, follow=True)

    page = response.content.decode()
    assert said in page
    assert "It's in the moderation log." in page.replace("&#x27;", "'")
    assert ModerationAction.objects.get().kind == action


def test_held_offer_cards_ask_only_for_what_they_use(mod_client, settings):
    offer = OfferFactory(held_for_review=True)

    page = mod_client.get(QUEUE).content.decode()
    start = page.index('id="held-heading"')
    held = page[start:]

    assert "required to warn or suspend" not in page
    assert escape(offer.message) in held
    assert "pass the offer on, the helper reads it" in held
    assert 'value="approve"' in held and 'value="reject"' in held
    assert 'value="warn"' not in held


def test_the_log_has_a_header_for_every_column_and_labels_every_cell(mod_client, reported):
    _act(mod_client, reported, action="hide")

    page = mod_client.get(reverse("moderation:log")).content.decode()

    headers = re.findall(r"<th>([^<]*)</th>", page)
    assert headers and all(h.strip() for h in headers)
    cells = re.findall(r"<td( data-label=\"[^\"]+\")?>", page)
    assert cells and all(cells)
    assert "Show again" in page
