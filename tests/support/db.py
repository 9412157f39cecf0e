"""Data a whole module of tests shares, written once and rolled back at the end."""

from __future__ import annotations

import ast
import hashlib
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import django
from django.conf import settings
from django.db import connections, transaction


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


# --- The migrated database, kept between runs ----------------------------------------
#
# Each pytest-xdist worker has its own in-memory SQLite database, and `--reuse-db`
# cannot keep one of those: every run made each worker apply all the migrations
# again (about 8 s of CPU each). The database they make is the same as long as the
# migrations are, so it is kept under var/ after the first run, named by a digest of
# every migration file (and the project modules they import), Django and SQLite,
# and copied into the worker's database instead of migrating. The post_migrate
# signal is still sent, as `migrate` would.

CACHE_DIR = Path(settings.BASE_DIR) / "var" / "test-db-cache"


def _local_imports(path: Path) -> Iterator[Path]:
    """The project's own modules a migration file imports (a data migration's helpers)."""
    base = Path(settings.BASE_DIR)
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            for candidate in (
                base / f"{name.replace('.', '/')}.py",
                base / name.replace(".", "/") / "__init__.py",
            ):
                if candidate.is_file() and ".venv" not in candidate.parts:
                    yield candidate


def migrations_digest() -> str:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    files: set[Path] = set()
    for migration in loader.disk_migrations.values():
        path = Path(sys.modules[type(migration).__module__].__file__)
        files.add(path)
        files.update(_local_imports(path))
    digest = hashlib.sha256(f"{django.__version__} {sqlite3.sqlite_version}".encode())
    for path in sorted(files):
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


@contextmanager
def migrations_kept_between_runs() -> Iterator[None]:
    """While the test databases are set up: `migrate` into an in-memory SQLite
    database loads the kept copy if there is one, and keeps one otherwise."""
    from django.core.management.commands import migrate
    from django.core.management.sql import emit_post_migrate_signal

    original = migrate.Command.handle

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite" or not connection.is_in_memory_db():
            return original(self, *args, **options)
        kept = CACHE_DIR / f"{migrations_digest()}.sqlite3"
        connection.ensure_connection()
        if kept.is_file():
            source = sqlite3.connect(kept)
            try:
                source.backup(connection.connection)
            finally:
                source.close()
            emit_post_migrate_signal(0, False, connection.alias)
            return None
        result = original(self, *args, **options)
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        partial = kept.with_suffix(f".{os.getpid()}.tmp")
        target = sqlite3.connect(partial)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        os.replace(partial, kept)  # whole or not at all, should two workers race
        return result

    migrate.Command.handle = handle
    try:
        yield
    finally:
        migrate.Command.handle = original
