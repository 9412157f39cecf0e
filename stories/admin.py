"""Read-only admin for stories: moderators act from the moderation queue
(stories.services), where every change is checked and the author told."""

from typing import Any, ClassVar

from django.contrib import admin
from django.http import HttpRequest

from stories.models import FiguresSnapshot, Story


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    # Not the author or the source request: the queue shows what moderators need.
    list_display = ["public_id", "status", "category", "needs_attention", "created_at"]
    list_filter = ["status", "needs_attention"]
    fields: ClassVar[tuple[str, ...]] = (
        "public_id",
        "status",
        "category",
        "alias",
        "show_name",
        *Story.TEXT_FIELDS,
        "helper_naming",
        "moderator_note",
        "created_at",
        "published_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FiguresSnapshot)
class FiguresSnapshotAdmin(admin.ModelAdmin):
    list_display = ["computed_at"]
    readonly_fields = ["figures", "computed_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
