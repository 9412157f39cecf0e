from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsConfig(AppConfig):
    # This package shadows the PyPI `requests` library on the import path; no
    # dependency of the project may import that library (tests/test_shadowing.py).
    name = "requests"
    label = "requests"
    verbose_name = _("Help requests")
