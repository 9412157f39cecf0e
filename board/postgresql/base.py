"""Django's PostgreSQL backend, waiting a little for a database that is
restarting instead of failing the request at once.

A restart (`pg_ctl restart`, a failover) refuses new connections for a second
or two. With CONN_HEALTH_CHECKS a connection the restart killed is noticed
and replaced at the start of the next request; here, making that new
connection is tried again for up to CONNECT_RETRY_SECONDS (a key of the
database's settings) before the error reaches the view, which then answers
with the kind 503 page (board.middleware.DatabaseUnavailableMiddleware).
Only connecting is retried here: no statement has been sent, so nothing can
be written twice. The backend also counts commits, which tells the middleware
whether a request cut off by a restart may safely run again.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db.backends.postgresql.base import DatabaseWrapper as PostgresDatabaseWrapper

from board.dbcommits import CountsCommits

log = logging.getLogger(__name__)

FIRST_PAUSE = 0.1
LONGEST_PAUSE = 1.0


class DatabaseWrapper(CountsCommits, PostgresDatabaseWrapper):
    # Counts commits (board/dbcommits.py): a request that attempted none wrote
    # nothing, so it may be run again after a dropped connection
    # (board.middleware.DatabaseUnavailableMiddleware).

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        patience = float(self.settings_dict.get("CONNECT_RETRY_SECONDS") or 0)
        deadline = time.monotonic() + patience
        pause = FIRST_PAUSE
        while True:
            try:
                return super().get_new_connection(conn_params)
            except self.Database.OperationalError as error:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise
                log.warning("Could not connect to the database (%s); trying again.", error)
                time.sleep(min(pause, left))
                pause = min(pause * 2, LONGEST_PAUSE)
