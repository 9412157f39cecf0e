from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from board import notifications
from board.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["state", "kind"]
    date_hierarchy = "created_at"
    # Recipients and payloads are private; staff see delivery state and errors.
    fields = ["key", "kind", "state", "attempts", "next_attempt_at", "sent_at", "last_error"]
    readonly_fields = fields
    actions = ["resend"]

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
