"""Run the periodic jobs on their schedule, without a broker or beat (`make run`)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from board import scheduler

# Wake at least this often (seconds), so a clock change or a sleeping laptop
# is noticed soon.
MAX_NAP = 30.0


class Command(BaseCommand):
    help = (
        "Run the periodic jobs (digests, expiry, resurfacing, the outbox sweeper) on "
        "their schedule in this process: the embedded default's stand-in for Celery beat. "
        "Run exactly one; with a broker, run `celery -A board beat` instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Run the jobs due at start, then stop."
        )

    def handle(self, *args: Any, once: bool = False, **options: Any) -> None:
        jobs = scheduler.Scheduler(scheduler.jobs(), started_at=timezone.now())
        self.stdout.write(f"Running the periodic jobs: {', '.join(jobs.jobs)}.")
        try:
            while True:
                close_old_connections()
                jobs.tick(timezone.now())
                close_old_connections()
                if once:
                    return
                time.sleep(min(MAX_NAP, jobs.seconds_until_next(timezone.now())) or 1.0)
        except KeyboardInterrupt:
            return
