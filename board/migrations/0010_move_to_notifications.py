"""Notification now belongs to the notifications app
(notifications/migrations/0001_initial.py): it leaves this app's state only;
its table stays, under the same name."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("board", "0009_notification_withheld"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(
                    name="Notification",
                ),
            ],
        ),
    ]
