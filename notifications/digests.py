"""The daily digest: each person's digest rows gathered into one email."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.delivery import enqueue_on_commit
from notifications.kinds import Kind
from notifications.models import Notification


def build_digests(now: datetime | None = None) -> int:
    """Gather each person's digest rows into one digest email (a row of its own,
    delivered like any other). Rows join exactly one digest."""
    now = now or timezone.now()
    recipients = set(
        Notification.objects.waiting_for_digest()
        .filter(created_at__lte=now)
        .values_list("recipient_id", flat=True)
    )
    made = 0
    for recipient_id in recipients:
        with transaction.atomic():
            items = list(
                Notification.objects.waiting_for_digest()
                .filter(recipient_id=recipient_id, created_at__lte=now)
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)
            )
            if not items:
                continue
            digest, created = Notification.objects.get_or_create(
                key=f"digest:{recipient_id}:{now:%Y-%m-%d}",
                defaults={
                    "kind": Kind.DIGEST,
                    "recipient_id": recipient_id,
                    "url": reverse("notifications"),
                },
            )
            if not created:
                # Today's digest is out already; these wait for tomorrow's.
                continue
            Notification.objects.filter(pk__in=items).update(
                digest=digest, state=Notification.State.SKIPPED
            )
            enqueue_on_commit(digest.pk)
            made += 1
    return made
