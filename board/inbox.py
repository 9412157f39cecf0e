"""The in-app side of notifications: a person's list, unread count, read state."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from board.models import Notification
from board.notifications import spec_for


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


def summary(notification: Notification) -> str:
    """What happened, as the item's title says it (the variant's words when the
    kind's own would not be true)."""
    spec = spec_for(notification)
    return str(spec.inbox or notification.get_kind_display())


def about(notification: Notification) -> str:
    """What an item is about, within the discretion rules: the request's title
    (it is the reader's own, or one they offered on, answered or reported), or
    for things that have no request, what kind of thing it was."""
    help_request = notification.help_request
    if help_request is not None:
        if help_request.is_hidden and help_request.author_id != notification.recipient_id:
            return _("A request that is no longer on the board")
        return help_request.title
    if notification.kind == Notification.Kind.REPORT_OUTCOME:
        return _("Something you reported")
    if notification.kind == Notification.Kind.MODERATOR_WARNING:
        return _("Something you posted")
    return summary(notification)
