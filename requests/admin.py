from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from board.admin import PrivateLookupsMixin
from requests.models import Category, HelpRequest, Message, ModerationAction, Offer, Report


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    list_editable = ["order"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(HelpRequest)
class HelpRequestAdmin(PrivateLookupsMixin, admin.ModelAdmin):
    """The author of an anonymous request is never shown here, nor searchable,
    nor usable as a filter."""

    private_lookups = ("author",)

    list_display = [
        "title", "shown_author", "category", "response_kind", "status", "offer_count",
        "is_hidden", "needs_attention", "created_at",
    ]  # fmt: skip
    list_filter = [
        "status", "category", "response_kind", "is_anonymous", "is_hidden", "needs_attention",
    ]  # fmt: skip
    list_select_related = ["category", "author"]
    search_fields = ["title", "public_id"]
    date_hierarchy = "created_at"
    fields = [
        "public_id", "shown_author", "who_wrote_it", "is_anonymous", "title", "body", "category",
        "response_kind", "status", "offer_count", "is_hidden", "needs_attention", "created_at",
        "resolved_at",
    ]  # fmt: skip
    readonly_fields = [
        "public_id", "shown_author", "who_wrote_it", "is_anonymous", "offer_count", "created_at",
        "resolved_at",
    ]  # fmt: skip

    @admin.display(description=_("author"))
    def shown_author(self, obj: HelpRequest) -> str:
        return obj.public_author_name

    @admin.display(description=_("who wrote it"))
    def who_wrote_it(self, obj: HelpRequest) -> str:
        """Never the author: a link to the audited break-glass page, for anonymous requests."""
        if not obj.is_anonymous:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("breakglass:who_wrote", args=[obj.public_id]),
            _("Only through the recorded break-glass page"),
        )

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["public_id", "request", "helper", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["request", "helper"]
    search_fields = ["public_id", "request__public_id"]
    raw_id_fields = ["request", "helper"]
    readonly_fields = ["public_id", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(PrivateLookupsMixin, admin.ModelAdmin):
    private_lookups = ("sender",)
    list_display = ["pk", "offer", "shown_sender", "created_at"]
    list_select_related = ["offer__request", "sender"]
    fields = ["offer", "shown_sender", "body", "created_at"]
    readonly_fields = ["offer", "shown_sender", "created_at"]
    search_fields = ["offer__public_id"]

    @admin.display(description=_("sender"))
    def shown_sender(self, obj: Message) -> str:
        help_request = obj.offer.request
        if obj.sender_id == help_request.author_id:
            return _("%(name)s (asker)") % {"name": help_request.public_author_name}
        return obj.sender.display_name

    def has_add_permission(self, request) -> bool:
        return False


def _target_summary(obj) -> str:
    from requests.moderation import Target

    if not (obj.help_request_id or obj.offer_id or obj.message_id):
        return "—"
    target = Target.of(obj)
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
    fields = [
        "created_at", "reason", "status", "about", "shown_reporter", "shown_author", "details",
        "outcome", "handled_at",
    ]  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_("about"))
    def about(self, obj: Report) -> str:
        return _target_summary(obj)

    @admin.display(description=_("reported by"))
    def shown_reporter(self, obj: Report) -> str:
        from requests.moderation import Target, name_in_context

        return name_in_context(obj.reporter, Target.of(obj).request)

    @admin.display(description=_("written by"))
    def shown_author(self, obj: Report) -> str:
        from requests.moderation import Target

        return Target.of(obj).author_name

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
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
    fields = ["created_at", "kind", "shown_moderator", "about", "shown_subject", "reason"]
    readonly_fields = fields

    @admin.display(description=_("moderator"))
    def shown_moderator(self, obj: ModerationAction) -> str:
        return obj.moderator.display_name

    @admin.display(description=_("about"))
    def about(self, obj: ModerationAction) -> str:
        return _target_summary(obj)

    @admin.display(description=_("person"))
    def shown_subject(self, obj: ModerationAction) -> str:
        from requests.moderation_views import LogItem

        return LogItem(obj).subject_name or "—"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
