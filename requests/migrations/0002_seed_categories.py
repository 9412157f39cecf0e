from django.db import migrations

CATEGORIES = [
    ("someone-to-talk-to", "Someone to talk to", "When you'd like a kind ear, no fixing needed."),
    ("practical-help", "Practical help", "A hand with something that needs doing."),
    ("advice", "Advice", "Another view from someone who has been there."),
    ("errands", "Errands", "Shopping, a lift, picking something up."),
    ("study-and-work", "Study and work", "Coursework, job hunting, a difficult workplace."),
    ("health-and-wellbeing", "Health and wellbeing", "Finding your way through care and recovery."),
    ("other", "Other", "Anything else. Every kind of ask is welcome here."),
]


def seed(apps, schema_editor):
    Category = apps.get_model("requests", "Category")
    for order, (slug, name, description) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "order": order}
        )


def unseed(apps, schema_editor):
    Category = apps.get_model("requests", "Category")
    # Only categories no request uses; the rest stay with their requests.
    Category.objects.filter(slug__in=[slug for slug, _n, _d in CATEGORIES], requests=None).delete()


class Migration(migrations.Migration):
    dependencies = [("requests", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
