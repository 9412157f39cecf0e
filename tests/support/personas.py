"""The people of every story on the board, and the builders tests share.

tests/conftest.py turns the personas into fixtures (`asker`, `helper`,
`outsider`, `moderator`); code that builds a world outside a test's fixtures
(the anonymity world, built once per module) calls them directly.
"""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from accounts.models import User
from requests import services
from requests.models import HelpRequest, Offer
from tests.factories import HelpRequestFactory, OfferFactory, UserFactory


def new_asker() -> User:
    return UserFactory(display_name="Asha Asker", email="asha@example.org")


def new_helper() -> User:
    return UserFactory(display_name="Hugo Helper", email="hugo@example.org")


def new_outsider() -> User:
    return UserFactory(display_name="Otto Outsider", email="otto@example.org")


def new_moderator() -> User:
    """A staff member; moderation.services.make_moderator puts them in the Moderators group."""
    return UserFactory(display_name="Mo Moderator", email="mo@example.org", is_staff=True)


def login(user) -> Client:
    """A test client signed in as `user`."""
    client = Client()
    client.force_login(user)
    return client


def accepted(asker, helper, **kwargs) -> tuple[HelpRequest, Offer]:
    """A request of `asker` with `helper`'s offer accepted, through the services."""
    help_request = HelpRequestFactory(author=asker, **kwargs)
    offer = services.make_offer(
        help_request=help_request, helper=helper, message="I'd be glad to help you with this."
    )
    services.accept_offer(offer=offer, by=asker)
    offer.refresh_from_db()
    help_request.refresh_from_db()
    return help_request, offer


def resolved(asker, helper, **kwargs) -> tuple[HelpRequest, Offer]:
    """As `accepted`, then resolved by the asker."""
    help_request, offer = accepted(asker, helper, **kwargs)
    services.resolve_request(help_request=help_request, by=asker)
    help_request.refresh_from_db()
    return help_request, offer


def busy_month(people: int) -> None:
    """`people` askers this month, each with one request a day old and one offer two
    hours in; every helper has also asked (what the public figures count)."""
    now = timezone.now()
    for _ in range(people):
        created = now - timedelta(days=1, hours=1)
        help_request = HelpRequestFactory(created_at=created, offer_count=1)
        helper = UserFactory()
        OfferFactory(request=help_request, helper=helper, created_at=created + timedelta(hours=2))
        HelpRequestFactory(author=helper)
    # Keep every request inside this month, whatever today's date.
    HelpRequest.objects.filter(created_at__lt=now.replace(day=1, hour=0, minute=0)).update(
        created_at=now.replace(day=1, hour=0, minute=1)
    )
