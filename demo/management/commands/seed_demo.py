"""Fill the board with believable, kind demo content.

    manage.py seed_demo                      # ~40 requests, 12 people
    manage.py seed_demo --if-empty           # what `make run` does: only on an empty board
    manage.py seed_demo --requests 100000    # a big board for benchmarks (bulk inserts)

Everything is planned first (who asks what, who offers, how it ends), then
written either through the services (small boards, so demo data follows the
same rules as real use) or with bulk inserts in batches (large boards, or
`--bulk`). Both writers produce the same shape of data: `offer_count` is the
number of non-withdrawn offers, a matched or resolved request has exactly one
accepted offer, nobody offers on their own request.

Demo people sign in with their example.org address and DEMO_PASSWORD. Running
the command again reuses them (by email) and adds more requests.
"""

from __future__ import annotations

import random
import secrets
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from accounts.models import User
from demo.content import DEMO_PASSWORD
from demo.planner import STATUS_WEIGHTS, Planner, RequestPlan
from demo.writers import (
    PROGRESS_FROM,
    add_demo_stories,
    ensure_demo_users,
    write_in_bulk,
    write_with_services,
)
from requests.models import Category, HelpRequest

# Up to this many requests go through the services; more are bulk-inserted.
SERVICES_LIMIT = 200


def _positive(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Fill the board with kind, believable demo people, requests, offers and conversations."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--requests", type=_positive, default=40, help="How many requests (default 40)."
        )
        parser.add_argument(
            "--users", type=_positive, default=12, help="How many demo people (default 12)."
        )
        parser.add_argument(
            "--seed", type=int, default=None, help="Random seed, to get the same content again."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the board already has any request (used by `make run`).",
        )
        parser.add_argument(
            "--bulk",
            action="store_true",
            help=f"Use bulk inserts even for small boards (automatic above {SERVICES_LIMIT}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and HelpRequest.objects.exists():
            self.stdout.write("The board already has requests; no demo content added.")
            return
        if options["users"] < 2:
            raise CommandError("At least 2 demo people are needed (one to ask, one to help).")
        categories = list(Category.objects.order_by("order", "name"))
        if not categories:
            raise CommandError("No categories found. Run `manage.py migrate` first.")

        seed = options["seed"] if options["seed"] is not None else secrets.randbelow(2**31)
        rng = random.Random(seed)  # noqa: S311 (demo content, not security)
        started = time.monotonic()
        users, new_users = ensure_demo_users(options["users"], rng)

        total = options["requests"]
        planner = Planner(rng, users, categories)
        tally: Counter[str] = Counter()

        def plans() -> Iterator[RequestPlan]:
            for index in range(total):
                plan = planner.request(index)
                tally[plan.status] += 1
                tally["anonymous"] += plan.is_anonymous
                tally["offers"] += len(plan.offers)
                tally["messages"] += sum(len(offer.messages) for offer in plan.offers)
                yield plan

        bulk = options["bulk"] or total > SERVICES_LIMIT
        (write_in_bulk if bulk else write_with_services)(plans(), total)
        if connection.vendor in ("sqlite", "postgresql") and total >= PROGRESS_FROM:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # fresh statistics for the query planner
        # Stories of asking and thank-you notes, so that the Stories page is alive.
        notes, stories = add_demo_stories(rng)
        elapsed = time.monotonic() - started
        self._summary(users, new_users, total, tally, seed, bulk, elapsed)
        self.stdout.write(f"Added {notes} thank-you notes and {stories} published stories.")

    def _summary(
        self,
        users: list[User],
        new_users: int,
        total: int,
        tally: Counter[str],
        seed: int,
        bulk: bool,
        elapsed: float,
    ) -> None:
        write = self.stdout.write
        statuses = ", ".join(f"{tally[status]} {status}" for status in STATUS_WEIGHTS)
        write(
            self.style.SUCCESS(
                f"Added {total} requests ({statuses}; {tally['anonymous']} anonymous), "
                f"{tally['offers']} offers and {tally['messages']} messages "
                f"in {elapsed:.1f}s ({'bulk inserts' if bulk else 'through the services'}, "
                f"seed {seed})."
            )
        )
        write(f"Demo people: {len(users)} ({new_users} new, {len(users) - new_users} reused).")
        write(f"Sign in with any of these, password '{DEMO_PASSWORD}':")
        shown = 12
        for user in users[:shown]:
            write(f"  {user.email:<28} {user.display_name}")
        if len(users) > shown:
            write(f"  ... and {len(users) - shown} more, same password.")
