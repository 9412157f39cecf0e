from django.db import migrations

RESOURCES = [
    (
        "Emergency services",
        "If you or someone else is in immediate danger, call your local emergency number now: "
        "112 in Europe, 911 in North America, 999 in the UK, 000 in Australia.",
        "",
        "",
    ),
    (
        "Find A Helpline",
        "Free, confidential helplines and crisis lines in over 130 countries.",
        "",
        "https://findahelpline.com",
    ),
    (
        "International Association for Suicide Prevention",
        "A directory of crisis centres around the world.",
        "",
        "https://www.iasp.info/crisis-centres-helplines/",
    ),
]

PHRASES = [
    "kill myself",
    "killing myself",
    "end my life",
    "ending my life",
    "want to die",
    "wish i was dead",
    "better off dead",
    "suicide",
    "suicidal",
    "take my own life",
    "hurt myself",
    "harm myself",
    "self harm",
    "self-harm",
    "overdose",
    "no reason to live",
    "can't go on",
    "end it all",
]


def seed(apps, schema_editor):
    CrisisResource = apps.get_model("board", "CrisisResource")
    CrisisPhrase = apps.get_model("board", "CrisisPhrase")
    for order, (name, description, phone, url) in enumerate(RESOURCES):
        CrisisResource.objects.get_or_create(
            name=name,
            defaults={"description": description, "phone": phone, "url": url, "order": order},
        )
    for phrase in PHRASES:
        CrisisPhrase.objects.get_or_create(phrase=phrase)


def unseed(apps, schema_editor):
    apps.get_model("board", "CrisisResource").objects.filter(
        name__in=[name for name, *_rest in RESOURCES]
    ).delete()
    apps.get_model("board", "CrisisPhrase").objects.filter(phrase__in=PHRASES).delete()


class Migration(migrations.Migration):
    dependencies = [("board", "0003_crisis_help")]
    operations = [migrations.RunPython(seed, unseed)]
