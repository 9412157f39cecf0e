from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from board.fields import text_rules
from requests.models import Category
from stories.models import Story

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

# The answers' limit and sentence come from the model's fields; "at least one
# answer" is checked by the service (stories.services.clean_texts), not here.
ANSWER_RULES = text_rules(Story, "hard_to_ask")


def _prompt(label: StrOrPromise, help_text: StrOrPromise = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 4}),
        **ANSWER_RULES,
    )


class StoryForm(forms.Form):
    hard_to_ask = _prompt(
        _("What made it hard to ask?"),
        _("Answer one question or all three; a few lines are enough."),
    )
    when_i_did = _prompt(_("What happened when you did?"))
    to_someone_hesitating = _prompt(_("What would you tell someone who is hesitating?"))
    category = forms.ModelChoiceField(
        label=_("Category (optional)"),
        queryset=Category.objects.order_by("order", "name"),
        required=False,
        help_text=_("Helps readers find stories like theirs."),
    )
    show_name = forms.BooleanField(
        label=_("Show my display name"),
        required=False,
        help_text=_(
            "Off: the story shows a made-up name of its own, not your request's. "
            "Your story never links to your request or your conversation."
        ),
    )

    def texts(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in Story.TEXT_FIELDS}


class NewStoryForm(StoryForm):
    name_helper = forms.BooleanField(
        label=_("Ask my helper whether I may mention them by name"),
        required=False,
        help_text=_(
            "They are asked through the board and named only if they agree. They will see your "
            "story when asked."
        ),
    )


class ProposedEditForm(forms.Form):
    """A moderator's edit for privacy, with a note for the author."""

    hard_to_ask = _prompt(_("What made it hard to ask?"))
    when_i_did = _prompt(_("What happened when you did?"))
    to_someone_hesitating = _prompt(_("What would you tell someone who is hesitating?"))
    note = forms.CharField(
        label=_("A kind note for the author"), max_length=2000, widget=forms.Textarea
    )
