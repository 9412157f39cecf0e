"""Template helpers for the account pages (templates/account/)."""

from __future__ import annotations

import copy

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def without_placeholder(field: BoundField) -> SafeString:
    """The field's input without allauth's placeholder ("Password (again)"): the label says it."""
    widget = copy.copy(field.field.widget)
    widget.attrs = {k: v for k, v in widget.attrs.items() if k != "placeholder"}
    return field.as_widget(widget=widget)
