"""The admin for moderation: reports and the moderation log, read-only (moderators
act in the queue at /moderation/, through the services), and the crisis phrases
staff keep."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from board.admin import PrivateLookupsMixin
from moderation.models import CrisisPhrase, ModerationAction, Report
from moderation.rules import name_in_context
from moderation.targets import report_target, target_of_row
from moderation.views import LogItem


def _target_summary(obj: Report | ModerationAction) -> str:
    target = target_of_row(obj)
    if target is None:
        return "—"
    return f"{target.kind}: {target.request.title}"


@admin.register(Report)
class ReportAdmin(PrivateLookupsMixin, admin.ModelAdmin):
    """Reports, read-only: moderators act on them in the moderation queue
    (/moderation/). People are named as the content names them: the asker of an
    anonymous request by its alias."""

    private_lookups = ("reporter", "handled_by", "help_request", "offer", "message")
    list_display = ["created_at", "reason", "status", "about", "shown_reporter"]
    list_filter = ["status", "reason"]
    list_select_related = [
        "reporter", "help_request", "offer__request", "message__offer__request",
    ]  # fmt: skip
    fields = (
        "created_at", "reason", "status", "about", "shown_reporter", "shown_author", "details",
        "outcome", "handled_at",
    )  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_("about"))
    def about(self, obj: Report) -> str:
        return _target_summary(obj)

    @admin.display(description=_("reported by"))
    def shown_reporter(self, obj: Report) -> str:
        return name_in_context(obj.reporter, report_target(obj).request)

    @admin.display(description=_("written by"))
    def shown_author(self, obj: Report) -> str:
        return report_target(obj).author_name

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ModerationAction)
class ModerationActionAdmin(PrivateLookupsMixin, admin.ModelAdmin):
    """The moderation log, read-only. It never names who wrote an anonymous request:
    a warning or suspension names its subject as the content does (by alias), and a
    break-glass row (reveal_author) shows only its moderator, request and reason."""

    private_lookups = ("subject", "moderator", "help_request", "offer", "message", "report")
    list_display = ["created_at", "kind", "shown_moderator", "about", "shown_subject"]
    list_filter = ["kind"]
    list_select_related = [
        "moderator", "subject", "help_request", "offer__request", "message__offer__request",
    ]  # fmt: skip
    fields = ("created_at", "kind", "shown_moderator", "about", "shown_subject", "reason")
    readonly_fields = fields

    @admin.display(description=_("moderator"))
    def shown_moderator(self, obj: ModerationAction) -> str:
        return obj.moderator.display_name

    @admin.display(description=_("about"))
    def about(self, obj: ModerationAction) -> str:
        return _target_summary(obj)

    @admin.display(description=_("person"))
    def shown_subject(self, obj: ModerationAction) -> str:
        return LogItem(obj).subject_name or "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CrisisPhrase)
class CrisisPhraseAdmin(admin.ModelAdmin):
    """Words that show the crisis panel before a request is posted. Matched in any
    letter case, as whole words."""

    list_display = ["phrase", "is_active"]
    list_editable = ["is_active"]
    list_filter = ["is_active"]
    search_fields = ["phrase"]
