"""`manage.py outbox_status`: the outbox's state, for people and monitors.

Exit codes: 0 all well, 1 stalled (a due email, or a row whose worker
stopped renewing its lease, waiting longer than BOARD_OUTBOX_MAX_AGE_SECONDS),
2 the database could not be reached. This, not /readyz, is what a monitor
should alert on: the readiness probe stays 200 while the outbox is stalled.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError

from notifications.health import outbox_health

STALLED, NO_DATABASE = 1, 2


class Command(BaseCommand):
    help = "Show the email outbox's backlog; exit 1 if it is stalled, 2 without a database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print JSON, for monitors")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            state = outbox_health()
        except DatabaseError as exc:
            self.stderr.write(f"outbox: the database could not be reached ({exc})")
            sys.exit(NO_DATABASE)
        if options["json"]:
            self.stdout.write(json.dumps(state.as_dict()))
        else:
            oldest = "none due" if state.oldest_age is None else f"{state.oldest_age:.0f}s"
            self.stdout.write(
                f"outbox: {state.backlog} waiting, oldest due {oldest} "
                f"(threshold {state.threshold}s), {state.lapsed} with a lapsed lease, "
                f"{state.failed} failed: {'STALLED' if state.stalled else 'ok'}"
            )
        if state.stalled:
            sys.exit(STALLED)
