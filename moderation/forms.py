"""The moderation pages' forms. What they accept comes from the services and the
action table: the choices are `moderation.actions.ACTIONS`, and a rule such as
"a warning needs a note" is the service's, shown on the form's field when it
refuses."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from moderation.actions import Action
from moderation.models import Report
from moderation.services import REVEAL_REASON_MIN
from requests.forms import _length_messages

NOTE_MAX = 2000


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("What's wrong?"),
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Please choose what is wrong.")},
    )
    details = forms.CharField(
        label=gettext_lazy("Anything else the moderators should know (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ActionForm(forms.Form):
    """One moderator action, among those `allowed` where it was sent from."""

    action = forms.ChoiceField()
    note = forms.CharField(required=False, max_length=NOTE_MAX, widget=forms.Textarea)
    also_hide = forms.BooleanField(required=False)

    def __init__(self, *args: Any, allowed: tuple[Action, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["action"])
        field.choices = [(action.name, action.label) for action in allowed]
        field.error_messages["required"] = _("Please choose what to do.")


class RevealAuthorForm(forms.Form):
    """Why a moderator needs to know who wrote an anonymous request."""

    reason = forms.CharField(
        label=gettext_lazy("Why do you need to know who wrote this request?"),
        min_length=REVEAL_REASON_MIN,
        max_length=2000,
        help_text=gettext_lazy(
            "Recorded with your name in the moderation log. The asker is told that a "
            "moderator looked (not which one)."
        ),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
        error_messages=_length_messages(REVEAL_REASON_MIN),
    )
