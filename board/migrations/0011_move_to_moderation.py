"""CrisisPhrase moved to the moderation app (moderation 0001_initial),
which keeps the table: this only drops the model from this app's state."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0010_move_to_notifications"),
        ("moderation", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="CrisisPhrase"),
            ],
        ),
    ]
