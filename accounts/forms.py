from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import DISPLAY_NAME_MAX, User
from board.errors import Invalid
from notifications.kinds import REGISTRY, Delivery

if TYPE_CHECKING:  # for annotations only: requests is above accounts in the import order
    from requests.models import Category

DISPLAY_NAME_HELP = _(
    "This is how you appear when you post under your name. You can always post anonymously."
)


class SignupExtraForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=DISPLAY_NAME_MAX,
        help_text=DISPLAY_NAME_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )

    def clean_display_name(self) -> str:
        # The rules live in the service (accounts.services.check_display_name).
        try:
            return services.check_display_name(self.cleaned_data["display_name"])
        except Invalid as refusal:
            raise forms.ValidationError(str(refusal)) from refusal

    def signup(self, request: HttpRequest, user: User) -> None:
        services.update_profile(user=user, display_name=self.cleaned_data["display_name"])


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name"]
        help_texts = {"display_name": DISPLAY_NAME_HELP}
        widgets = {"display_name": forms.TextInput(attrs={"autocomplete": "nickname"})}

    clean_display_name = SignupExtraForm.clean_display_name


class NotificationSettingsForm(forms.Form):
    """Email delivery per kind of notification, and fuller emails."""

    full_emails = forms.BooleanField(
        label=_("Fuller emails: include the request's title and the words of offers and messages"),
        required=False,
        help_text=_(
            "The title then also appears in the subject line and in digests. Off by default, "
            "so that nothing personal shows in an inbox or on a lock screen. Names and email "
            "addresses are never included."
        ),
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        preferences: dict[str, str],
        full_emails: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, initial={"full_emails": full_emails, **preferences}, **kwargs)
        for kind in preferences:
            spec = REGISTRY[kind]
            self.fields[kind] = forms.ChoiceField(
                label=spec.setting_label,
                help_text=str(spec.audience),
                choices=Delivery.choices,
                widget=forms.Select,
            )
        # Delivery choices first, the fuller-emails switch last.
        self.order_fields([*preferences, "full_emails"])

    @property
    def delivery_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name != "full_emails"]


class SubscriptionForm(forms.Form):
    is_active = forms.BooleanField(
        label=_("Tell me about new requests I could help with"), required=False
    )
    categories: forms.ModelMultipleChoiceField[Category] = forms.ModelMultipleChoiceField(
        label=_("Categories"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose none to hear about every category."),
    )
    response_kinds = forms.MultipleChoiceField(
        label=_("Kinds of response"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose none to hear about every kind."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # local import: requests sits above accounts in the import order (README).
        from requests.models import Category, HelpRequest

        super().__init__(*args, **kwargs)
        categories, kinds = self.fields["categories"], self.fields["response_kinds"]
        if not isinstance(categories, forms.ModelMultipleChoiceField) or not isinstance(
            kinds, forms.MultipleChoiceField
        ):
            raise TypeError("SubscriptionForm's categories and kinds are declared as choices")
        categories.queryset = Category.objects.all()
        kinds.choices = HelpRequest.ResponseKind.choices


class DeleteAccountForm(forms.Form):
    """Deleting an account: what happens to the requests, and the password to confirm."""

    REMOVE, KEEP = "remove", "keep"
    requests = forms.ChoiceField(
        label=_("Your requests"),
        choices=[
            (
                REMOVE,
                _(
                    "Remove them, with the offers and conversations on them. They all go "
                    "at the same moment, so someone watching the board closely could guess "
                    "they were one person's; keeping them is the choice that links nothing."
                ),
            ),
            (
                KEEP,
                _(
                    "Keep them on the board as anonymous, no longer linked to you. "
                    "Conversations on your anonymous requests stay as they are, your "
                    "messages included, shown under the request's alias; on requests that "
                    "showed your name, your messages are deleted and the helper sees a note."
                ),
            ),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose what happens to your requests.")},
    )
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("So that nobody else can delete your account."),
        error_messages={"required": _("Please type your password to confirm.")},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That isn't your password. Please try again."))
        return password

    @property
    def keep_requests(self) -> bool:
        return self.cleaned_data["requests"] == self.KEEP
