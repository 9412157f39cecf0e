from django.db import transaction

from accounts.models import HelperSubscription, User


def update_profile(*, user: User, display_name: str) -> User:
    user.display_name = display_name
    user.save(update_fields=["display_name"])
    return user


def update_notification_settings(*, user: User, full_emails: bool, choices: dict[str, str]) -> None:
    from board.notifications import set_preferences

    with transaction.atomic():
        set_preferences(user=user, choices=choices)
        if user.full_emails != full_emails:
            user.full_emails = full_emails
            user.save(update_fields=["full_emails"])


def update_subscription(
    *, user: User, is_active: bool, categories, response_kinds: list[str]
) -> HelperSubscription:
    with transaction.atomic():
        subscription, _created = HelperSubscription.objects.update_or_create(
            user=user, defaults={"is_active": is_active, "response_kinds": list(response_kinds)}
        )
        subscription.categories.set(categories)
    return subscription
