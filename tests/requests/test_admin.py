"""The admin, for staff: every page renders, and anonymous askers stay anonymous."""

import pytest
from django.contrib import admin
from django.urls import reverse

from notifications.models import Notification
from requests.models import Category, HelpRequest, Message, Offer
from tests.factories import MessageFactory, NotificationFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(
        display_name="Sam Superuser", email="sam@example.org", is_staff=True, is_superuser=True
    )


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def everything(asker, helper, anonymous_request, help_request):
    """One of each thing the admin manages."""
    offer = OfferFactory(request=anonymous_request, helper=helper)
    return {
        Category: help_request.category,
        HelpRequest: anonymous_request,
        Offer: offer,
        Message: MessageFactory(offer=offer, sender=asker, body="A message from the asker"),
        Notification: NotificationFactory(recipient=asker),
        type(asker): asker,
    }


def _url(obj, view: str, *args) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


MODELS = [Category, HelpRequest, Offer, Message, Notification, "user"]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m if isinstance(m, str) else m.__name__)
def test_it_renders_the_list_and_change_pages(staff_client, everything, model):
    model = type(everything[HelpRequest].author) if model == "user" else model
    obj = everything[model]

    changelist = staff_client.get(_url(model, "changelist"))
    change = staff_client.get(_url(model, "change", obj.pk))

    assert changelist.status_code == 200
    assert change.status_code == 200
    assert changelist.context["cl"].result_count >= 1


def test_it_renders_every_registered_admin_page(staff_client, everything):
    # Anything registered later gets at least its list page checked.
    for model in admin.site._registry:
        response = staff_client.get(_url(model, "changelist"))
        assert response.status_code == 200, model


@pytest.mark.parametrize("query", ["", "?q=thing", "?status__exact=open", "?is_anonymous__exact=1"])
def test_it_filters_and_searches_requests(staff_client, everything, query):
    response = staff_client.get(_url(HelpRequest, "changelist") + query)

    assert response.status_code == 200


def test_it_adds_a_category(staff_client):
    response = staff_client.post(
        _url(Category, "add"),
        {"name": "Housing", "slug": "housing", "description": "A place to live.", "order": 9},
    )

    assert response.status_code == 302
    assert Category.objects.filter(slug="housing").exists()


def test_it_lets_a_moderator_hide_a_request(staff_client, help_request):
    # Through the "hide" action (the moderation service), not the form.
    response = staff_client.post(
        _url(HelpRequest, "changelist"), {"action": "hide", "_selected_action": [help_request.pk]}
    )

    assert response.status_code == 302
    help_request.refresh_from_db()
    assert help_request.is_hidden is True


def test_it_keeps_the_author_of_an_anonymous_request_out_of_the_admin(
    staff_client, asker, anonymous_request
):
    pages = [
        staff_client.get(_url(HelpRequest, "changelist")),
        staff_client.get(_url(HelpRequest, "change", anonymous_request.pk)),
    ]

    for response in pages:
        content = response.content.decode()
        assert response.status_code == 200
        assert anonymous_request.title in content
        assert "Anonymous" in content
        assert asker.display_name not in content
        assert asker.email not in content


def test_it_shows_the_author_of_a_named_request(staff_client, asker, help_request):
    content = staff_client.get(_url(HelpRequest, "changelist")).content.decode()

    assert asker.display_name in content
    assert asker.email not in content


def test_it_shows_an_anonymous_asker_in_messages_as_anonymous(
    staff_client, asker, helper, anonymous_request
):
    offer = OfferFactory(request=anonymous_request, helper=helper)
    from_asker = MessageFactory(offer=offer, sender=asker, body="Thank you for offering")
    MessageFactory(offer=offer, sender=helper, body="You're welcome")

    changelist = staff_client.get(_url(Message, "changelist")).content.decode()
    change = staff_client.get(_url(Message, "change", from_asker.pk)).content.decode()

    assert f"{anonymous_request.alias} (asker)" in changelist
    assert f"{anonymous_request.alias} (asker)" in change
    assert helper.display_name in changelist
    for content in (changelist, change):
        assert asker.display_name not in content
        assert asker.email not in content


def test_it_names_a_named_asker_in_messages(staff_client, asker, helper, offer):
    MessageFactory(offer=offer, sender=asker)

    content = staff_client.get(_url(Message, "changelist")).content.decode()

    assert "Asha Asker (asker)" in content


def test_it_keeps_notification_payloads_private(staff_client, asker):
    notification = NotificationFactory(recipient=asker, payload={"excerpt": "private words"})

    content = staff_client.get(_url(Notification, "change", notification.pk)).content.decode()

    assert "private words" not in content
    assert asker.email not in content


def test_it_keeps_the_admin_from_people_who_are_not_staff(client, outsider):
    client.force_login(outsider)

    response = client.get(_url(HelpRequest, "changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
