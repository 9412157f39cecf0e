"""Who moderates: staff in the "Moderators" group, with just the permissions
the admin needs to look after the board (no user management, no deletes)."""

from django.contrib.auth.models import Group, Permission

from accounts.models import User

MODERATORS = "Moderators"
MODERATOR_PERMISSIONS = [
    ("requests", "view_category"),
    ("requests", "change_category"),
    ("requests", "add_category"),
    ("requests", "view_helprequest"),
    ("requests", "change_helprequest"),
    ("requests", "view_offer"),
    ("requests", "view_message"),
    ("notifications", "view_notification"),
    ("notifications", "change_notification"),
    # Reports and the moderation log (the queue at /moderation/, and the admin).
    ("requests", "view_report"),
    ("requests", "change_report"),
    ("requests", "view_moderationaction"),
    # Crisis help: the resources listed and the phrases that show the crisis panel.
    ("board", "view_crisisresource"),
    ("board", "change_crisisresource"),
    ("board", "add_crisisresource"),
    ("board", "view_crisisphrase"),
    ("board", "change_crisisphrase"),
    ("board", "add_crisisphrase"),
    # The audited break-glass look at who wrote an anonymous request.
    ("requests", "reveal_author"),
]


def moderators_group() -> Group:
    group, _created = Group.objects.get_or_create(name=MODERATORS)
    permissions = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in MODERATOR_PERMISSIONS
    ]
    group.permissions.set(permissions)
    return group


def make_moderator(*, user: User) -> User:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(moderators_group())
    return user
