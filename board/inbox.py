"""The in-app side of notifications: a person's list, unread count, read state."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from board.models import Notification


def inbox(user: User) -> QuerySet[Notification]:
    return (
        Notification.objects.in_app(user)
        .select_related("help_request")  # the list shows each request's title
        .order_by("-created_at", "-pk")
    )


def unread_count(user: User) -> int:
    return Notification.objects.in_app(user).unread().count()


def mark_read(*, user: User, notification_id: int) -> Notification | None:
    notification = Notification.objects.in_app(user).filter(pk=notification_id).first()
    if notification and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, user: User) -> int:
    return Notification.objects.in_app(user).unread().update(read_at=timezone.now())
