"""Stored-XSS attempts in every user-written field render inert wherever they show,
and Markdown links are marked as user content, with no images and no raw HTML."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from board.markdown import render_markdown
from requests import services
from tests.factories import CategoryFactory, UserFactory

ATTACKS = [
    "<script>alert('x1')</script>",
    '<img src=x onerror="alert(2)">',
    "<svg onload=alert(3)><circle r=1 /></svg>",
    '<a href="javascript:alert(4)">four</a>',
    "[five](javascript:alert(5))",
    "[six](JaVaScRiPt:alert(6))",
    '<iframe src="javascript:alert(7)"></iframe>',
    '"><b onmouseover=alert(8)>x</b>',
    "![nine](https://evil.example/x.png)",
    "[ten](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMCk8L3NjcmlwdD4=)",
]
PAYLOAD = " ".join(ATTACKS)
# Live markup: a tag the attacker opened, not escaped text. Attributes are read
# whole, so an escaped attack inside a quoted value (a form field) is not a tag.
ATTRS = r"""(?:\s+[\w:-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*"""
LIVE = [
    (re.compile(r"<script[^>]*>\s*alert", re.I), "a script element"),
    (re.compile(rf"<[a-z]+{ATTRS}\s+on\w+\s*=", re.I), "an event handler"),
    (re.compile(r"<svg", re.I), "an SVG element"),
    (re.compile(r"<iframe", re.I), "an iframe"),
    (re.compile(r"<img[^>]*evil\.example", re.I), "an image"),
    (
        re.compile(rf"""<[a-z]+{ATTRS}\s+(href|src)\s*=\s*["']?\s*(javascript|data):""", re.I),
        "a script URL",
    ),
]


def live_markup(page: str) -> list[str]:
    return [what for pattern, what in LIVE if pattern.search(page)]


@pytest.fixture
def attack(db, django_capture_on_commit_callbacks):
    """Every field a person writes, filled with attacks."""
    asker = UserFactory(display_name="<script>alert('n')</script><svg onload=alert(1)>")
    helper = UserFactory(display_name='<img src=x onerror="alert(9)">')
    category = CategoryFactory()
    with django_capture_on_commit_callbacks(execute=True):
        help_request = services.create_request(
            author=asker,
            title="<script>alert('t')</script><svg onload=alert(1)>",
            body=PAYLOAD,
            category=category,
            response_kind="listen",
            is_anonymous=False,
        )
        offer = services.make_offer(help_request=help_request, helper=helper, message=PAYLOAD)
        services.accept_offer(offer=offer, by=asker)
        services.send_message(offer=offer, sender=helper, body=PAYLOAD)
        services.send_message(offer=offer, sender=asker, body=PAYLOAD)
    return asker, helper, help_request, offer


def test_attacks_render_inert_on_every_page_they_show(attack):
    asker, helper, help_request, offer = attack
    visitor = Client()
    as_asker, as_helper = Client(), Client()
    as_asker.force_login(asker)
    as_helper.force_login(helper)
    pages = {
        "board (visitor)": visitor.get(reverse("requests:board"), {"status": "any"}),
        "request (visitor)": visitor.get(help_request.get_absolute_url()),
        "request (asker)": as_asker.get(help_request.get_absolute_url()),
        "request (helper)": as_helper.get(help_request.get_absolute_url()),
        "conversation (asker)": as_asker.get(offer.get_absolute_url()),
        "conversation (helper)": as_helper.get(offer.get_absolute_url()),
        "my requests": as_asker.get(reverse("requests:mine")),
        "my offers": as_helper.get(reverse("requests:my_offers")),
        "notifications (asker)": as_asker.get(reverse("notifications")),
        "notifications (helper)": as_helper.get(reverse("notifications")),
        "settings (asker)": as_asker.get(reverse("accounts:settings")),
    }
    problems = []
    for name, response in pages.items():
        assert response.status_code == 200, name
        page = response.content.decode()
        problems += [f"{name}: {what}" for what in live_markup(page)]
    assert not problems, problems

    # Not vacuous: the attacks are on the pages, escaped.
    conversation = pages["conversation (helper)"].content.decode()
    assert "&lt;script&gt;alert(&#x27;x1&#x27;)&lt;/script&gt;" in conversation
    assert "&lt;script&gt;alert(&#x27;t&#x27;)" in pages["board (visitor)"].content.decode()
    assert "&lt;script&gt;alert(&#x27;n&#x27;)" in pages["request (visitor)"].content.decode()


def test_emails_carry_the_attacks_inert(attack, mailoutbox):
    assert mailoutbox
    for message in mailoutbox:
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                assert not live_markup(str(content)), message.subject


# --- Markdown -----------------------------------------------------------------------------


def test_links_are_marked_as_user_content():
    html = render_markdown("[a helpline](https://findahelpline.com)")
    rel = re.search(r'rel="([^"]+)"', html).group(1).split()
    assert {"nofollow", "ugc", "noopener"} <= set(rel)
    assert 'href="https://findahelpline.com"' in html


def test_markdown_has_no_images():
    html = render_markdown("![a cat](https://example.org/cat.png)")
    assert "<img" not in html


def test_markdown_has_no_raw_html():
    html = render_markdown('<b>bold</b> <div class="x">block</div>\n\n<span>x</span>')
    assert "<b>" not in html
    assert "<div" not in html
    assert "<span" not in html
    assert "&lt;b&gt;" in html


@pytest.mark.parametrize("attack", ATTACKS)
def test_markdown_neutralises_each_attack(attack):
    assert not live_markup(render_markdown(attack))
