"""Model fields for text people write (titles, bodies, messages, names, notes).

They remove bidirectional control characters (board.text) on the way in, in the
one place every write path goes through: a model form or a model's full_clean
(`to_python`, and the form field it makes), and every save() (`pre_save`), so
the views, the API, the services, the admin and tasks cannot forget it.
`QuerySet.update()` skips `pre_save`: pass it text that is already clean.
"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.db import models

from board.text import strip_bidi_controls


def opaque_id() -> str:
    """An opaque, unguessable id for URLs (72 random bits, URL-safe): the public id
    of requests, offers, stories and API tokens."""
    return secrets.token_urlsafe(9)


class PlainTextFormField(forms.CharField):
    def to_python(self, value: Any) -> str | None:
        value = super().to_python(value)
        # None only when the field's empty value is None.
        return strip_bidi_controls(value) if isinstance(value, str) else value


class _PlainTextMixin:
    attname: str

    def to_python(self, value: Any) -> Any:
        # A mixin: the model field after it in the MRO has to_python and formfield.
        value = super().to_python(value)  # type: ignore[misc]
        return strip_bidi_controls(value) if isinstance(value, str) else value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = strip_bidi_controls(value)
            setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs: Any) -> Any:
        if not getattr(self, "choices", None):
            kwargs.setdefault("form_class", PlainTextFormField)
        return super().formfield(**kwargs)  # type: ignore[misc]


class PlainCharField(_PlainTextMixin, models.CharField):
    """A CharField for text people write: no bidirectional control characters."""


class PlainTextField(_PlainTextMixin, models.TextField):
    """A TextField for text people write: no bidirectional control characters."""


def text_rules(model: type[models.Model], name: str) -> dict[str, Any]:
    """The length limit and error sentences of `model.name`, as a form field's or a
    serializer field's keyword arguments (max_length, error_messages): an edge that
    parses the text shows the very rule and sentence the service checks with
    board.errors.validate, declared once on the model's field."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.max_length is None:
        raise TypeError(f"{model.__name__}.{name} is not text with a length limit")
    messages: dict[str, Any] = {}
    for validator in field.validators:
        if isinstance(validator, MaxLengthValidator):
            messages["max_length"] = validator.message
    if not field.blank:
        messages["required"] = messages["blank"] = field.error_messages["blank"]
    return {"max_length": field.max_length, "error_messages": messages}
