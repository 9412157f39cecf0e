"""Personas for moderation stories: a moderator in the Moderators group."""

import pytest
from django.test import Client

from moderation.services import make_moderator
from tests.support.personas import login


@pytest.fixture
def mod(moderator):
    return make_moderator(user=moderator)


@pytest.fixture
def mod_client(mod) -> Client:
    return login(mod)
