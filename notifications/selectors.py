"""Reading notifications: a person's notifications page, their unread count,
and what an item says (the page and the API show the same)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.kinds import REGISTRY, Kind
from notifications.models import Notification


def inbox(user: User) -> QuerySet[Notification]:
    return (
        Notification.objects.in_app(user)
        .select_related("help_request")  # the list shows each request's title
        .order_by("-created_at", "-pk")
    )


def unread_count(user: User) -> int:
    return Notification.objects.in_app(user).unread().count()


def summary(notification: Notification) -> str:
    """What happened, as the item's title says it (the variant's words when the
    kind's own would not be true)."""
    return REGISTRY[notification.kind].inbox_title(notification.payload.get("variant", ""))


def about(notification: Notification) -> str:
    """What an item is about, within the discretion rules: the request's title
    (it is the reader's own, or one they offered on, answered or reported), or
    for things that have no request, what kind of thing it was."""
    help_request = notification.help_request
    if help_request is not None:
        if help_request.is_hidden and help_request.author_id != notification.recipient_id:
            return _("A request that is no longer on the board")
        return help_request.title
    if notification.kind == Kind.REPORT_OUTCOME:
        return _("Something you reported")
    if notification.kind == Kind.MODERATOR_WARNING:
        return _("Something you posted")
    return summary(notification)
