"""Writing the planned demo board: the demo people, then the requests either
through the services (small boards, so demo data follows the same rules as real
use) or with bulk inserts in batches (large boards), then stories and notes.
Both request writers produce the same shape of data: `offer_count` is the
number of non-withdrawn offers, a matched or resolved request has exactly one
accepted offer, nobody offers on their own request."""

from __future__ import annotations

import logging
import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from accounts.models import User
from board import ratelimit
from demo.content import DEMO_PASSWORD, NOTES, STORIES
from demo.planner import RequestPlan, Status, demo_identity
from notifications.models import Notification
from requests import services
from requests.models import HelpRequest, Message, Offer, ThankYou, new_public_id
from stories import cache, figures
from stories.models import Story

# A progress bar from this many requests on.
PROGRESS_FROM = 1000
BATCH_SIZE = 2000


# --- People ----------------------------------------------------------------------------


def ensure_demo_users(count: int, rng: random.Random) -> tuple[list[User], int]:
    """The first `count` demo people, created if missing, each with a verified
    primary email. Returns (users, how many were new)."""
    identities = [demo_identity(index) for index in range(count)]
    emails = [email for _name, email in identities]
    existing = {user.email.lower(): user for user in User.objects.filter(email__in=emails)}
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing is slow on purpose
    now = timezone.now()
    missing = [
        User(
            email=email,
            display_name=name,
            password=password,
            date_joined=now - timedelta(days=rng.uniform(60, 400)),
        )
        for name, email in identities
        if email not in existing
    ]
    with transaction.atomic():
        User.objects.bulk_create(missing, batch_size=BATCH_SIZE)
        by_email = {user.email.lower(): user for user in User.objects.filter(email__in=emails)}
        users = [by_email[email] for email in emails]
        addresses = EmailAddress.objects.filter(user__in=users)
        has_address = {(address.user_id, address.email.lower()) for address in addresses}
        EmailAddress.objects.bulk_create(
            [
                EmailAddress(user=user, email=user.email, verified=True, primary=True)
                for user in users
                if (user.pk, user.email.lower()) not in has_address
            ],
            batch_size=BATCH_SIZE,
        )
        addresses.filter(verified=False).update(verified=True)
    return users, len(missing)


# --- Requests, offers and messages -------------------------------------------------------


def _progress(total: int) -> tqdm:
    return tqdm(
        total=total,
        unit="req",
        desc="Seeding",
        file=sys.stderr,
        disable=total < PROGRESS_FROM,
        dynamic_ncols=True,
    )


@contextmanager
def _quiet(logger_name: str, level: int = logging.WARNING) -> Iterator[None]:
    logger = logging.getLogger(logger_name)
    previous = logger.level
    logger.setLevel(max(level, previous))
    try:
        yield
    finally:
        logger.setLevel(previous)


def write_with_services(plans: Iterator[RequestPlan], total: int) -> None:
    """Each request lives its life through the services, then its timestamps are
    moved into the past. Notifications are recorded but marked skipped, so
    seeding sends no email (the delivery tasks find nothing to send)."""
    last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    # In-process (eager) Celery would log one line per skipped delivery task.
    # Demo people post faster than anyone may: the posting limits are lifted here only.
    with (
        _quiet("celery.app.trace"),
        _progress(total) as progress,
        transaction.atomic(),
        ratelimit.lifted(),
    ):
        for plan in plans:
            _live_through_services(plan)
            progress.update()
        Notification.objects.filter(
            pk__gt=last_notification or 0, state=Notification.State.QUEUED
        ).update(state=Notification.State.SKIPPED, last_error="Demo data: not sent.")


def _live_through_services(plan: RequestPlan) -> None:
    author = plan.author
    before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    # When each notification's event happened, by its idempotency key; the
    # rest (accepted, declined, resolved) date from the request's last event.
    moments: dict[str, datetime] = {}
    help_request = services.create_request(
        author=author,
        title=plan.title,
        body=plan.body,
        category=plan.category,
        response_kind=plan.response_kind,
        is_anonymous=plan.is_anonymous,
    )
    made = []
    for offer_plan in plan.offers:
        offer = services.make_offer(
            help_request=help_request, helper=offer_plan.helper, message=offer_plan.message
        )
        made.append((offer_plan, offer))
        moments[f"offer_received:{offer.public_id}"] = offer_plan.created_at
    for offer_plan, offer in made:
        for message in offer_plan.messages:
            sent = services.send_message(
                offer=offer,
                sender=offer_plan.helper if message.from_helper else author,
                body=message.body,
            )
            Message.objects.filter(pk=sent.pk).update(created_at=message.created_at)
            moments[f"message_received:{sent.pk}"] = message.created_at
    for offer_plan, offer in made:
        if offer_plan.status == Offer.Status.WITHDRAWN:
            services.withdraw_offer(offer=offer, by=offer_plan.helper)
        elif offer_plan.decline_reason == Offer.DeclineReason.NOT_TAKEN:
            services.decline_offer(offer=offer, by=author)
    for offer_plan, offer in made:
        if offer_plan.status == Offer.Status.ACCEPTED:
            services.accept_offer(offer=offer, by=author)
    if plan.status == Status.RESOLVED:
        services.resolve_request(help_request=help_request, by=author)
    elif plan.status == Status.CLOSED:
        services.close_request(help_request=help_request, by=author)
    for offer_plan, offer in made:
        Offer.objects.filter(pk=offer.pk).update(
            created_at=offer_plan.created_at,
            updated_at=max([offer_plan.created_at] + [m.created_at for m in offer_plan.messages]),
        )
    HelpRequest.objects.filter(pk=help_request.pk).update(
        created_at=plan.created_at,
        updated_at=plan.updated_at,
        resolved_at=plan.resolved_at,
        expires_at=plan.expires_at,
        resurfaced_at=plan.resurfaced_at,
    )
    for pk, key in Notification.objects.filter(pk__gt=before).values_list("pk", "key"):
        Notification.objects.filter(pk=pk).update(
            created_at=moments.get(key, plan.updated_at),
        )


def write_in_bulk(plans: Iterator[RequestPlan], total: int) -> None:
    """Batches of requests, then their offers, then their messages, one
    transaction per batch."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # A bigger page cache for this connection only: the random public
            # ids spread inserts over the whole of their indexes (64 MiB).
            cursor.execute("PRAGMA cache_size = -65536")
    with _progress(total) as progress:
        batch: list[RequestPlan] = []
        for plan in plans:
            batch.append(plan)
            if len(batch) >= BATCH_SIZE:
                _write_batch(batch)
                progress.update(len(batch))
                batch = []
        if batch:
            _write_batch(batch)
            progress.update(len(batch))


def _with_pks(model: type[HelpRequest] | type[Offer], objects: list[Any]) -> None:
    """bulk_create sets primary keys where the database returns them (PostgreSQL,
    SQLite >= 3.35); otherwise look them up by their unique public_id."""
    if not objects or objects[0].pk is not None:
        return
    pks = dict(
        model.objects.filter(public_id__in=[obj.public_id for obj in objects]).values_list(
            "public_id", "pk"
        )
    )
    for obj in objects:
        obj.pk = pks[obj.public_id]


@transaction.atomic
def _write_batch(batch: list[RequestPlan]) -> None:
    rows = [
        HelpRequest(
            public_id=new_public_id(),
            author_id=plan.author.pk,
            is_anonymous=plan.is_anonymous,
            title=plan.title,
            body=plan.body,
            category_id=plan.category.pk,
            response_kind=plan.response_kind,
            status=plan.status,
            offer_count=plan.offer_count,
            created_at=plan.created_at,
            resolved_at=plan.resolved_at,
            expires_at=plan.expires_at,
            resurfaced_at=plan.resurfaced_at,
        )
        for plan in batch
    ]
    HelpRequest.objects.bulk_create(rows)
    _with_pks(HelpRequest, rows)
    offers, offer_plans = [], []
    for help_request, plan in zip(rows, batch, strict=True):
        for offer_plan in plan.offers:
            offers.append(
                Offer(
                    public_id=new_public_id(),
                    request_id=help_request.pk,
                    helper_id=offer_plan.helper.pk,
                    message=offer_plan.message,
                    status=offer_plan.status,
                    decline_reason=offer_plan.decline_reason,
                    created_at=offer_plan.created_at,
                )
            )
            offer_plans.append((offer_plan, plan.author.pk))
    Offer.objects.bulk_create(offers)
    _with_pks(Offer, offers)
    messages = [
        Message(
            offer_id=offer.pk,
            sender_id=offer_plan.helper.pk if message.from_helper else author_id,
            body=message.body,
            created_at=message.created_at,
        )
        for offer, (offer_plan, author_id) in zip(offers, offer_plans, strict=True)
        for message in offer_plan.messages
    ]
    Message.objects.bulk_create(messages)


# --- Stories and thank-you notes ---------------------------------------------------------


def add_demo_stories(rng: random.Random, *, count: int = 5) -> tuple[int, int]:
    """Thank-you notes and published stories on resolved demo requests, so that the
    Stories page is alive. Written directly (demo content is not an event: nobody
    is emailed), following the same rules: a note only to an accepted helper, a
    story only about a resolved request, published as a moderator would.
    Returns (notes, stories) added."""
    offers = list(
        Offer.objects.filter(
            status=Offer.Status.ACCEPTED,
            request__status=HelpRequest.Status.RESOLVED,
            thank_you__isnull=True,
        ).select_related("request")[: count * 3]
    )
    rng.shuffle(offers)
    now = timezone.now()
    notes = stories = 0
    for offer in offers[:count]:
        ThankYou.objects.create(offer=offer, body=rng.choice(NOTES))
        notes += 1
    for offer, texts in zip(offers[:count], STORIES, strict=False):
        if Story.objects.filter(source_request=offer.request).exists():
            continue
        Story.objects.create(
            author=offer.request.author,
            source_request=offer.request,
            category=offer.request.category,
            status=Story.Status.PUBLISHED,
            published_at=now,
            **texts,
        )
        stories += 1
    cache.forget_published()
    figures.compute()
    return notes, stories
