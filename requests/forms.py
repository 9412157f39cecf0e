from typing import Any

from django import forms
from django.core.validators import MinLengthValidator
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from requests.models import (
    BODY_MAX,
    BODY_MIN,
    EMPTY,
    TITLE_MAX,
    TITLE_MIN,
    TOO_LONG,
    TOO_SHORT,
    Category,
    HelpRequest,
    Message,
    Offer,
)


def _length_messages(minimum: int | None) -> dict:
    # Django fills %(limit_value)d and %(show_value)d in from the validator.
    messages = {"required": EMPTY, "max_length": TOO_LONG}
    if minimum:
        messages["min_length"] = TOO_SHORT
    return messages


def model_field(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):  # a reverse relation has no form field
        raise TypeError(f"{model.__name__}.{name} is not a field people write")
    return field


def messages_of(field: models.Field) -> dict:
    """A form field's error sentences, taken from the model field's (requests.models)."""
    return {
        "required": field.error_messages["blank"],
        "max_length": TOO_LONG,
        "min_length": TOO_SHORT,
    }


def text_field(model: type[models.Model], name: str, **kwargs: Any) -> forms.Field:
    """The form field for a text people write, with the limits and sentences of the
    model field (requests.models), so that they are declared once."""
    field = model_field(model, name)
    minimum = next(
        (rule.limit_value for rule in field.validators if isinstance(rule, MinLengthValidator)),
        None,
    )
    attrs = {"maxlength": field.max_length, **kwargs.pop("attrs", {})}
    form_field = field.formfield(
        min_length=minimum,
        error_messages=messages_of(field),
        widget=forms.Textarea(attrs=attrs),
        **kwargs,
    )
    if form_field is None:
        raise TypeError(f"{model.__name__}.{name} has no form field")
    return form_field


class HelpRequestForm(forms.ModelForm):
    class Meta:
        model = HelpRequest
        fields = HelpRequest.EDITABLE_FIELDS
        labels = {
            "title": _("In a line, what would help?"),
            "body": _("Tell people a little more"),
            "category": _("What is it about?"),
            "response_kind": _("What kind of response would you like?"),
            "is_anonymous": _("Post anonymously"),
        }
        help_texts = {
            "title": format_lazy(
                _("Between {min} and {max} characters."), min=TITLE_MIN, max=TITLE_MAX
            ),
            "body": format_lazy(
                _(
                    "Share only what you are comfortable with. Markdown works for lists and "
                    "links. Between {min} and {max} characters."
                ),
                min=BODY_MIN,
                max=BODY_MAX,
            ),
            "is_anonymous": _(
                "Others will see a made-up name such as “Anonymous Quiet Otter 42” instead of "
                "yours, different for each request. Only you can see that this request is yours."
            ),
        }
        widgets = {
            "title": forms.TextInput(attrs={"maxlength": TITLE_MAX}),
            "body": forms.Textarea(attrs={"rows": 8, "maxlength": BODY_MAX}),
            "response_kind": forms.RadioSelect,
        }
        # The model fields' sentences (requests.models), for every field listed.
        error_messages = {
            name: messages_of(model_field(HelpRequest, name))
            for name in HelpRequest.EDITABLE_FIELDS
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category, response_kind = self.fields["category"], self.fields["response_kind"]
        if not isinstance(category, forms.ModelChoiceField) or not isinstance(
            response_kind, forms.ChoiceField
        ):
            raise TypeError("HelpRequest's category and response_kind are choice fields")
        category.queryset = Category.objects.all()
        category.empty_label = _("Choose a category")
        # Radio buttons need no "---------" blank choice.
        response_kind.choices = HelpRequest.ResponseKind.choices


class OfferForm(forms.Form):
    message = text_field(
        Offer,
        "message",
        label=_("Your message to the asker"),
        help_text=_("Only the person who asked will see this. Say how you could help."),
        attrs={"rows": 4},
    )


class MessageForm(forms.Form):
    body = text_field(Message, "body", label=_("Your message"), attrs={"rows": 3})


class FollowForm(forms.Form):
    """ "Tell me about new requests like these": the board's current filters."""

    category = forms.ModelChoiceField(
        queryset=Category.objects.all(), to_field_name="slug", required=False
    )
    kind = forms.ChoiceField(choices=HelpRequest.ResponseKind.choices, required=False)
