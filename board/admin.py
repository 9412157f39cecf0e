from contextlib import suppress

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest

from board.models import CrisisResource


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


@admin.register(CrisisResource)
class CrisisResourceAdmin(admin.ModelAdmin):
    """The services the crisis help page (and the crisis panel) list."""

    list_display = ["name", "phone", "url", "region", "language", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active", "region", "language"]
    search_fields = ["name", "description", "region"]
    # A website typed without a scheme is https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
