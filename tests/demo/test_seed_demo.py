"""`manage.py seed_demo`: kind demo content that follows the board's rules."""

import re
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.db.models import Count, F, Q

from accounts.models import User
from notifications.models import Notification
from requests import services
from requests.models import Category, HelpRequest, Message, Offer

pytestmark = pytest.mark.django_db


def demo_users():
    return User.objects.filter(email__endswith="@example.org")


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def assert_board_is_consistent():
    # offer_count is the number of offers that were not withdrawn.
    counted = HelpRequest.objects.annotate(
        kept=Count("offers", filter=~Q(offers__status=Offer.Status.WITHDRAWN))
    )
    assert [(r.pk, r.offer_count) for r in counted] == [(r.pk, r.kept) for r in counted]
    # Nobody offers on their own request or talks in someone else's conversation.
    assert not Offer.objects.filter(helper=F("request__author")).exists()
    assert not Message.objects.exclude(
        Q(sender=F("offer__helper")) | Q(sender=F("offer__request__author"))
    ).exists()
    # A matched or resolved request has exactly one accepted offer; others none.
    accepted = HelpRequest.objects.annotate(
        accepted=Count("offers", filter=Q(offers__status=Offer.Status.ACCEPTED))
    )
    for item in accepted:
        expected = 1 if item.status in ("matched", "resolved") else 0
        assert item.accepted == expected, (item.status, item.accepted)
    assert not HelpRequest.objects.filter(status="resolved", resolved_at=None).exists()
    # The periodic tasks find nothing to warn about, expire or show again,
    # so a first `make beat` does not email every demo person.
    assert services.expire_requests() == (0, 0)
    assert services.resurface_unanswered() == 0


@pytest.mark.parametrize("bulk", [False, True], ids=["services", "bulk"])
def test_seed_creates_a_varied_consistent_board(bulk):
    output = seed(requests=30, users=8, seed=7, bulk=bulk)

    assert HelpRequest.objects.count() == 30
    assert demo_users().count() == 8
    anonymous = HelpRequest.objects.filter(is_anonymous=True).count()
    assert 0 < anonymous < 30
    assert set(HelpRequest.objects.values_list("category", flat=True)) == set(
        Category.objects.values_list("pk", flat=True)
    )
    assert set(HelpRequest.objects.values_list("response_kind", flat=True)) == set(
        HelpRequest.ResponseKind.values
    )
    assert {"open", "matched", "resolved", "closed"} <= set(
        HelpRequest.objects.values_list("status", flat=True)
    )
    assert Offer.objects.exists()
    assert Message.objects.exists()
    assert_board_is_consistent()

    for user in demo_users():
        assert EmailAddress.objects.filter(
            user=user, email=user.email, verified=True, primary=True
        ).exists()
        assert user.check_password("demo-password-123")
    assert "demo-password-123" in output
    # Seeding never emails anyone.
    assert not Notification.objects.filter(state=Notification.State.QUEUED).exists()


def test_if_empty_adds_nothing_to_a_board_with_requests():
    seed(requests=5, users=3, seed=1)
    counts = (HelpRequest.objects.count(), Offer.objects.count(), User.objects.count())

    output = seed(requests=5, users=3, seed=1, if_empty=True)

    assert (HelpRequest.objects.count(), Offer.objects.count(), User.objects.count()) == counts
    assert "no demo content added" in output


def test_running_again_adds_content_and_reuses_people():
    seed(requests=10, users=5, seed=1)
    seed(requests=10, users=5, seed=2)

    assert HelpRequest.objects.count() == 20
    assert demo_users().count() == 5
    assert EmailAddress.objects.filter(user__in=demo_users()).count() == 5
    assert_board_is_consistent()


def test_anonymous_request_page_does_not_show_its_author(client):
    seed(requests=12, users=4, seed=3)
    anonymous = HelpRequest.objects.filter(is_anonymous=True).select_related("author").first()

    page = client.get(anonymous.get_absolute_url()).content.decode()

    assert "Anonymous" in page
    assert not re.search(rf"\b{re.escape(anonymous.author.display_name)}\b", page)
    assert anonymous.author.email not in page
