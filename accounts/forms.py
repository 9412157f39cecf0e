from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User

DISPLAY_NAME_HELP = _(
    "This is how you appear when you post under your name. You can always post anonymously."
)


class SignupExtraForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=50,
        help_text=DISPLAY_NAME_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError(_("Please choose a name others can call you."))
        if name.casefold() == "anonymous":
            raise forms.ValidationError(
                _("“Anonymous” is kept for anonymous requests. Please choose another name.")
            )
        return name

    def signup(self, request, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.save(update_fields=["display_name"])


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name"]
        help_texts = {"display_name": DISPLAY_NAME_HELP}
        widgets = {"display_name": forms.TextInput(attrs={"autocomplete": "nickname"})}

    clean_display_name = SignupExtraForm.clean_display_name
