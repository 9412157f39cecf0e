"""Run one periodic job by hand: `manage.py run_job digests`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from board import scheduler


class Command(BaseCommand):
    help = "Run one periodic job now (the ones beat or run_scheduler run on their own)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help=f"One of: {', '.join(scheduler.jobs())}.")

    def handle(self, *args: Any, name: str, **options: Any) -> None:
        try:
            outcome = scheduler.run_job(name)
        except scheduler.UnknownJob:
            names = ", ".join(scheduler.jobs())
            raise CommandError(f"There is no job called {name!r}. The jobs are: {names}.") from None
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Ran {name}: {outcome}")
