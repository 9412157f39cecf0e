"""The outbox in the admin, for staff who keep email flowing."""

import re

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications import delivery, kinds
from notifications.models import Notification

# What staff see of a row, all read-only.
OUTBOX_FIELDS = [
    "id", "kind_name", "state", "attempts", "next_attempt_at", "sent_at", "error",
    "claimed_at", "claimed_by", "lease_until",
]  # fmt: skip


class KindFilter(admin.SimpleListFilter):
    """By kind, named as notifications.kinds declares them (the field has no choices)."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return kinds.choices()

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Notification]
    ) -> QuerySet[Notification]:
        return queryset.filter(kind=self.value()) if self.value() else queryset


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

    list_display = ["created_at", "kind_name", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["state", KindFilter]
    date_hierarchy = "created_at"
    # ...and which worker is sending it, until when (its lease).
    fields = tuple(OUTBOX_FIELDS)
    readonly_fields = tuple(OUTBOX_FIELDS)
    actions = ["resend"]
    # The only fields a changelist URL may filter on: the filters and the dates.
    allowed_lookups = ("state", "kind", "created_at")

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        return lookup.split(LOOKUP_SEP, 1)[0] in self.allowed_lookups

    @admin.display(description=_("kind"), ordering="kind")
    def kind_name(self, obj: Notification) -> str:
        return obj.get_kind_display()

    @admin.display(description=_("last error"))
    def error(self, obj: Notification) -> str:
        return EMAIL_ADDRESS.sub("<address>", obj.last_error)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Send again"))
    def resend(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = delivery.requeue(queryset.filter(state=Notification.State.FAILED))
        self.message_user(
            request,
            ngettext("%d notification queued again.", "%d notifications queued again.", count)
            % count,
            messages.SUCCESS,
        )
