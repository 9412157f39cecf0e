"""Counting commits on a database connection, for every backend the board uses
(board.postgresql, board.sqlite3).

board.middleware.DatabaseUnavailableMiddleware compares the count before and
after a request: a request that attempted no COMMIT (and ran no statement outside
a transaction) wrote nothing, so it may be run again, and the person may simply
send their form again; one that did may have saved what they sent, and the page
must say so rather than offer to send it twice.
"""

from __future__ import annotations


class CountsCommits:
    """Mixed into a backend's DatabaseWrapper, before the backend's own class."""

    # How many times a COMMIT was attempted on this connection.
    commits = 0

    def commit(self) -> None:
        self.commits += 1
        # A mixin: the backend's DatabaseWrapper after it in the MRO has commit().
        super().commit()  # type: ignore[misc]
