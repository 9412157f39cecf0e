from contextlib import suppress

from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from board import notifications
from board.models import CrisisPhrase, CrisisResource, Notification


class PrivateLookupsMixin:
    """Refuses changelist filters on the people named in `private_lookups`
    (`?author=<id>`, `?sender_id=<id>`...): listing someone's rows by their id would
    tie them to their anonymous requests. The admin answers 400 instead."""

    private_lookups: tuple[str, ...] = ()

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        first = lookup.split(LOOKUP_SEP, 1)[0]
        with suppress(FieldDoesNotExist):
            first = self.model._meta.get_field(first).name  # author_id -> author
        if first in self.private_lookups:
            return False
        return super().lookup_allowed(lookup, value, request)


@admin.register(Notification)
class NotificationAdmin(PrivateLookupsMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["state", "kind"]
    date_hierarchy = "created_at"
    # Recipients and payloads are private; staff see delivery state and errors.
    # ...and which worker is sending it, until when (its lease).
    fields = [
        "key", "kind", "state", "attempts", "next_attempt_at", "sent_at", "last_error",
        "claimed_at", "claimed_by", "lease_until",
    ]  # fmt: skip
    readonly_fields = fields
    actions = ["resend"]
    private_lookups = ("recipient",)

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Send again"))
    def resend(self, request, queryset):
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


@admin.register(CrisisPhrase)
class CrisisPhraseAdmin(admin.ModelAdmin):
    """Words that show the crisis panel before a request is posted. Matched in any
    letter case, as whole words."""

    list_display = ["phrase", "is_active"]
    list_editable = ["is_active"]
    list_filter = ["is_active"]
    search_fields = ["phrase"]
