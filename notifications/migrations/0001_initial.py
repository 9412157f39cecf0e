"""The notification domain's models move here from the board and accounts apps
(issue 10). Only Django's state moves: each model keeps its table (`db_table`),
so nothing in the database is renamed or rebuilt. The content types (and so the
permissions granted on them, the moderators' included) follow the models."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import notifications.kinds
import notifications.models

MOVED = {
    "notification": "board",
    "notificationpreference": "accounts",
    "unsubscribetoken": "accounts",
    "helpersubscription": "accounts",
}


def move_content_types(apps, schema_editor, *, forward=True):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, old_app in MOVED.items():
        source, target = (old_app, "notifications") if forward else ("notifications", old_app)
        # A content type already made for the target (by a post_migrate signal
        # that ran in between) holds no permissions anyone was granted: the
        # source's, with its grants, replaces it.
        if ContentType.objects.filter(app_label=source, model=model).exists():
            ContentType.objects.filter(app_label=target, model=model).delete()
            ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, forward=False)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0008_plain_text_fields"),
        ("board", "0009_notification_withheld"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("requests", "0013_full_text_search"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist already (accounts and board migrations made them).
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="HelperSubscription",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "is_active",
                            models.BooleanField(
                                default=True,
                                verbose_name="tell me about new requests I could help with",
                            ),
                        ),
                        (
                            "response_kinds",
                            models.JSONField(
                                blank=True, default=list, verbose_name="kinds of response"
                            ),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "categories",
                            models.ManyToManyField(
                                blank=True,
                                related_name="subscriptions",
                                to="requests.category",
                                verbose_name="categories",
                            ),
                        ),
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="subscription",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "helper subscription",
                        "verbose_name_plural": "helper subscriptions",
                        "db_table": "accounts_helpersubscription",
                    },
                ),
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "key",
                            models.CharField(
                                max_length=200, unique=True, verbose_name="idempotency key"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                max_length=32,
                                validators=[notifications.kinds.validate_kind],
                                verbose_name="kind",
                            ),
                        ),
                        (
                            "to_email",
                            models.EmailField(
                                blank=True, max_length=254, verbose_name="to address"
                            ),
                        ),
                        ("url", models.CharField(blank=True, max_length=300, verbose_name="link")),
                        (
                            "delivery",
                            models.CharField(
                                choices=[
                                    ("immediate", "Immediately"),
                                    ("digest", "In the daily digest"),
                                    ("none", "Not by email"),
                                ],
                                default="immediate",
                                max_length=16,
                                verbose_name="email delivery",
                            ),
                        ),
                        (
                            "read_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="read"),
                        ),
                        ("payload", models.JSONField(blank=True, default=dict)),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("sending", "Sending"),
                                    ("sent", "Sent"),
                                    ("failed", "Failed"),
                                    ("skipped", "Skipped"),
                                ],
                                db_index=True,
                                default="queued",
                                max_length=16,
                                verbose_name="state",
                            ),
                        ),
                        (
                            "withheld",
                            models.BooleanField(
                                default=False, verbose_name="withheld from the recipient"
                            ),
                        ),
                        (
                            "attempts",
                            models.PositiveSmallIntegerField(default=0, verbose_name="attempts"),
                        ),
                        (
                            "next_attempt_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="next try"
                            ),
                        ),
                        (
                            "claimed_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="claimed at"),
                        ),
                        (
                            "claimed_by",
                            models.CharField(blank=True, max_length=200, verbose_name="claimed by"),
                        ),
                        (
                            "lease_until",
                            models.DateTimeField(blank=True, null=True, verbose_name="lease until"),
                        ),
                        (
                            "suspected_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="lease found lapsed"
                            ),
                        ),
                        (
                            "sent_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="sent at"),
                        ),
                        ("last_error", models.TextField(blank=True, verbose_name="last error")),
                        (
                            "created_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="created"
                            ),
                        ),
                        (
                            "digest",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="items",
                                to="notifications.notification",
                            ),
                        ),
                        (
                            "help_request",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to="requests.helprequest",
                            ),
                        ),
                        (
                            "recipient",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "notification",
                        "verbose_name_plural": "notifications",
                        "db_table": "board_notification",
                        "ordering": ["-created_at"],
                        "indexes": [
                            models.Index(
                                fields=["state", "next_attempt_at"], name="notification_due"
                            ),
                            models.Index(
                                fields=["recipient", "-created_at"], name="notification_inbox"
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="NotificationPreference",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("kind", models.CharField(max_length=32, verbose_name="kind")),
                        (
                            "delivery",
                            models.CharField(
                                choices=[
                                    ("immediate", "Email me right away"),
                                    ("digest", "Once a day, in a digest"),
                                    ("never", "Don't email me (I'll see it on the board)"),
                                ],
                                max_length=16,
                                verbose_name="delivery",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notification_preferences",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "notification preference",
                        "verbose_name_plural": "notification preferences",
                        "db_table": "accounts_notificationpreference",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "kind"), name="one_preference_per_kind"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="UnsubscribeToken",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("kind", models.CharField(max_length=32, verbose_name="kind")),
                        (
                            "token",
                            models.CharField(
                                default=notifications.models.new_unsubscribe_token,
                                max_length=64,
                                unique=True,
                            ),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="unsubscribe_tokens",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "unsubscribe link",
                        "verbose_name_plural": "unsubscribe links",
                        "db_table": "accounts_unsubscribetoken",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "kind"), name="one_unsubscribe_token_per_kind"
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
