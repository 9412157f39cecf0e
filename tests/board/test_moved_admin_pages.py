"""Models that moved app in the redesign keep their admin bookmarks working."""

import pytest
from django.urls import reverse

from board.urls import MOVED_IN_ADMIN
from moderation.models import Report
from tests.factories import HelpRequestFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(("old", "new_app"), sorted(MOVED_IN_ADMIN.items()))
def test_an_old_admin_list_leads_to_the_new_one(staff, old, new_app):
    old_app, model = old
    response = staff.get(f"/admin/{old_app}/{model}/?o=1")
    assert response.status_code == 301
    assert response["Location"] == f"/admin/{new_app}/{model}/?o=1"
    assert staff.get(response["Location"]).status_code == 200


def test_an_old_admin_row_leads_to_the_new_one(staff):
    report = Report.objects.create(
        reporter=UserFactory(), reason=Report.Reason.SPAM, help_request=HelpRequestFactory()
    )
    response = staff.get(f"/admin/requests/report/{report.pk}/change/")
    assert response["Location"] == reverse("admin:moderation_report_change", args=[report.pk])


def test_the_redirect_stays_on_the_admin(staff):
    response = staff.get("/admin/board/notification///elsewhere.example/")
    assert response["Location"].startswith("/admin/notifications/notification/")
