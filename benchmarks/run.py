"""How the board's pages hold up with 100,000 requests (`make bench`).

    python -m benchmarks.run [--requests N] [--rounds N] [--fresh]

Runs against its own database, never the development one: a scratch SQLite
file under var/bench/ unless BENCH_DATABASE_URL (or DATABASE_URL) names
another, which must be a database meant for benchmarking (the run refuses to
add demo rows to a database that holds other requests). The first run
migrates and seeds it with `seed_demo`; later runs reuse it.

For each page it measures, through django.test.Client: the number of SQL
queries, p50/p95 latency over --rounds requests, and the peak memory
(tracemalloc) of one request. It prints a table with the targets next to the
figures and writes var/bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from dataclasses import asdict, dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "var" / "bench"
SCRATCH_DB = BENCH_DIR / "bench.sqlite3"
RESULTS = BENCH_DIR / "results.json"

BOARD_P95_TARGET_MS = 150.0
QUERIES_TARGET = 6
WARMUP = 3


def configure(fresh: bool) -> bool:
    """Point Django at the benchmark database; True if it is the scratch SQLite file."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "board.settings"
    os.environ.setdefault("DJANGO_DEBUG", "true")
    # Mail, if anything were sent, stays with the benchmark too.
    os.environ.setdefault("BOARD_VAR_DIR", str(BENCH_DIR))
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        os.environ["DATABASE_URL"] = url
        return False
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SCRATCH_DB}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH_DB}"
    return True


@dataclass
class PageResult:
    name: str
    url: str
    who: str
    queries: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    peak_kib: float
    bytes: int
    is_board: bool
    slowest_query_ms: float = 0.0
    slowest_query: str = ""
    verdicts: list[str] = field(default_factory=list)


def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def measure(client, name: str, url: str, who: str, rounds: int, *, is_board: bool) -> PageResult:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARMUP):
        response = client.get(url, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"{name}: {url} answered {response.status_code}, expected 200")

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, secure=True)
    queries = captured.captured_queries
    slowest = max(queries, key=lambda q: float(q["time"]), default={"time": 0, "sql": ""})

    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        client.get(url, secure=True)
        timings.append((time.perf_counter() - started) * 1000)

    tracemalloc.start()
    baseline, _peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    client.get(url, secure=True)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    result = PageResult(
        name=name,
        url=url,
        who=who,
        queries=len(queries),
        p50_ms=round(statistics.median(timings), 1),
        p95_ms=round(percentile(timings, 95), 1),
        max_ms=round(max(timings), 1),
        peak_kib=round((peak - baseline) / 1024, 1),
        bytes=len(response.content),
        is_board=is_board,
        slowest_query_ms=round(float(slowest["time"]) * 1000, 1),
        slowest_query=slowest["sql"][:600],
    )
    if result.queries > QUERIES_TARGET:
        result.verdicts.append(f"queries {result.queries} > {QUERIES_TARGET}")
    if is_board and result.p95_ms >= BOARD_P95_TARGET_MS:
        result.verdicts.append(f"p95 {result.p95_ms} ms >= {BOARD_P95_TARGET_MS:.0f} ms")
    print(
        f"  {name:<28} {result.queries:>3} q  p50 {result.p50_ms:>7.1f} ms"
        f"  p95 {result.p95_ms:>7.1f} ms",
        file=sys.stderr,
        flush=True,
    )
    return result


def seed_if_needed(target: int, users: int, scratch: bool) -> float | None:
    """Seed up to `target` requests; the seconds it took, or None if already seeded."""
    from django.core.management import call_command

    from requests.models import HelpRequest

    present = HelpRequest.objects.count()
    if present >= target:
        print(f"Reusing the benchmark database: {present:,} requests.", file=sys.stderr)
        return None
    if present and not scratch:
        raise SystemExit(
            f"The database named by DATABASE_URL holds {present:,} requests but not the "
            f"{target:,} the benchmark needs. Point BENCH_DATABASE_URL at an empty database "
            "meant for benchmarking (the benchmark adds 100,000 demo requests to it)."
        )
    missing = target - present
    print(f"Seeding {missing:,} requests (once; later runs reuse them)...", file=sys.stderr)
    started = time.perf_counter()
    call_command("seed_demo", requests=missing, users=users, seed=20251125, bulk=True)
    return time.perf_counter() - started


def pick_subjects():
    """A busy asker, a request with offers, a long conversation."""
    from django.db.models import Count

    from accounts.models import User
    from requests.models import HelpRequest, Offer

    author = User.objects.annotate(n=Count("help_requests")).order_by("-n", "pk").only("pk").first()
    helper = User.objects.annotate(n=Count("offers")).order_by("-n", "pk").only("pk").first()
    with_offers = (
        HelpRequest.objects.visible()
        .open()
        .filter(offer_count__gte=3)
        .select_related("author")
        .order_by("-created_at")
        .first()
    ) or HelpRequest.objects.visible().order_by("-offer_count").select_related("author").first()
    talkative = (
        Offer.objects.annotate(n=Count("messages"))
        .order_by("-n", "-pk")
        .select_related("request__author")
        .first()
    )
    return User.objects.get(pk=author.pk), User.objects.get(pk=helper.pk), with_offers, talkative


def run(args: argparse.Namespace) -> int:
    scratch = configure(args.fresh)

    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from requests.models import HelpRequest

    database = settings.DATABASES["default"]
    where = database["NAME"] if connection.vendor == "sqlite" else connection.vendor
    print(f"Benchmark database: {where}", file=sys.stderr)
    call_command("migrate", verbosity=0, interactive=False)
    seed_seconds = seed_if_needed(args.requests, args.users, scratch)

    host = next((h for h in settings.ALLOWED_HOSTS if h and "*" not in h), "localhost")
    host = host.lstrip(".") or "localhost"
    total = HelpRequest.objects.count()
    open_count = HelpRequest.objects.visible().open().count()
    deep_page = max(1, open_count // settings.BOARD_PAGE_SIZE // 2)
    author, helper, with_offers, talkative = pick_subjects()

    visitor = Client(HTTP_HOST=host)
    as_author = Client(HTTP_HOST=host)
    as_author.force_login(author)
    as_asker = Client(HTTP_HOST=host)
    as_asker.force_login(with_offers.author)
    as_talker = Client(HTTP_HOST=host)
    as_talker.force_login(talkative.request.author)
    as_helper = Client(HTTP_HOST=host)
    as_helper.force_login(helper)

    pages = [
        ("board, page 1", "/", visitor, "visitor", True),
        (f"board, page {deep_page} (deep)", f"/?page={deep_page}", visitor, "visitor", True),
        ("board, category filter", "/?category=errands", visitor, "visitor", True),
        ("board, kind filter", "/?kind=practical", visitor, "visitor", True),
        ("board, no offers yet", "/?no_offers=on", visitor, "visitor", True),
        ("board, any status", "/?status=any", visitor, "visitor", True),
        ("board, search (common)", "/?q=garden", visitor, "visitor", True),
        ("board, search (two words)", "/?q=hospital+appointment", visitor, "visitor", True),
        ("board, search (no match)", "/?q=zeppelin", visitor, "visitor", True),
        ("request detail", with_offers.get_absolute_url(), visitor, "visitor", False),
        ("request detail (asker)", with_offers.get_absolute_url(), as_asker, "asker", False),
        ("conversation", talkative.get_absolute_url(), as_talker, "asker", False),
        ("my requests", "/my/requests/", as_author, "busiest asker", False),
        ("my offers", "/my/offers/", as_helper, "busiest helper", False),
    ]
    print(f"Measuring {len(pages)} pages, {args.rounds} rounds each...", file=sys.stderr)
    results = [
        measure(client, name, url, who, args.rounds, is_board=is_board)
        for name, url, client, who, is_board in pages
    ]

    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "database": connection.vendor,
        "database_version": ".".join(map(str, connection.Database.sqlite_version_info))
        if connection.vendor == "sqlite"
        else None,
        "debug": settings.DEBUG,
        "python": platform.python_version(),
        "django": django.get_version(),
        "requests_in_db": total,
        "open_requests": open_count,
        "seed_seconds": round(seed_seconds, 1) if seed_seconds is not None else None,
        "rounds": args.rounds,
        "targets": {"board_p95_ms": BOARD_P95_TARGET_MS, "queries_per_page": QUERIES_TARGET},
        "pages": [asdict(result) for result in results],
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print_table(report, results)
    return 0


def print_table(report: dict, results: list[PageResult]) -> None:
    seeded = (
        f"seeded in {report['seed_seconds']:.1f}s"
        if report["seed_seconds"] is not None
        else "seeded on an earlier run"
    )
    print()
    print(
        f"Board with {report['requests_in_db']:,} requests ({report['open_requests']:,} open) "
        f"on {report['database']} {report['database_version'] or ''}, {seeded}; "
        f"DEBUG={report['debug']}, {report['rounds']} rounds per page."
    )
    print(
        f"Targets: board pages p95 < {BOARD_P95_TARGET_MS:.0f} ms; "
        f"every page <= {QUERIES_TARGET} queries."
    )
    header = (
        f"{'page':<30} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'peak KiB':>9} {'slowest q':>10}  verdict"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        verdict = "; ".join(result.verdicts) if result.verdicts else "ok"
        print(
            f"{result.name:<30} {result.queries:>7} {result.p50_ms:>8.1f} {result.p95_ms:>8.1f} "
            f"{result.max_ms:>8.1f} {result.peak_kib:>9.1f} {result.slowest_query_ms:>8.1f}ms"
            f"  {verdict}"
        )
    print(f"\nWritten to {RESULTS.relative_to(BASE_DIR)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000, help="board size (100,000)")
    parser.add_argument("--users", type=int, default=500, help="demo people when seeding (500)")
    parser.add_argument("--rounds", type=int, default=50, help="requests timed per page (50)")
    parser.add_argument(
        "--fresh", action="store_true", help="start from a new scratch database (re-seed)"
    )
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
