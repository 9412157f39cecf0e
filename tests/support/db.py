"""Data a whole module of tests shares, written once and rolled back at the end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction


@contextmanager
def shared_transaction(django_db_blocker) -> Iterator[None]:
    """An outer transaction for a module: rows written inside it stay for every test
    of the module, each test's own transaction (pytest-django's `db`, a TestCase's
    atomic blocks) nests inside it as a savepoint, so what a test changes is rolled
    back before the next test, and everything is rolled back when the block ends.

    Use from a module-scoped fixture that depends on `django_db_setup`, and let the
    tests use `db` (not `transactional_db`, which would flush the shared rows)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        # As Django's TestCase marks its own class-wide atomic block: code under test
        # may open `atomic(durable=True)` blocks inside it.
        atomic._from_testcase = True
        atomic.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
