from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from requests.models import (
    BODY_MAX,
    BODY_MIN,
    MESSAGE_MAX,
    OFFER_MESSAGE_MAX,
    OFFER_MESSAGE_MIN,
    TITLE_MAX,
    TITLE_MIN,
    Category,
    HelpRequest,
)


def _length_messages(minimum: int | None) -> dict:
    # Django fills %(limit_value)d and %(show_value)d in from the validator.
    messages = {
        "required": _("This can't be empty. A few words are enough."),
        "max_length": _(
            "Please keep this to %(limit_value)d characters or fewer (it has %(show_value)d)."
        ),
    }
    if minimum:
        messages["min_length"] = _(
            "Please write at least %(limit_value)d characters (it has %(show_value)d)."
        )
    return messages


class HelpRequestForm(forms.ModelForm):
    class Meta:
        model = HelpRequest
        fields = ["title", "body", "category", "response_kind", "is_anonymous"]
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
        error_messages = {
            "title": _length_messages(TITLE_MIN),
            "body": _length_messages(BODY_MIN),
            "category": {"required": _("Please choose what your request is about.")},
            "response_kind": {"required": _("Please choose the kind of response you'd like.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.all()
        self.fields["category"].empty_label = _("Choose a category")
        # Radio buttons need no "---------" blank choice.
        self.fields["response_kind"].choices = HelpRequest.ResponseKind.choices


class OfferForm(forms.Form):
    message = forms.CharField(
        label=_("Your message to the asker"),
        min_length=OFFER_MESSAGE_MIN,
        max_length=OFFER_MESSAGE_MAX,
        help_text=_("Only the person who asked will see this. Say how you could help."),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": OFFER_MESSAGE_MAX}),
        error_messages=_length_messages(OFFER_MESSAGE_MIN),
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MESSAGE_MAX}),
        error_messages=_length_messages(None),
    )


class FollowForm(forms.Form):
    """ "Tell me about new requests like these": the board's current filters."""

    category = forms.ModelChoiceField(
        queryset=Category.objects.all(), to_field_name="slug", required=False
    )
    kind = forms.ChoiceField(choices=HelpRequest.ResponseKind.choices, required=False)
