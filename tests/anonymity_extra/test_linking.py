"""The leak crawler's "linking" mode (issue 8): nothing groups one person's requests.

tests/test_anonymity.py checks that no page *names* an anonymous author. This module
checks that nothing *links* one person's requests either. Zanzibar posts a named
request and two anonymous ones; two other people (the controls) each post an
anonymous request alike in every way but their author. Then:

- a helper, Hana, helps on one of Zanzibar's anonymous requests and on a control's;
- Boris offers on one of Zanzibar's anonymous requests and on a control's, then on
  Zanzibar's named request, is accepted there, and is blocked from that conversation;
- an outsider and a visitor look on.

Each of them probes Zanzibar's anonymous requests and the controls' the same way:
every page and API answer about the request, searching for it, offering on it (web
form and API), reporting it, writing in their conversation on it, and what they see
afterwards. With what differs between any two requests masked (ids, titles, aliases,
times), Zanzibar's must answer exactly like the controls': then no answer, status,
count, error or timing field tells them apart, so nothing can group them with each
other or with the named request. Deleting Zanzibar's account (keeping the requests)
must change nothing anyone can see on the anonymous ones.

The world is built once for the module (through the pages, as the people would) and
every probe is rolled back, so the module stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from requests import services
from requests.models import Category, HelpRequest, Message, Offer
from tests.factories import UserFactory

BODY = "Things have been heavy lately and I would value a kind, patient ear."
OFFER = {"message": "I would be glad to help with this, honestly."}
OBSERVERS = ("visitor", "outsider", "helper", "blocked")


@dataclass
class World:
    people: dict[str, User]
    named: HelpRequest
    # Zanzibar's anonymous requests, and the controls' twins (same order).
    theirs: list[HelpRequest]
    controls: list[HelpRequest]

    def client(self, persona: str, api: bool = False) -> Client:
        client = APIClient() if api else Client()
        if persona != "visitor":
            client.force_login(self.people[persona])
        return client

    @property
    def requests(self) -> list[HelpRequest]:
        return [self.named, *self.theirs, *self.controls]


def _ok(response) -> None:
    assert response.status_code in (200, 302), response.content.decode()[:2000]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Built once, kept in a transaction that is rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        people = {
            "author": UserFactory(display_name="Zanzibar Quixotic"),
            "control_1": UserFactory(display_name="Cleo Control"),
            "control_2": UserFactory(display_name="Cyril Control"),
            "helper": UserFactory(display_name="Hana Helper"),
            "blocked": UserFactory(display_name="Boris Blocked"),
            "outsider": UserFactory(display_name="Olive Outsider"),
        }
        clients = {name: Client() for name in people}
        for name, client in clients.items():
            client.force_login(people[name])
        category = Category.objects.order_by("order", "pk").first()

        def ask(persona: str, title: str, anonymous: bool = True) -> HelpRequest:
            data = {"title": title, "body": BODY, "category": category.pk}
            data["response_kind"] = "listen"
            if anonymous:
                data["is_anonymous"] = "on"
            _ok(clients[persona].post(reverse("requests:create"), data))
            return HelpRequest.objects.get(title=title)

        def offer(persona: str, help_request: HelpRequest) -> Offer:
            url = reverse("requests:make_offer", args=[help_request.public_id])
            _ok(clients[persona].post(url, OFFER))
            return Offer.objects.get(request=help_request, helper=people[persona])

        def act(persona: str, name: str, target) -> None:
            _ok(clients[persona].post(reverse(name, args=[target.public_id])))

        named = ask("author", "Help carrying boxes on Saturday", anonymous=False)
        theirs, controls = [], []
        for n in (1, 2, 3):
            theirs.append(ask("author", f"Zanzibar's quiet worry {n}"))
            controls.append(ask(f"control_{2 - n % 2}", f"Someone else's quiet worry {n}"))

        # Boris offers on the second pair (a conversation each), and is accepted on
        # the named request, then blocked from that conversation.
        offer("blocked", theirs[1])
        offer("blocked", controls[1])
        on_named = offer("blocked", named)
        act("author", "requests:accept", on_named)
        act("author", "moderation:block", on_named)

        # Hana helps on one of Zanzibar's anonymous requests and on a control's twin.
        for help_request, asker in ((theirs[0], "author"), (controls[0], "control_1")):
            accepted = offer("helper", help_request)
            act(asker, "requests:accept", accepted)
            url = reverse("requests:offer", args=[accepted.public_id])
            _ok(clients["helper"].post(url, {"body": "Hello, I'm here."}))
            _ok(clients[asker].post(url, {"body": "Thank you for coming."}))

        # One moment for everything, so that "3 days ago" reads alike everywhere.
        past = timezone.now() - timedelta(days=3)
        HelpRequest.objects.update(
            created_at=past, updated_at=past, expires_at=past + timedelta(30)
        )
        Offer.objects.update(created_at=past, updated_at=past)
        Message.objects.update(created_at=past)

        yield World(people=people, named=named, theirs=theirs, controls=controls)
        transaction.set_rollback(True)


# --- Probing one request as one person ---------------------------------------------------


def _mask(text: str, world: World) -> str:
    """Take out what differs between any two requests: ids, titles, aliases, times."""
    for help_request in world.requests:
        for value in (help_request.public_id, help_request.title, help_request.alias):
            text = text.replace(value.replace("'", "&#x27;"), "<it>").replace(value, "<it>")
    for public_id in Offer.objects.values_list("public_id", flat=True):
        text = text.replace(public_id, "<offer>")
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)?", "<time>", text)
    # "12 seconds ago": the same moment, read a few seconds apart.
    text = re.sub(
        r"((\d+|an?)[\s\xa0]+\w+,[\s\xa0]*)*(\d+|an?)[\s\xa0]+"
        r"(second|minute|hour|day|week|month|year)s?[\s\xa0]+ago|\bnow\b",
        "<ago>",
        text,
    )
    text = re.sub(r'"id": ?\d+', '"id": <n>', text)
    text = re.sub(r"/message/\d+/", "/message/<n>/", text)
    return re.sub(r'(csrfmiddlewaretoken" value=")[^"]+', r"\1-", text)


def _answer(response, world: World) -> tuple[int, str]:
    return response.status_code, _mask(response.content.decode(), world)


def probe(world: World, persona: str, help_request: HelpRequest) -> dict[str, tuple]:
    """Everything `persona` can learn about `help_request`, masked. Each write is
    rolled back, so every probe starts from the same world."""
    # Each probe starts with the posting limits unspent (they are kept in the
    # cache, which the rollbacks don't undo), as the first probe did.
    cache.clear()
    web, api = world.client(persona), world.client(persona, api=True)
    seen: dict[str, tuple] = {}
    search = {"q": help_request.title, "status": "any"}
    reads = {
        "page": lambda: web.get(help_request.get_absolute_url()),
        "api": lambda: api.get(reverse("api:request", args=[help_request.public_id])),
        "board search": lambda: web.get(reverse("requests:board"), search),
        "api search": lambda: api.get(reverse("api:requests"), search),
    }
    for label, read in reads.items():
        seen[label] = _answer(read(), world)

    def rolled_back(label: str, *steps) -> None:
        with transaction.atomic():
            for n, step in enumerate(steps):
                seen[f"{label} {n}"] = _answer(step(), world)
            transaction.set_rollback(True)

    offer_url = reverse("requests:make_offer", args=[help_request.public_id])
    rolled_back(
        "offer by form",
        lambda: web.post(offer_url, OFFER, follow=True),
        lambda: web.get(reverse("requests:my_offers")),
        lambda: web.get(help_request.get_absolute_url()),
        lambda: api.get(reverse("api:request", args=[help_request.public_id])),
    )
    api_offers = reverse("api:request_offers", args=[help_request.public_id])
    rolled_back(
        "offer by API",
        lambda: api.post(api_offers, OFFER, format="json"),
        lambda: api.get(reverse("api:offers")),
    )
    report = reverse("moderation:report", args=["request", help_request.public_id])
    rolled_back("report", lambda: web.post(report, {"reason": "other"}, follow=True))

    helper = world.people.get(persona)
    if helper is not None:
        # An offer's life after it is made (for the blocked helper on the person's
        # anonymous requests, a shadow offer's): withdrawn; or closed with the
        # request after a quiet period and restored when the asker reopens it.
        def live_offer_url(name: str) -> str:
            offer = Offer.objects.filter(request=help_request, helper=helper).live().first()
            return reverse(name, args=[offer.public_id]) if offer else "/"

        def offer_page():
            # (Not "my offers": it lists the twins' offers side by side.)
            offer = Offer.objects.filter(request=help_request, helper=helper).first()
            return web.get(offer.get_absolute_url() if offer else "/")

        def expire():
            HelpRequest.objects.filter(pk=help_request.pk).update(
                expires_at=timezone.now() - timedelta(minutes=1)
            )
            services.expire_requests()
            return offer_page()

        rolled_back(
            "offer then withdraw",
            lambda: web.post(offer_url, OFFER),
            lambda: web.get(live_offer_url("requests:withdraw")),
            lambda: web.post(live_offer_url("requests:withdraw"), follow=True),
            lambda: web.get(help_request.get_absolute_url()),
        )
        rolled_back(
            "offer then expiry and reopening",
            lambda: web.post(offer_url, OFFER),
            expire,
            lambda: web.get(help_request.get_absolute_url()),
            lambda: Client().post(services.renew_url(help_request)),
            offer_page,
        )

    # Their conversation on it, if they have one: reading it and writing in it.
    mine = Offer.objects.filter(request=help_request, helper=helper).first() if helper else None
    if mine is not None:
        page = reverse("requests:offer", args=[mine.public_id])
        messages = reverse("api:offer_messages", args=[mine.public_id])
        seen["conversation"] = _answer(web.get(page), world)
        rolled_back(
            "write by form",
            lambda: web.post(page, {"body": "Are you still there?"}, follow=True),
        )
        rolled_back(
            "write by API",
            lambda: api.post(messages, {"body": "Are you still there?"}, format="json"),
            lambda: api.get(messages),
        )
    return seen


def _differences(a: dict, b: dict) -> list[str]:
    return [label for label in sorted(set(a) | set(b)) if a.get(label) != b.get(label)]


# --- The tests --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", OBSERVERS)
def test_nobody_can_tell_the_persons_anonymous_requests_from_anyone_elses(world, db, persona):
    """An outsider, a visitor, the helper of one of them and the helper the person
    blocked: each probe of Zanzibar's anonymous requests answers like its twin's."""
    for theirs, control in zip(world.theirs, world.controls, strict=True):
        differ = _differences(probe(world, persona, theirs), probe(world, persona, control))
        assert not differ, f"{persona} tells {theirs.title!r} from its twin by: {differ}"


def test_the_probe_can_fail(world, db):
    """Not vacuous: the blocked helper is refused openly on the named request (as the
    board allows), and the probe sees that difference; their offers on the anonymous
    requests were really made despite the block (shadows)."""
    named = probe(world, "blocked", world.named)
    anonymous = probe(world, "blocked", world.theirs[2])
    assert "offer by API 0" in _differences(named, anonymous)
    assert named["offer by API 0"][0] == 409
    assert anonymous["offer by API 0"][0] == 201
    with transaction.atomic():
        url = reverse("api:request_offers", args=[world.theirs[2].public_id])
        world.client("blocked", api=True).post(url, OFFER, format="json")
        assert Offer.objects.get(request=world.theirs[2]).shadowed
        transaction.set_rollback(True)
    # The helpers' probes covered their conversations, the blocked one's included.
    assert "write by API 0" in probe(world, "helper", world.theirs[0])
    written = probe(world, "blocked", world.theirs[1])["write by API 0"]
    assert written[0] == 201


def test_the_persons_aliases_are_unrelated(world, db):
    aliases = [r.alias for r in world.theirs]
    assert len(set(aliases)) == len(aliases)


def test_deleting_the_account_changes_nothing_anyone_sees_on_the_anonymous_ones(world, db):
    """Keeping the requests anonymised: what each observer sees of the anonymous
    requests is the same before and after, so the deletion groups none of them."""
    before = {
        (persona, r.pk): probe(world, persona, r)
        for persona in ("outsider", "helper", "blocked")
        for r in [*world.theirs, *world.controls]
    }
    board = reverse("api:requests")
    order_before = APIClient().get(board, {"status": "any"}).json()["results"]
    # The probes spent the posting limits (per person, the same on every request).
    cache.clear()

    author = world.client("author")
    response = author.post(
        reverse("accounts:delete"), {"requests": "keep", "password": "a-good-long-password"}
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk=world.people["author"].pk).exists()

    after = {key: probe(world, key[0], HelpRequest.objects.get(pk=key[1])) for key in before}
    # Nothing changes, not even in the conversations on them: a note there (and the
    # person's words gone) at the instant of a note in the named conversations
    # would pair them for a helper who talked in both.
    changed = {key: _differences(before[key], after[key]) for key in before}
    for persona in ("outsider", "helper"):
        assert not any(changed[(persona, r.pk)] for r in [*world.theirs, *world.controls])
    # The blocked helper's own lists of offers change (his offer on the named request
    # now shows the alias), but alike from every request, theirs and the controls'.
    for theirs, control in zip(world.theirs, world.controls, strict=True):
        assert changed[("blocked", theirs.pk)] == changed[("blocked", control.pk)]
        assert set(changed[("blocked", theirs.pk)]) <= {"offer by API 1", "offer by form 1"}
    # Not vacuous: the probes read the helper's and the blocked helper's
    # conversations on them, the person's words included.
    assert "Thank you for coming" in after[("helper", world.theirs[0].pk)]["conversation"][1]
    assert "conversation" in after[("blocked", world.theirs[1].pk)]
    order_after = APIClient().get(board, {"status": "any"}).json()["results"]
    named_id = world.named.public_id
    strip = lambda rows: [row for row in rows if row["id"] != named_id]  # noqa: E731
    assert strip(order_after) == strip(order_before)
