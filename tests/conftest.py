"""Shared fixtures: the personas of every story on the board."""

import pytest

from tests.factories import HelpRequestFactory, UserFactory


@pytest.fixture
def asker(db):
    return UserFactory(display_name="Asha Asker", email="asha@example.org")


@pytest.fixture
def helper(db):
    return UserFactory(display_name="Hugo Helper", email="hugo@example.org")


@pytest.fixture
def outsider(db):
    return UserFactory(display_name="Otto Outsider", email="otto@example.org")


@pytest.fixture
def moderator(db):
    return UserFactory(display_name="Mo Moderator", email="mo@example.org", is_staff=True)


@pytest.fixture
def help_request(asker):
    return HelpRequestFactory(author=asker)


@pytest.fixture
def anonymous_request(asker):
    return HelpRequestFactory(author=asker, is_anonymous=True)
