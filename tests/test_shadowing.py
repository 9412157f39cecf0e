"""Our app is called `requests`, which shadows PyPI's `requests` for every
module in this process. That is safe only while no dependency uses PyPI's
`requests`: one that did would get our Django app instead (or, guarded by
`try: import requests`, silently lose a feature). These tests keep it so."""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent

# What the board and its tooling import, top to bottom of the stack.
DEPENDENCY_MODULES = [
    "django",
    "celery",
    "celery.app",
    "celery.backends.redis",
    "kombu",
    "kombu.transport.redis",
    "redis",
    "allauth.account",
    "allauth.account.views",
    "allauth.account.adapter",
    "csp.middleware",
    "rest_framework",
    "rest_framework.views",
    "rest_framework.test",
    "django_filters",
    "django_filters.rest_framework",
    "knox.auth",
    "drf_spectacular.openapi",
    "drf_spectacular.views",
    "drf_spectacular.validation",
    "drf_spectacular_sidecar",
    "drf_standardized_errors.handler",
    "drf_standardized_errors.openapi",
    "nh3",
    "markdown_it",
    "dj_database_url",
    "psycopg",
    "whitenoise.middleware",
    "gunicorn.app.wsgiapp",
    "tqdm",
    "aiosmtpd.controller",
    "playwright.sync_api",
    "factory",
    "pytest_django",
]

# Dependencies that try `import requests` for an optional feature, guarded by
# `except ImportError`. Each is known and neutralised: see tests/tiers.py.
OPTIONAL_USERS = ["rest_framework/compat.py"]


def _is_requests(name: str) -> bool:
    return name.lower().replace("_", "-") == "requests"


def test_pypi_requests_is_not_installed():
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("requests")


def test_no_installed_distribution_provides_a_top_level_requests_module():
    offenders = []
    for dist in importlib.metadata.distributions():
        top_level = (dist.read_text("top_level.txt") or "").split()
        files = [str(path) for path in dist.files or []]
        provides = "requests" in top_level or any(
            path.startswith(("requests/", "requests.py", "requests\\")) for path in files
        )
        if provides:
            offenders.append(dist.metadata["Name"])
    assert offenders == [], f"these distributions install a `requests` module: {offenders}"


def test_no_type_stubs_for_pypi_requests_are_installed():
    """mypy (make types) must read `requests` as our app: a `requests-stubs`
    package (types-requests, or djangorestframework-stubs' `requests` extra)
    would describe PyPI's library under the same name."""
    offenders = [
        dist.metadata["Name"]
        for dist in importlib.metadata.distributions()
        if any(str(path).startswith("requests-stubs/") for path in dist.files or [])
    ]
    assert offenders == [], f"these distributions install stubs for `requests`: {offenders}"


def test_no_installed_distribution_requires_requests():
    """Requirements that apply without extras; one behind an extra we don't
    install (e.g. `foo[http]`) is fine, since it is never installed."""
    from packaging.requirements import Requirement

    offenders = []
    for dist in importlib.metadata.distributions():
        for line in dist.requires or []:
            requirement = Requirement(line)
            if not _is_requests(requirement.name):
                continue
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                offenders.append(f"{dist.metadata['Name']}: {line}")
    assert offenders == [], f"these distributions need PyPI's requests: {offenders}"


def test_import_requests_is_our_app():
    # Imported by name on purpose: whatever `requests` resolves to must be our app.
    shadowing = importlib.import_module("requests")
    from requests.apps import RequestsConfig

    assert Path(shadowing.__file__).resolve().parent == PROJECT_DIR / "requests"
    assert RequestsConfig.name == "requests"


# Runs in a fresh interpreter, isolated (-I) and outside the checkout, so our
# app is not importable there: any import of `requests` comes from a dependency.
PROBE = r"""
import importlib.abc, json, sys, traceback

attempts = []

class RecordRequests(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname == "requests" or fullname.startswith("requests."):
            origin = None
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(fullname, path, target)
                if spec is not None:
                    origin = spec.origin
                    break
            stack = [
                f"{frame.filename}:{frame.lineno}"
                for frame in traceback.extract_stack()
                if "importlib" not in frame.filename and "<frozen" not in frame.filename
            ]
            attempts.append({"module": fullname, "resolves_to": origin, "importer": stack[-3:]})
        return None

sys.meta_path.insert(0, RecordRequests())

import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "allauth",
        "allauth.account",
        "rest_framework",
        "django_filters",
        "knox",
        "drf_spectacular",
        "drf_spectacular_sidecar",
        "drf_standardized_errors",
    ],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    MIDDLEWARE=["allauth.account.middleware.AccountMiddleware"],
    SECRET_KEY="shadowing-probe",
)
django.setup()

failures = {}
for name in json.loads(sys.argv[1]):
    try:
        __import__(name)
    except Exception as exc:
        failures[name] = f"{type(exc).__name__}: {exc}"
print(json.dumps({"attempts": attempts, "failures": failures}))
"""


def test_rest_framework_test_client_imports():
    """DRF's optional `import requests` would find our app; tests/tiers.py
    tells DRF that PyPI's requests is absent, so its test client works."""
    from rest_framework import compat
    from rest_framework.test import APIClient

    assert compat.requests is None
    assert APIClient


def test_no_dependency_imports_a_requests_module(tmp_path):
    result = subprocess.run(
        [sys.executable, "-I", "-c", PROBE, json.dumps(DEPENDENCY_MODULES)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["failures"] == {}, f"could not import: {report['failures']}"
    from_site_packages = [a for a in report["attempts"] if a["resolves_to"] is not None]
    assert from_site_packages == [], (
        "a `requests` module is importable from site-packages (PyPI's requests?): "
        f"{json.dumps(from_site_packages, indent=2)}"
    )
    unexpected = [
        attempt
        for attempt in report["attempts"]
        if not any(
            frame.rsplit(":", 1)[0].endswith(allowed)
            for frame in attempt["importer"]
            for allowed in OPTIONAL_USERS
        )
    ]
    assert unexpected == [], (
        "a dependency imports `requests` (in this project that name is our Django app, "
        f"so it would get the app instead): {json.dumps(unexpected, indent=2)}"
    )
