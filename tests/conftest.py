"""Shared fixtures: the personas of every story on the board."""

import pytest
from django.core.cache import cache

from tests.factories import HelpRequestFactory, OfferFactory
from tests.support.db import migrations_kept_between_runs
from tests.support.personas import new_asker, new_helper, new_moderator, new_outsider


class KeptMigrations:
    """pytest-django's `django_db_setup` migrates each worker's in-memory database:
    from the copy kept by an earlier run with the same migrations, when there is one
    (tests/support/db.py). A plugin, not a conftest hook: the session's fixtures
    see only global hooks."""

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef, request):
        if fixturedef.argname != "django_db_setup":
            yield
            return
        with migrations_kept_between_runs():
            yield


def pytest_configure(config):
    config.pluginmanager.register(KeptMigrations(), "kept-migrations")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """`--dist loadgroup` (as `make test` runs) sends the tests of one `xdist_group` to
    one worker by the "@group" suffix pytest-xdist 3.8 adds to their node ids, by
    setting `item._nodeid`; pytest 9.2 builds node ids from `item._id` and ignores that,
    so the groups were lost (and with them the shared anonymity crawls). Put the suffix
    where pytest 9.2 reads it; a no-op where xdist's own suffix took."""
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        names = sorted({str(mark.args[0]) for mark in item.iter_markers("xdist_group")})
        node_id = getattr(item, "_id", None)
        if not names or "@" in item.nodeid or node_id is None:
            continue
        object.__setattr__(node_id, "_str_cache", f"{item.nodeid}@{'_'.join(names)}")


@pytest.fixture
def asker(db):
    return new_asker()


@pytest.fixture
def helper(db):
    return new_helper()


@pytest.fixture
def outsider(db):
    return new_outsider()


@pytest.fixture
def moderator(db):
    return new_moderator()


@pytest.fixture
def help_request(asker):
    return HelpRequestFactory(author=asker)


@pytest.fixture
def anonymous_request(asker):
    return HelpRequestFactory(author=asker, is_anonymous=True)


@pytest.fixture
def offer(help_request, helper):
    """The helper's pending offer on the asker's request (counted, as make_offer would)."""
    help_request.offer_count = 1
    help_request.save(update_fields=["offer_count"])
    return OfferFactory(request=help_request, helper=helper)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: allauth keeps its rate limits there
    (one verification email per address every few minutes), which would
    otherwise leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()
