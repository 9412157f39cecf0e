from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from board.admin import PrivateLookupsMixin
from requests.models import Category, HelpRequest, Message, Offer


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
        "is_hidden", "created_at",
    ]  # fmt: skip
    list_filter = ["status", "category", "response_kind", "is_anonymous", "is_hidden"]
    list_select_related = ["category", "author"]
    search_fields = ["title", "public_id"]
    date_hierarchy = "created_at"
    fields = [
        "public_id", "shown_author", "is_anonymous", "title", "body", "category",
        "response_kind", "status", "offer_count", "is_hidden", "created_at", "resolved_at",
    ]  # fmt: skip
    readonly_fields = [
        "public_id", "shown_author", "is_anonymous", "offer_count", "created_at", "resolved_at",
    ]  # fmt: skip

    @admin.display(description=_("author"))
    def shown_author(self, obj: HelpRequest) -> str:
        return obj.public_author_name

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
