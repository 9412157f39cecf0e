import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services
from accounts.forms import (
    DeleteAccountForm,
    NotificationSettingsForm,
    ProfileForm,
    SubscriptionForm,
)
from board.http import AuthenticatedHttpRequest
from notifications.models import HelperSubscription
from notifications.services import preferences_for, update_settings, update_subscription


@login_required
def settings_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_profile(user=request.user, display_name=form.cleaned_data["display_name"])
        messages.success(request, _("Your settings are saved."))
        return redirect("accounts:settings")
    return render(request, "accounts/settings.html", {"form": form})


@login_required
def notifications_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Which new requests a person hears about, and which emails they get: one
    form, one Save button."""
    user = request.user
    subscription = HelperSubscription.objects.filter(user=user).first()
    data = request.POST if request.method == "POST" else None
    subscription_form = SubscriptionForm(
        data,
        initial={
            "is_active": subscription.is_active if subscription else False,
            "categories": list(subscription.categories.all()) if subscription else [],
            "response_kinds": subscription.response_kinds if subscription else [],
        },
    )
    settings_form = NotificationSettingsForm(
        data, preferences=preferences_for(user), full_emails=user.full_emails
    )
    # Both validated (not `a and b`), so every mistake shows at once.
    valid = [subscription_form.is_valid(), settings_form.is_valid()]
    if data is not None and all(valid):
        choices = dict(settings_form.cleaned_data)
        full_emails = choices.pop("full_emails")
        update_settings(user=user, full_emails=full_emails, choices=choices)
        update_subscription(user=user, **subscription_form.cleaned_data)
        messages.success(request, _("Your settings are saved."))
        return redirect("accounts:notifications")
    return render(
        request,
        "accounts/notifications.html",
        {"settings_form": settings_form, "subscription_form": subscription_form},
    )


@login_required
def export_data(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Download my data: one JSON file of everything the board keeps about me."""
    data = services.export_user_data(request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    filename = f"peer-support-board-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def delete_account(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.delete_account(request.user, keep_requests=form.keep_requests)
        logout(request)
        messages.success(
            request, _("Your account is deleted. Thank you for being part of the board.")
        )
        return redirect("requests:board")
    return render(request, "accounts/delete.html", {"form": form})
