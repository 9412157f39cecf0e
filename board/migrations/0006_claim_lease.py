from django.db import migrations, models
from django.db.models import F


def lease_rows_being_sent(apps, schema_editor):
    """Rows left in "sending" by the old code get a lease that ended when they
    were claimed, so the sweeper treats them as it did (after a confirmation)."""
    Notification = apps.get_model("board", "Notification")
    Notification.objects.filter(state="sending").update(lease_until=F("claimed_at"))


class Migration(migrations.Migration):
    dependencies = [("board", "0005_offer_reopened_kind")]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="claimed_by",
            field=models.CharField(blank=True, max_length=200, verbose_name="claimed by"),
        ),
        migrations.AddField(
            model_name="notification",
            name="lease_until",
            field=models.DateTimeField(blank=True, null=True, verbose_name="lease until"),
        ),
        migrations.AddField(
            model_name="notification",
            name="suspected_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="lease found lapsed"),
        ),
        migrations.RunPython(lease_rows_being_sent, migrations.RunPython.noop),
    ]
