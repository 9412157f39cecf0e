"""CrisisPhrase moved to the moderation app (moderation 0001_moder_move_models),
which keeps the table: this only drops the model from this app's state."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0009_notification_withheld"),
        ("moderation", "0001_moder_move_models"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="CrisisPhrase"),
            ],
        ),
    ]
