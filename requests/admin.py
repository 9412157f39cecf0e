"""The admin for staff. Every change to a request, offer or message goes through
the moderation services (moderation.services), as on /moderation/: the admin
shows their fields read-only and offers the services as actions, so each change
is logged, closes the reports it answers, tells whom it should and clears what
it should (a hidden offer's quoted excerpt). Nothing is deleted here either:
hiding is how content leaves the board; people leave by deleting their account.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from board.admin import PrivateLookupsMixin
from board.errors import ServiceError
from board.http import AuthenticatedHttpRequest
from moderation import rules, services
from moderation.targets import target_of
from requests.models import Category, HelpRequest, Message, Offer

# What the moderation actions act on, one selected row at a time.
Content = HelpRequest | Offer | Message
_Row = TypeVar("_Row", bound=Model)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    list_editable = ["order"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


class ModeratedContentAdmin(admin.ModelAdmin):
    """Requests, offers and messages: read-only fields, moderation services as actions."""

    actions = ["hide", "unhide"]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # The form is view-only (a save would move `updated_at` too): a change
        # goes through an action (a service), never the form.
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_moderate_permission(self, request: AuthenticatedHttpRequest) -> bool:
        """Who sees the actions: the people the services let act (the admin lets
        only signed-in staff in, so the request's user is a member)."""
        return rules.can_moderate(request.user)

    def _run(
        self,
        request: HttpRequest,
        queryset: QuerySet[_Row],
        service: Callable[[_Row], object],
        done: Callable[[int], str],
    ) -> None:
        """Call `service` on each selected row; say how many it did and why any
        it could not ("This isn't hidden.")."""
        count, refusals = 0, []
        for obj in queryset:
            try:
                service(obj)
            except ServiceError as refusal:
                refusals.append(f"{obj}: {refusal}")
            else:
                count += 1
        if count:
            self.message_user(request, done(count), messages.SUCCESS)
        for why in refusals:
            self.message_user(request, why, messages.WARNING)

    @admin.action(description=_("Hide (logged; closes its open reports)"), permissions=["moderate"])
    def hide(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Content]) -> None:
        self._run(
            request,
            queryset,
            lambda obj: services.hide_content(moderator=request.user, target=target_of(obj)),
            lambda n: ngettext("%d hidden.", "%d hidden.", n) % n,
        )

    @admin.action(description=_("Show again (logged)"), permissions=["moderate"])
    def unhide(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Content]) -> None:
        self._run(
            request,
            queryset,
            lambda obj: services.unhide_content(moderator=request.user, target=target_of(obj)),
            lambda n: ngettext("%d shown again.", "%d shown again.", n) % n,
        )


@admin.register(HelpRequest)
class HelpRequestAdmin(PrivateLookupsMixin, ModeratedContentAdmin):
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
        "public_id", "shown_author", "who_wrote_it", *HelpRequest.EDITABLE_FIELDS, "status",
        "offer_count", "is_hidden", "needs_attention", "created_at", "resolved_at",
    ]  # fmt: skip
    actions = [*ModeratedContentAdmin.actions, "mark_seen"]

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

    @admin.action(
        description=_("Looked at, nothing to do (logged; clears the flag)"),
        permissions=["moderate"],
    )
    def mark_seen(self, request: AuthenticatedHttpRequest, queryset: QuerySet[HelpRequest]) -> None:
        self._run(
            request,
            queryset,
            lambda obj: services.mark_seen(moderator=request.user, help_request=obj),
            lambda n: ngettext("%d marked as seen.", "%d marked as seen.", n) % n,
        )


@admin.register(Offer)
class OfferAdmin(ModeratedContentAdmin):
    list_display = [
        "public_id", "request", "helper", "status", "held_for_review", "is_hidden", "created_at",
    ]  # fmt: skip
    list_filter = ["status", "held_for_review", "is_hidden"]
    list_select_related = ["request", "helper"]
    search_fields = ["public_id", "request__public_id"]
    fields = [
        "public_id", "request", "helper", "message", "status", "held_for_review", "is_hidden",
        "created_at",
    ]  # fmt: skip
    actions = [*ModeratedContentAdmin.actions, "approve", "reject"]

    @admin.action(description=_("Approve a held offer (logged)"), permissions=["moderate"])
    def approve(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Offer]) -> None:
        self._run(
            request,
            queryset,
            lambda obj: services.approve_offer(moderator=request.user, offer=obj),
            lambda n: ngettext("%d offer approved.", "%d offers approved.", n) % n,
        )

    @admin.action(description=_("Reject a held offer (logged)"), permissions=["moderate"])
    def reject(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Offer]) -> None:
        self._run(
            request,
            queryset,
            lambda obj: services.reject_offer(moderator=request.user, offer=obj),
            lambda n: ngettext("%d offer rejected.", "%d offers rejected.", n) % n,
        )


@admin.register(Message)
class MessageAdmin(PrivateLookupsMixin, ModeratedContentAdmin):
    private_lookups = ("sender",)
    list_display = ["pk", "offer", "shown_sender", "is_hidden", "created_at"]
    list_filter = ["is_hidden"]
    list_select_related = ["offer__request", "sender"]
    fields = ["offer", "shown_sender", "body", "is_hidden", "created_at"]
    search_fields = ["offer__public_id"]

    @admin.display(description=_("sender"))
    def shown_sender(self, obj: Message) -> str:
        help_request = obj.offer.request
        if obj.sender_id == help_request.author_id:
            return _("%(name)s (asker)") % {"name": help_request.public_author_name}
        return obj.sender.display_name
