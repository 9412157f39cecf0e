"""Wording that is said once, in one voice (issue 11)."""

import pytest

from tests.support.personas import login

pytestmark = pytest.mark.django_db

NOBODY_YET = "Nobody has offered yet."


def test_it_tells_the_asker_once_that_nobody_has_offered_yet(asker, help_request):
    page = login(asker).get(help_request.get_absolute_url()).content.decode()

    assert page.count(NOBODY_YET) == 1
    assert "No offers are waiting" not in page
    assert "we'll email you as soon as someone offers" in page


def test_it_tells_others_too_that_nobody_has_offered_yet(outsider, help_request):
    page = login(outsider).get(help_request.get_absolute_url()).content.decode()

    assert page.count(NOBODY_YET) == 1


def test_it_counts_the_offers_for_the_asker_once_there_are_some(asker, help_request, offer):
    page = login(asker).get(help_request.get_absolute_url()).content.decode()

    assert "1 person has offered to help." in page
    assert NOBODY_YET not in page
