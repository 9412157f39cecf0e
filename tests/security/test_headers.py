"""Security headers on every kind of response, the production settings, and
templates that keep the Content-Security-Policy workable (nothing inline)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from board.middleware import SEEN_KEY

PROJECT_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_KEY = "prod-" + "k3y-for-tests-0123456789abcdefghijklmnopqrstuvwxyz"

EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def csp_of(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, _sep, value = part.strip().partition(" ")
        directives[name] = value.strip()
    return directives


def assert_secure_headers(response) -> None:
    assert csp_of(response) == EXPECTED_CSP
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions


@pytest.fixture
def member_client(asker):
    client = Client()
    client.force_login(asker)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/how-it-works/", 200),
        ("/privacy/", 200),
        ("/accounts/login/", 200),
        ("/no-such-page/", 404),
        ("/requests/new/", 302),  # a visitor is sent to sign in
        ("/my/requests/", 302),
    ],
)
def test_it_sends_the_headers_on_pages_redirects_and_errors(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert_secure_headers(response)


def test_it_sends_the_headers_on_a_400_and_a_403(client, help_request):
    response = client.get("/", HTTP_HOST="elsewhere.invalid")
    assert response.status_code == 400
    assert_secure_headers(response)

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("account_login"), {"login": "x@example.org"})
    assert response.status_code == 403
    assert_secure_headers(response)


def test_it_sends_the_headers_on_a_500(asker):
    from django.urls import path

    def broken(request):
        raise RuntimeError("boom")

    client = Client(raise_request_exception=False)
    from django.test import override_settings

    urlconf = type("urls", (), {"urlpatterns": [path("broken/", broken)]})
    urlconf.handler500 = "board.views.server_error"
    with override_settings(ROOT_URLCONF=urlconf):
        response = client.get("/broken/")
    assert response.status_code == 500
    assert_secure_headers(response)
    page = response.content.decode()
    assert "<style" not in page
    assert "board/error.css" in page


def test_it_sends_the_headers_on_member_pages_and_downloads(member_client):
    for name in ("requests:mine", "accounts:settings", "accounts:delete", "notifications"):
        response = member_client.get(reverse(name))
        assert response.status_code == 200
        assert_secure_headers(response)
    response = member_client.get(reverse("accounts:export"))
    assert response.status_code == 200
    assert_secure_headers(response)


@pytest.mark.django_db
def test_the_policy_allows_nothing_inline(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "nonce-" not in policy
    assert "*" not in policy


# Pages are rendered under the CSP; email HTML is not (mail clients need inline styles).
INLINE = [
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"<style[\s>]", re.I), "a <style> element"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def test_no_page_template_has_inline_styles_or_scripts():
    problems = []
    for template in sorted((PROJECT_DIR / "templates").rglob("*.html")):
        relative = template.relative_to(PROJECT_DIR / "templates")
        if relative.parts[:2] == ("notifications", "emails"):
            continue
        text = template.read_text()
        for pattern, what in INLINE:
            if pattern.search(text):
                problems.append(f"{relative}: {what}")
        for match in re.finditer(r"<script(?P<attrs>[^>]*)>", text, re.I):
            attrs = match.group("attrs")
            if "src=" not in attrs and "application/json" not in attrs:
                problems.append(f"{relative}: an inline <script>")
    assert not problems, problems


def test_allauths_email_page_renders_without_inline_styles(
    asker, django_capture_on_commit_callbacks
):
    """allauth's email change page has `style="display: none"`; ours overrides it."""
    client = Client()
    client.force_login(asker)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_email"), {"action_add": "", "email": "asha.new@example.org"})
    page = client.get(reverse("account_email")).content.decode()
    assert "asha.new@example.org" in page  # the pending change, with its hidden form
    assert 'id="pending-email"' in page
    assert "style=" not in page


# --- The session: idle timeout ------------------------------------------------------------


def test_the_session_ends_after_two_weeks_without_a_visit():
    assert settings.SESSION_COOKIE_AGE == 14 * 24 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"


def test_a_visit_renews_a_stale_session_and_not_a_fresh_one(member_client):
    session = member_client.session
    assert session[SEEN_KEY] >= time.time() - 5  # marked at sign-in

    response = member_client.get(reverse("requests:mine"))
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # fresh: no write

    session[SEEN_KEY] = int(time.time()) - settings.BOARD_SESSION_RENEW_SECONDS - 1
    session.save()
    response = member_client.get(reverse("requests:mine"))
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE
    assert member_client.session[SEEN_KEY] >= time.time() - 5


@pytest.mark.django_db
def test_a_visitor_gets_no_session(client):
    response = client.get("/")
    assert settings.SESSION_COOKIE_NAME not in response.cookies


# --- Production settings --------------------------------------------------------------------


def run_django(args: list[str], **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "PYTEST", "CI"))
    }
    environment["DJANGO_SETTINGS_MODULE"] = "board.settings"
    environment |= env
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "board.example.org",
    "DJANGO_SECRET_KEY": PRODUCTION_KEY,
}


def test_check_deploy_is_clean_under_production_settings():
    result = run_django(["check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_and_hsts():
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE, s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_SSL_REDIRECT)"
    )
    result = run_django(["shell", "-c", code], **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["True", "True", "True", "Lax", "True", "True"]


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY"),
        (
            {"DJANGO_SECRET_KEY": "local-only-insecure-secret-key-never-used-in-production"},
            "DJANGO_SECRET_KEY",
        ),
        ({"DJANGO_SECRET_KEY": "too-short-a-secret"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "django-insecure-" + "x1y2z3" * 10}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_without_a_real_secret_and_hosts(changes, complaint):
    result = run_django(["check"], **(PRODUCTION | changes))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert complaint in result.stderr
