"""Names and text that deceive.

A display name that reads as an anonymous request's alias ("Anonymous Otter")
is refused on every path (sign-up, settings page, API), however it is
disguised. Bidirectional control characters, which make text display as
something it doesn't say, never get stored: not in titles, bodies, offers,
messages, reports or names, whichever way they are written.
"""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from rest_framework.test import APIClient

from accounts.models import User
from board.text import BIDI_CONTROLS
from moderation.models import Report
from requests.models import Category, HelpRequest, Message, Offer
from tests.factories import HelpRequestFactory, MessageFactory, OfferFactory

PASSWORD = "a-good-long-password-123"
ALIAS_LOOKALIKES = [
    "Anonymous Otter",
    "Anonymous\u2060 Otter",  # word joiner
    "Anonymous\u200b Otter",  # zero-width space
    "Anonymous-Otter",
    "Anonymous_Otter",
    "AnonymousOtter",
    "Anony\u200dmous Otter",  # zero-width joiner
    "Anonymous\u200bOtter",
    "Anonymous.Otter",
    "Anon\u00adymous Otter",  # soft hyphen
    "\uff21\uff4e\uff4f\uff4e\uff59\uff4d\uff4f\uff55\uff53 Otter",  # full-width
    "\u0410n\u043enym\u043eus Otter",  # Cyrillic A and o
    "An0nymous Otter",
    "\u202eAnonymous Otter",
    "anonymous",
    "aNoNyMoUs",
]
ARABIC_NAME = "\u0645\u062d\u0645\u062f \u0631\u0636\u0627"
PERSIAN_WITH_JOINER = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
FINE_NAMES = {
    "Anna Nymous": "Anna Nymous",
    "Anonymousse": "Anonymousse",
    "Mia\u2060 Member": "Mia Member",
    "\uff2d\uff49\uff41 Member": "Mia Member",  # full-width letters become plain ones
    "Zo\u00eb \u202eReyes": "Zo\u00eb Reyes",
    ARABIC_NAME: ARABIC_NAME,
    PERSIAN_WITH_JOINER: PERSIAN_WITH_JOINER,  # the zero-width non-joiner stays
}
SPOOF = (
    "Nice request \u202egnp.exe \u2066x\u2069 "
    "\u200f\u061c\u200e\u202a\u202b\u202c\u202d\u2067\u2068"
)


def has_bidi(text: str) -> bool:
    return any(char in text for char in BIDI_CONTROLS)


# --- Display names that pass for an alias ----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ALIAS_LOOKALIKES)
def test_sign_up_refuses_a_name_that_reads_as_an_alias(client, name: str) -> None:
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "display_name": name,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "is kept for anonymous requests" in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()


@pytest.mark.parametrize("name", ALIAS_LOOKALIKES)
def test_the_settings_page_refuses_a_name_that_reads_as_an_alias(client, asker, name) -> None:
    client.force_login(asker)
    response = client.post("/settings/", {"display_name": name})
    assert "is kept for anonymous requests" in response.content.decode()
    asker.refresh_from_db()
    assert asker.display_name == "Asha Asker"


@pytest.mark.parametrize("name", ALIAS_LOOKALIKES)
def test_the_api_refuses_a_name_that_reads_as_an_alias(asker, name: str) -> None:
    client = APIClient()
    client.force_login(asker)
    response = client.patch("/api/v1/me/", {"display_name": name}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "display_name"
    asker.refresh_from_db()
    assert asker.display_name == "Asha Asker"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["Anonymous\u2060 Otter", "Anonymous-Otter"])
def test_the_admin_refuses_a_name_that_reads_as_an_alias_when_adding_a_person(
    client, name: str
) -> None:
    staff = User.objects.create_superuser(email="root@example.org", password=PASSWORD)
    client.force_login(staff)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "added@example.org",
            "display_name": name,
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "is kept for anonymous requests" in response.content.decode()
    assert not User.objects.filter(email="added@example.org").exists()


@pytest.mark.django_db
def test_the_admin_adds_a_person_with_a_plain_name(client) -> None:
    staff = User.objects.create_superuser(email="root@example.org", password=PASSWORD)
    client.force_login(staff)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "added@example.org",
            "display_name": "Mia\u2060 Member",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="added@example.org").display_name == "Mia Member"


@pytest.mark.parametrize(("name", "stored"), FINE_NAMES.items())
def test_other_names_are_kept_normalised_on_every_path(client, asker, name, stored) -> None:
    client.force_login(asker)
    client.post("/settings/", {"display_name": name})
    asker.refresh_from_db()
    assert asker.display_name == stored

    api = APIClient()
    api.force_login(asker)
    response = api.patch("/api/v1/me/", {"display_name": f"{name} 2"}, format="json")
    assert response.status_code == 200
    assert response.json()["display_name"] == f"{stored} 2"


@pytest.mark.django_db
def test_sign_up_stores_the_normalised_name(client) -> None:
    client.post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "display_name": "Nia\u2060 \u202eNew",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert User.objects.get(email="new@example.org").display_name == "Nia New"


# --- Bidirectional controls, on every way in ------------------------------------------------


def test_a_request_posted_on_the_web_keeps_no_bidi_controls(client, asker) -> None:
    client.force_login(asker)
    category = Category.objects.create(name="Worries", slug="worries")
    response = client.post(
        "/requests/new/",
        {
            "title": SPOOF,
            "body": f"{SPOOF} and I would be glad of a kind word.",
            "category": str(category.pk),
            "response_kind": HelpRequest.ResponseKind.LISTEN,
        },
    )
    assert response.status_code == 302
    help_request = HelpRequest.objects.get()
    assert help_request.title == "Nice request gnp.exe x"
    assert not has_bidi(help_request.body)
    page = client.get(help_request.get_absolute_url()).content.decode()
    assert not has_bidi(page)


def test_an_edited_request_keeps_no_bidi_controls(client, help_request) -> None:
    client.force_login(help_request.author)
    client.post(
        f"/requests/{help_request.public_id}/edit/",
        {
            "title": f"Edited {SPOOF}",
            "body": f"Edited body {SPOOF}, still looking for help.",
            "category": str(help_request.category_id),
            "response_kind": help_request.response_kind,
        },
    )
    help_request.refresh_from_db()
    assert help_request.title.startswith("Edited")
    assert not has_bidi(help_request.title + help_request.body)


def test_api_writes_keep_no_bidi_controls(asker, helper, outsider) -> None:
    category = Category.objects.create(name="Worries", slug="worries")
    as_asker, as_helper = APIClient(), APIClient()
    as_asker.force_login(asker)
    as_helper.force_login(helper)

    created = as_asker.post(
        "/api/v1/requests/",
        {
            "title": SPOOF,
            "body": f"{SPOOF} and I would be glad of a kind word.",
            "category": category.slug,
            "response_kind": HelpRequest.ResponseKind.LISTEN,
        },
        format="json",
    )
    assert created.status_code == 201
    assert not has_bidi(created.json()["title"])
    request_id = created.json()["id"]
    offered = as_helper.post(
        f"/api/v1/requests/{request_id}/offers/",
        {"message": f"I can help. {SPOOF}"},
        format="json",
    )
    assert offered.status_code == 201
    assert not has_bidi(offered.json()["message"])
    sent = as_helper.post(
        f"/api/v1/offers/{offered.json()['id']}/messages/", {"body": SPOOF}, format="json"
    )
    assert sent.status_code == 201
    reported = as_helper.post(
        "/api/v1/reports/",
        {"target": "request", "id": request_id, "reason": "other", "details": SPOOF},
        format="json",
    )
    assert reported.status_code == 201

    stored = [
        *HelpRequest.objects.values_list("title", "body"),
        *Offer.objects.values_list("message"),
        *Message.objects.values_list("body"),
        *Report.objects.values_list("details"),
    ]
    assert stored
    assert not any(has_bidi(text) for row in stored for text in row)


def test_web_offers_and_messages_keep_no_bidi_controls(client, help_request, helper) -> None:
    client.force_login(helper)
    client.post(f"/requests/{help_request.public_id}/offer/", {"message": f"I can help. {SPOOF}"})
    offer = Offer.objects.get()
    client.post(offer.get_absolute_url(), {"body": SPOOF})
    assert Message.objects.exists()
    assert not has_bidi(offer.message)
    assert not any(has_bidi(body) for body in Message.objects.values_list("body", flat=True))


@pytest.mark.django_db
def test_the_migration_strips_what_was_stored_before() -> None:
    help_request = HelpRequestFactory()
    offer = OfferFactory(request=help_request)
    message = MessageFactory(offer=offer)
    # update() skips the fields' own cleaning, as the old code's writes did.
    HelpRequest.objects.filter(pk=help_request.pk).update(title=SPOOF, body=SPOOF)
    Offer.objects.filter(pk=offer.pk).update(message=SPOOF)
    Message.objects.filter(pk=message.pk).update(body=SPOOF)
    User.objects.filter(pk=offer.helper_id).update(display_name="Hugo \u202eHelper")
    updated_at = HelpRequest.objects.get().updated_at

    # Each with the models as they stood at that migration (Report has since moved
    # to the moderation app, keeping its table).
    loader = MigrationLoader(connection)
    for app, name in (
        ("requests", "0009_plain_text_fields"),
        ("accounts", "0008_plain_text_fields"),
    ):
        state = loader.project_state((app, name)).apps
        importlib.import_module(f"{app}.migrations.{name}").strip_stored_bidi_controls(state, None)

    help_request.refresh_from_db()
    assert help_request.title.rstrip() == "Nice request gnp.exe x"
    assert help_request.updated_at == updated_at  # nothing else moves
    assert not has_bidi(Offer.objects.get().message + Message.objects.get().body)
    assert User.objects.get(pk=offer.helper_id).display_name == "Hugo Helper"
