import re
from contextlib import suppress
from typing import Any, ClassVar

from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from board import notifications
from board.models import CrisisResource, Notification


class PrivateLookupsMixin(admin.ModelAdmin):
    """Refuses changelist filters on the people named in `private_lookups`
    (`?author=<id>`, `?sender_id=<id>`...): listing someone's rows by their id would
    tie them to their anonymous requests. The admin answers 400 instead."""

    private_lookups: tuple[str, ...] = ()

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        first = lookup.split(LOOKUP_SEP, 1)[0]
        with suppress(FieldDoesNotExist):
            first = self.model._meta.get_field(first).name  # author_id -> author
        if first in self.private_lookups:
            return False
        return super().lookup_allowed(lookup, value, request)


EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)*")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox, for staff who keep email flowing: what kind of row, its delivery
    state, tries, the last error and when; "Send again" for failed rows.

    Nothing here ties a row to its recipient or to a request. A row's key names
    ids (`digest:<user id>:<day>`, `offer_received:<offer id>`), its payload quotes
    the words, its recipient, address, link and request say who and what, and a
    digest item points to its digest (whose key names the person): listing a
    person's digest items, then their requests, would tie them to their anonymous
    requests without the audited break-glass look. So none of those is shown, and
    the changelist filters only on what it lists as filters (Django otherwise
    accepts any `?field__lookup=` on the model's own fields, `?digest=<id>` and
    `?key__startswith=` included); anything else is refused (400). Addresses in an
    SMTP error are masked."""

    list_display = ["created_at", "kind", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["state", "kind"]
    date_hierarchy = "created_at"
    # ...and which worker is sending it, until when (its lease).
    fields: ClassVar[tuple[str, ...]] = (
        "id", "kind", "state", "attempts", "next_attempt_at", "sent_at", "error",
        "claimed_at", "claimed_by", "lease_until",
    )  # fmt: skip
    readonly_fields = fields
    actions = ["resend"]
    # The only fields a changelist URL may filter on: the filters and the dates.
    allowed_lookups = ("state", "kind", "created_at")

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        return lookup.split(LOOKUP_SEP, 1)[0] in self.allowed_lookups

    @admin.display(description=_("last error"))
    def error(self, obj: Notification) -> str:
        return EMAIL_ADDRESS.sub("<address>", obj.last_error)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Send again"))
    def resend(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = notifications.requeue(queryset.filter(state=Notification.State.FAILED))
        self.message_user(
            request,
            ngettext("%d notification queued again.", "%d notifications queued again.", count)
            % count,
            messages.SUCCESS,
        )


@admin.register(CrisisResource)
class CrisisResourceAdmin(admin.ModelAdmin):
    """The services the crisis help page (and the crisis panel) list."""

    list_display = ["name", "phone", "url", "region", "language", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active", "region", "language"]
    search_fields = ["name", "description", "region"]
    # A website typed without a scheme is https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
