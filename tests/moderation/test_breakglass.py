"""The audited break-glass: a moderator sees who wrote an anonymous request only with a
written reason, the look is logged, and the asker is told."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from board.errors import ServiceError
from moderation import services
from moderation.models import ModerationAction, Report
from moderation.services import moderators_group
from notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REASON = "A report says this person may be in danger tonight; we need to reach them."


@pytest.fixture
def moderator(moderator):
    moderator.groups.add(moderators_group())
    return moderator


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _url(help_request) -> str:
    return reverse("breakglass:who_wrote", args=[help_request.public_id])


def test_a_look_only_asks_why(anonymous_request, moderator, asker):
    response = _client(moderator).get(_url(anonymous_request))

    page = response.content.decode()
    assert response.status_code == 200
    assert anonymous_request.title in page
    assert 'name="reason"' in page
    assert asker.display_name not in page
    assert asker.email not in page
    assert not ModerationAction.objects.exists()


@pytest.mark.parametrize("reason", ["", "   ", "just curious", "x" * 19])
def test_it_needs_a_written_reason(anonymous_request, moderator, asker, reason):
    response = _client(moderator).post(_url(anonymous_request), {"reason": reason})

    page = response.content.decode()
    assert response.status_code == 200
    assert "form-errors" in page
    assert asker.display_name not in page
    assert asker.email not in page
    assert not ModerationAction.objects.exists()
    assert not Notification.objects.filter(kind=Notification.Kind.MODERATOR_LOOKED).exists()


def test_a_reasoned_look_is_logged_the_asker_told_and_then_the_author_shown(
    anonymous_request, moderator, asker, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(moderator).post(_url(anonymous_request), {"reason": REASON}, follow=True)

    # Post/redirect/get: the answer is a page of its own, safe to reload.
    assert response.redirect_chain == [(_url(anonymous_request), 302)]
    page = response.content.decode()
    assert response.status_code == 200
    assert asker.display_name in page
    assert asker.email in page
    assert "no-store" in response["Cache-Control"]

    (action,) = ModerationAction.objects.all()
    assert action.kind == ModerationAction.Kind.REVEAL_AUTHOR
    assert action.moderator == moderator
    assert action.help_request == anonymous_request
    assert action.reason == REASON
    # The log names the request, never the author: it links nobody to their requests.
    assert action.subject is None

    (told,) = Notification.objects.filter(kind=Notification.Kind.MODERATOR_LOOKED)
    assert told.recipient == asker
    assert told.url == anonymous_request.get_absolute_url()
    assert told.help_request == anonymous_request
    (email,) = [m for m in mailoutbox if m.to == [asker.email]]
    text = "\n".join([email.subject, email.body, email.alternatives[0][0]])
    assert "a moderator looked" in text.lower()
    for secret in (moderator.display_name, moderator.email, REASON):
        assert secret not in text

    # The asker's notifications page has the entry, without the moderator.
    inbox = _client(asker).get(reverse("notifications")).content.decode()
    assert "A moderator looked at an anonymous request" in inbox
    assert moderator.display_name not in inbox


def test_reloading_the_answer_is_the_same_look(
    anonymous_request, moderator, asker, mailoutbox, django_capture_on_commit_callbacks
):
    client = _client(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url(anonymous_request), {"reason": REASON})
        reloads = [client.get(_url(anonymous_request)) for _ in range(3)]
        # The form sent again (a back button, a double click): still one look.
        again = client.post(_url(anonymous_request), {"reason": REASON}, follow=True)

    for response in [*reloads, again]:
        assert asker.email in response.content.decode()
    assert ModerationAction.objects.count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.MODERATOR_LOOKED).count() == 1
    assert [m.to for m in mailoutbox] == [[asker.email]]


def test_a_later_look_shows_nothing_until_asked_again(anonymous_request, moderator, asker):
    client = _client(moderator)
    client.post(_url(anonymous_request), {"reason": REASON})
    ModerationAction.objects.update(
        created_at=timezone.now() - services.REVEAL_LOOK_WINDOW - timedelta(seconds=1)
    )

    page = client.get(_url(anonymous_request)).content.decode()

    assert asker.display_name not in page
    assert 'name="reason"' in page
    assert ModerationAction.objects.count() == 1


def test_another_moderators_look_is_not_shown_to_me(anonymous_request, moderator, asker):
    _client(moderator).post(_url(anonymous_request), {"reason": REASON})
    colleague = UserFactory(is_staff=True)
    colleague.groups.add(moderators_group())

    page = _client(colleague).get(_url(anonymous_request)).content.decode()

    assert asker.email not in page


def test_the_queue_links_to_it_for_moderators_with_the_permission_only(
    anonymous_request, moderator, outsider
):
    Report.objects.create(reporter=outsider, help_request=anonymous_request, reason="unsafe")
    queue = _client(moderator).get(reverse("moderation:queue")).content.decode()
    assert _url(anonymous_request) in queue

    without = UserFactory(is_staff=True)
    without.groups.add(moderators_group())
    without.groups.first().permissions.remove(Permission.objects.get(codename="reveal_author"))
    without = type(without).objects.get(pk=without.pk)  # a fresh permissions cache
    assert not without.has_perm("requests.reveal_author")
    assert _client(without).get(reverse("moderation:queue")).status_code == 200
    assert _url(anonymous_request) not in _client(without).get("/moderation/").content.decode()


@pytest.mark.parametrize("persona", ["visitor", "asker", "helper", "outsider"])
def test_it_is_not_there_for_members(request, anonymous_request, asker, persona):
    person = None if persona == "visitor" else request.getfixturevalue(persona)
    client = _client(person)

    for response in (
        client.get(_url(anonymous_request)),
        client.post(_url(anonymous_request), {"reason": REASON}),
    ):
        assert response.status_code == 404
        assert asker.email not in response.content.decode()
    assert not ModerationAction.objects.exists()


def test_staff_without_the_permission_are_refused(anonymous_request, asker):
    staff = UserFactory(is_staff=True)

    response = _client(staff).post(_url(anonymous_request), {"reason": REASON})

    assert response.status_code == 403
    assert asker.email not in response.content.decode()
    assert not ModerationAction.objects.exists()
    with pytest.raises(ServiceError):
        services.reveal_author(help_request=anonymous_request, moderator=staff, reason=REASON)


def test_a_superuser_may_look(anonymous_request, asker):
    owner = UserFactory(is_staff=True, is_superuser=True)

    response = _client(owner).post(_url(anonymous_request), {"reason": REASON}, follow=True)

    assert asker.email in response.content.decode()
    assert ModerationAction.objects.get().moderator == owner


def test_moderators_are_given_the_permission(moderator):
    permission = Permission.objects.get(codename="reveal_author")

    assert permission in moderators_group().permissions.all()
    assert moderator.has_perm("requests.reveal_author")


def test_a_named_request_has_no_such_page(help_request, moderator):
    assert _client(moderator).get(_url(help_request)).status_code == 404


def test_the_admin_links_to_it_and_names_nobody(anonymous_request, moderator, asker):
    url = reverse("admin:requests_helprequest_change", args=[anonymous_request.pk])

    page = _client(moderator).get(url).content.decode()

    assert _url(anonymous_request) in page
    assert asker.display_name not in page
    assert asker.email not in page


def test_the_admin_cannot_search_by_the_author(anonymous_request, moderator, asker):
    url = reverse("admin:requests_helprequest_changelist")

    for text in (asker.display_name, asker.email, "Asha"):
        page = _client(moderator).get(url, {"q": text}).content.decode()
        assert anonymous_request.title not in page


def test_the_request_page_links_to_it_for_moderators_with_the_permission_only(
    anonymous_request, moderator, outsider
):
    page = _client(moderator).get(anonymous_request.get_absolute_url()).content.decode()
    assert _url(anonymous_request) in page

    for person in (outsider, UserFactory(is_staff=True)):
        page = _client(person).get(anonymous_request.get_absolute_url()).content.decode()
        assert _url(anonymous_request) not in page
