from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import User
from board.errors import Invalid


class DisplayNameRules:
    """The display name's rules (accounts.services.check_display_name), on an admin form."""

    cleaned_data: dict

    def clean_display_name(self) -> str:
        try:
            return services.check_display_name(self.cleaned_data["display_name"])
        except Invalid as refusal:
            raise forms.ValidationError(str(refusal)) from refusal


class UserChangeFormWithRules(DisplayNameRules, UserChangeForm):
    pass


class UserCreationFormWithRules(DisplayNameRules, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "display_name")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """People. Deleting one here runs the account-deletion service, as the person's
    own "Delete my account" would (their requests, offers and words go; other
    people's sides of conversations stay, with a note), never a bare cascade."""

    form = UserChangeFormWithRules
    add_form = UserCreationFormWithRules
    ordering = ["-date_joined"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "display_name"]
    readonly_fields = ["date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["display_name"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]},
        ),
    ]

    def save_model(
        self, request: HttpRequest, obj: User, form: forms.ModelForm[User], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        if "display_name" in form.changed_data:
            # Written by its one writer, as on sign-up, the settings page and the API
            # (the form has already checked it against the same rules).
            services.update_profile(user=obj, display_name=form.cleaned_data["display_name"])

    def get_deleted_objects(
        self, objs: Sequence[User] | QuerySet[User], request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
        # The itemised list would name each of a person's requests, the anonymous
        # ones too; staff see the people being deleted and a count of the rest.
        deleted = super().get_deleted_objects(objs, request)
        to_delete, model_count, _perms_needed, protected = deleted
        people = [item for item in to_delete if not isinstance(item, list)]
        # No delete permission is needed on their content: the deletion service
        # (delete_model below) removes it, not the admin's cascade.
        return people, model_count, set(), protected

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # The placeholder that keeps deleted people's leftovers is never deleted.
        if obj is not None and obj.email == services.DELETED_ACCOUNT_EMAIL:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        # keep_requests=False: nothing of theirs is left to tie together afterwards
        # (anonymised leftovers can still be grouped by their words or timing).
        services.delete_account(obj, keep_requests=False)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset.exclude(email=services.DELETED_ACCOUNT_EMAIL):
            services.delete_account(user, keep_requests=False)
