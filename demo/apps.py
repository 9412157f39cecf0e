from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data (`manage.py seed_demo`): its words, its planner and its writers. No
    models; it imports the other apps and nothing imports it."""

    name = "demo"
    verbose_name = "Demo data"
