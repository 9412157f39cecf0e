"""One delivery enum: an outbox row records "never" (the preference's value) where
it used to record "none". Rewrites the stored rows both ways (a plain UPDATE, the
same on SQLite and PostgreSQL); preferences already said "never"."""

from django.db import migrations, models


def _rewrite(old: str, new: str):
    def rewrite(apps, schema_editor):
        Notification = apps.get_model("notifications", "Notification")
        Notification.objects.using(schema_editor.connection.alias).filter(delivery=old).update(
            delivery=new
        )

    return rewrite


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="delivery",
            field=models.CharField(
                choices=[
                    ("immediate", "Email me right away"),
                    ("digest", "Once a day, in a digest"),
                    ("never", "Don't email me (I'll see it on the board)"),
                ],
                default="immediate",
                max_length=16,
                verbose_name="email delivery",
            ),
        ),
        migrations.RunPython(_rewrite("none", "never"), _rewrite("never", "none")),
    ]
