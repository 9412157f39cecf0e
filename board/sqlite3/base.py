"""Django's SQLite backend, counting commits (board/dbcommits.py) as the
PostgreSQL one does, so that the page shown when the database is unavailable
tells the truth about what was saved on a local run too."""

from __future__ import annotations

from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper

from board.dbcommits import CountsCommits


class DatabaseWrapper(CountsCommits, SQLiteDatabaseWrapper):
    pass
