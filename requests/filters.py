from typing import Any

import django_filters
from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from requests.models import Category, HelpRequest, HelpRequestQuerySet


class BoardFilter(django_filters.FilterSet):
    """The board's filters. Without a status, only open requests are listed."""

    STATUS_ANY = "any"

    q = django_filters.CharFilter(method="filter_search", label=_("Search"), max_length=100)
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        empty_label=_("All categories"),
        label=_("Category"),
    )
    kind = django_filters.ChoiceFilter(
        field_name="response_kind",
        choices=HelpRequest.ResponseKind.choices,
        empty_label=_("Any kind of help"),
        label=_("Kind of response"),
    )
    status = django_filters.ChoiceFilter(
        method="filter_status",
        choices=[*HelpRequest.Status.choices, (STATUS_ANY, _("Any status"))],
        empty_label=None,
        label=_("Status"),
    )
    no_offers = django_filters.BooleanFilter(
        method="filter_no_offers",
        label=_("No offers yet"),
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = HelpRequest
        fields = ["q", "category", "kind", "status", "no_offers"]

    def __init__(self, data: QueryDict | None = None, *args: Any, **kwargs: Any) -> None:
        values: QueryDict | dict[str, Any] = data.copy() if data is not None else {}
        if not values.get("status"):
            values["status"] = HelpRequest.Status.OPEN
        super().__init__(values, *args, **kwargs)

    def filter_queryset(self, queryset: HelpRequestQuerySet) -> HelpRequestQuerySet:
        queryset = super().filter_queryset(queryset)
        if "status" in self.form.errors:
            # An unknown status (a hand-edited link) shows the default: open requests.
            queryset = queryset.filter(status=HelpRequest.Status.OPEN)
        return queryset

    def filter_search(
        self, queryset: HelpRequestQuerySet, name: str, value: str
    ) -> HelpRequestQuerySet:
        return queryset.search(value) if value.strip() else queryset

    def filter_status(
        self, queryset: HelpRequestQuerySet, name: str, value: str
    ) -> HelpRequestQuerySet:
        return queryset if value == self.STATUS_ANY else queryset.filter(status=value)

    def filter_no_offers(
        self, queryset: HelpRequestQuerySet, name: str, value: bool
    ) -> HelpRequestQuerySet:
        return queryset.filter(offer_count=0) if value else queryset
