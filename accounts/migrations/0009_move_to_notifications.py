"""NotificationPreference, UnsubscribeToken and HelperSubscription now belong to
the notifications app (notifications/migrations/0001_initial.py): they leave
this app's state only; their tables stay, under the same names."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("accounts", "0008_plain_text_fields"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="notificationpreference",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="unsubscribetoken",
                    name="user",
                ),
                migrations.DeleteModel(
                    name="HelperSubscription",
                ),
                migrations.DeleteModel(
                    name="NotificationPreference",
                ),
                migrations.DeleteModel(
                    name="UnsubscribeToken",
                ),
            ],
        ),
    ]
