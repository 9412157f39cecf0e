"""One delivery enum for preferences and outbox rows, and the migration that
rewrote the rows' old "none"."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

from django.apps import apps
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from notifications import services
from notifications.kinds import Delivery
from notifications.models import Notification, NotificationPreference
from tests.factories import NotificationFactory

MIGRATION = importlib.import_module("notifications.migrations.0002_one_delivery_enum")


def test_preferences_and_rows_share_one_enum():
    assert Notification.Delivery is Delivery
    for model in (Notification, NotificationPreference):
        assert model._meta.get_field("delivery").choices == Delivery.choices


def test_a_row_for_someone_who_wants_no_email_says_never(asker):
    services.set_preferences(user=asker, choices={"offer_received": Delivery.NEVER})
    row = services.notify(kind="offer_received", recipient=asker, key="one-enum")
    assert row is not None
    assert row.delivery == Delivery.NEVER == "never"
    assert row.state == Notification.State.SKIPPED


def test_the_migration_rewrites_stored_rows_both_ways(db):
    never, immediate = NotificationFactory(), NotificationFactory()
    Notification.objects.filter(pk=never.pk).update(delivery="none")
    editor = SimpleNamespace(connection=connection)
    rewrite = MIGRATION.Migration.operations[-1]
    assert rewrite.reversible

    rewrite.code(apps, editor)
    assert Notification.objects.get(pk=never.pk).delivery == "never"
    rewrite.reverse_code(apps, editor)
    assert Notification.objects.get(pk=never.pk).delivery == "none"
    assert Notification.objects.get(pk=immediate.pk).delivery == "immediate"


def test_the_api_accepts_the_values_clients_send_today(asker):
    client = APIClient()
    client.force_login(asker)
    url = reverse("api:notification_settings")
    for value in ("immediate", "digest", "never"):
        body = {"deliveries": {"offer_received": value}, "full_emails": False}
        response = client.put(url, body, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["deliveries"]["offer_received"] == value
