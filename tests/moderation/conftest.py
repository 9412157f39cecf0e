"""Personas for moderation stories: a moderator in the Moderators group."""

import pytest
from django.test import Client

from accounts.moderation import make_moderator


@pytest.fixture
def mod(moderator):
    return make_moderator(user=moderator)


@pytest.fixture
def mod_client(mod) -> Client:
    client = Client()
    client.force_login(mod)
    return client


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
