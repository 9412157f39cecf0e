from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsConfig(AppConfig):
    # This package shadows the PyPI `requests` library on the import path; no
    # dependency of the project may import that library (tests/test_shadowing.py).
    name = "requests"
    label = "requests"
    verbose_name = _("Help requests")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # local import: search reads the models, which load after the app configs.
        from requests.search import ensure_sqlite_triggers

        keep_drf_off_this_app()
        post_migrate.connect(ensure_sqlite_triggers, sender=self)


def keep_drf_off_this_app() -> None:
    """DRF's `rest_framework.compat` does `try: import requests` for its optional
    RequestsClient, and finds this app; `rest_framework.test` (which drf-spectacular
    imports to build the API schema) would then die on `requests.packages`. Tell
    DRF the truth: PyPI's requests is not installed. (tests/tiers.py does the same
    for the test run, before any app is ready.)"""
    import rest_framework.compat

    found = getattr(rest_framework.compat, "requests", None)
    if found is not None and not hasattr(found, "Session"):
        # drf-stubs type it as the module; DRF itself sets None when requests is missing.
        rest_framework.compat.requests = None  # type: ignore[assignment]
