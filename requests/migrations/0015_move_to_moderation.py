"""ModerationAction and Report moved to the moderation app (moderation 0001_initial),
which keeps the table: this only drops the model from this app's state."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("requests", "0014_rules_on_fields"),
        ("moderation", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="ModerationAction"),
                migrations.DeleteModel(name="Report"),
            ],
        ),
    ]
