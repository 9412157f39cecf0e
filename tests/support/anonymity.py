"""The anonymity crawl: the author's secrets, the detector that finds them, the
story told over HTTP (`build_world`) and every page of the board as each persona
sees it (`site_pages`). tests/test_anonymity.py holds the tests; the detector is
shared by the API's permission matrix.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from email.header import decode_header, make_header
from urllib.parse import unquote_plus, urlsplit

from django.contrib import admin
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, TestCase, override_settings
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import User
from board.urls import MOVED_IN_ADMIN
from moderation.models import Block, ModerationAction, Report
from moderation.services import make_moderator
from notifications.digests import build_digests
from notifications.emails import unsubscribe_token
from notifications.models import HelperSubscription, Notification
from notifications.services import set_preferences
from requests.models import Category, HelpRequest, Message, Offer, ThankYou
from requests.services import expire_requests, renew_token, resurface_unanswered
from stories.models import BeenThere, Story
from stories.services import send_gentle_notes
from tests.factories import UserFactory
from tests.support.personas import new_asker, new_helper, new_moderator, new_outsider

AUTHOR_NAME = "Zanzibar Quixotic"
AUTHOR_EMAIL = "zanzibar.quixotic@leak-test.example"
# Everything that identifies the author: the whole name and address, and their parts
# (the login is the email address; there is no separate username).
AUTHOR_STRINGS = (
    AUTHOR_NAME,
    "Zanzibar",
    "Quixotic",
    AUTHOR_EMAIL,
    "zanzibar.quixotic",
    "leak-test.example",
)

ANON_TITLE_1 = "Feeling adrift since the move"
ANON_BODY_1 = "Everything here is new and I barely sleep. I would love someone to talk to."
ANON_TITLE_2 = "Nervous about a hospital appointment"
ANON_BODY_2 = "It is next week and I keep imagining the worst. Could someone just listen?"
ANON_TITLE_3 = "Job interview on Friday"
ANON_BODY_3 = "My first interview in years. I would like someone to cheer me on a little."
NAMED_TITLE = "Help moving a sofa upstairs"
NAMED_BODY = "I have a heavy sofa and a narrow staircase. An extra pair of hands would help."
ANON_TITLE_4 = "Quiet evenings are getting long"
ANON_BODY_4 = "Nobody to talk to most evenings lately; a chat now and then would help."
THANK_NOTE = "Thank you for calling before the interview. It made all the difference."
STORY_TEXTS = {
    "hard_to_ask": "I thought asking would make me look weak.",
    "when_i_did": "Someone offered to call me the same evening.",
    "to_someone_hesitating": "Ask anyway. People here are kind.",
}

REDIRECTS = {301, 302, 303, 307, 308}


# --- The detector ---------------------------------------------------------------------


def leaks(text: str, secrets: Iterable[str] = AUTHOR_STRINGS) -> list[str]:
    """The secrets found in `text`, in any letter case, raw, HTML-escaped or URL-encoded."""
    haystack = "\n".join((text, html.unescape(text), unquote_plus(text))).casefold()
    return [secret for secret in secrets if secret.casefold() in haystack]


def context_of(text: str, secret: str, width: int = 90) -> str:
    at = text.casefold().find(secret.casefold())
    if at < 0:
        return "(found once decoded)"
    return repr(text[max(at - width, 0) : at + len(secret) + width])


def response_text(response: HttpResponse) -> str:
    """Headers (cookies included) and body of a response, as one text to search."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    return f"{headers}\n{response.cookies.output()}\n\n{body.decode(errors='replace')}"


def email_text(message: EmailMultiAlternatives) -> str:
    """Every header (decoded), the subject, the text body and each alternative."""
    mime = message.message()
    headers = "\n".join(
        f"{name}: {make_header(decode_header(value))}" for name, value in mime.items()
    )
    alternatives = [str(content) for content, _mimetype in getattr(message, "alternatives", [])]
    return "\n".join([headers, message.subject, message.body, *alternatives])


# --- Fetching pages -------------------------------------------------------------------


@dataclass
class Page:
    method: str
    url: str
    status: int
    text: str


def fetch(client: Client, method: str, url: str, data: dict | None = None, **extra) -> list[Page]:
    """The response and every page its redirects lead to, each hop's headers included.
    Whatever the requests change (a form posted, a link that renews) is rolled back,
    emails queued on commit included, so every persona sees the same world."""
    with transaction.atomic():
        response = getattr(client, method)(url, data or {}, **extra)
        pages = [Page(method.upper(), url, response.status_code, response_text(response))]
        for _hop in range(5):
            if response.status_code not in REDIRECTS:
                break
            location = urlsplit(response["Location"])
            url = f"{location.path}?{location.query}" if location.query else location.path
            response = client.get(url, **extra)
            pages.append(Page("GET", url, response.status_code, response_text(response)))
        transaction.set_rollback(True)
    return pages


# --- The world ------------------------------------------------------------------------


@dataclass
class World:
    author: User
    helper: User
    second_helper: User
    outsider: User
    named_author: User
    moderator: User
    anon: list[HelpRequest]
    named: HelpRequest
    # The helper's accepted offer on anon[0], the second helper's declined one on
    # anon[0] and pending one on anon[1], the helper's on anon[2] (resolved) and on
    # the named request.
    offers: list[Offer]
    # Every email sent while the story was told, in order.
    emails: list[EmailMultiAlternatives] = field(default_factory=list)

    @property
    def accepted_offer(self) -> Offer:
        return self.offers[0]

    @property
    def pending_offer(self) -> Offer:
        return self.offers[2]

    @property
    def requests(self) -> list[HelpRequest]:
        return [*self.anon, self.named]

    @property
    def people(self) -> dict[str, User]:
        return {
            "author": self.author,
            "helper": self.helper,
            "second_helper": self.second_helper,
            "outsider": self.outsider,
            "named_author": self.named_author,
            "moderator": self.moderator,
        }

    def anon_identifiers(self) -> list[str]:
        """What names an anonymous request or its conversations."""
        ids = [r.title for r in self.anon] + [r.public_id for r in self.anon]
        ids += [o.public_id for o in Offer.objects.filter(request__in=self.anon)]
        return ids

    def client_for(self, persona: str) -> Client:
        client = Client()
        if persona != "visitor":
            client.force_login(self.people[persona])
        return client


def post_form(client: Client, url: str, data: dict) -> None:
    """POST a form that must succeed (a redirect)."""
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]


def build_world() -> World:
    """The story, told over HTTP so that the real views, services and emails run.

    Needs the database and the test environment's mail outbox; the emails sent
    while it is told are kept in `World.emails`."""
    helper, outsider, asker, moderator = new_helper(), new_outsider(), new_asker(), new_moderator()
    mail.outbox = []
    author = UserFactory(display_name=AUTHOR_NAME, email=AUTHOR_EMAIL)
    second_helper = UserFactory(display_name="Selma Second", email="selma@example.org")
    make_moderator(user=moderator)
    categories = list(Category.objects.order_by("order", "pk")[:2])
    assert len(categories) == 2, "the seeded categories are missing"

    # Fuller emails carry the request's title and the words written: more that could leak.
    User.objects.filter(pk__in=[helper.pk, second_helper.pk, outsider.pk]).update(full_emails=True)
    # Helpers who follow new requests: the outsider by email at once, the second
    # helper in the daily digest.
    HelperSubscription.objects.create(user=outsider)
    set_preferences(user=outsider, choices={Notification.Kind.NEW_REQUEST: "immediate"})
    HelperSubscription.objects.create(user=second_helper)

    people = {
        "author": author,
        "helper": helper,
        "second_helper": second_helper,
        "named_author": asker,
    }
    clients = {persona: Client() for persona in people}
    for persona, client in clients.items():
        client.force_login(people[persona])

    def ask(title, body, category, *, persona="author", anonymous=True):
        data = {"title": title, "body": body, "category": category.pk, "response_kind": "listen"}
        if anonymous:
            data["is_anonymous"] = "on"
        post_form(clients[persona], reverse("requests:create"), data)
        return HelpRequest.objects.get(title=title)

    def offer(persona, help_request, message):
        url = reverse("requests:make_offer", args=[help_request.public_id])
        post_form(clients[persona], url, {"message": message})
        return Offer.objects.get(request=help_request, helper=people[persona])

    def act(persona, name, target):
        post_form(clients[persona], reverse(name, args=[target.public_id]), {})

    def say(persona, an_offer, body):
        post_form(
            clients[persona], reverse("requests:offer", args=[an_offer.public_id]), {"body": body}
        )

    with TestCase.captureOnCommitCallbacks(execute=True):
        anon1 = ask(ANON_TITLE_1, ANON_BODY_1, categories[0])
        anon2 = ask(ANON_TITLE_2, ANON_BODY_2, categories[1])
        anon3 = ask(ANON_TITLE_3, ANON_BODY_3, categories[1])
        named = ask(NAMED_TITLE, NAMED_BODY, categories[0], persona="named_author", anonymous=False)

        accepted = offer("helper", anon1, "I moved cities last year; happy to chat.")
        declined = offer("second_helper", anon1, "I could meet for a coffee some time.")
        pending = offer("second_helper", anon2, "I have been there. I can listen tonight.")
        resolved = offer("helper", anon3, "I can call you before the interview.")
        named_offer = offer("helper", named, "I live nearby and have strong arms.")

        # Accepting one offer tells the other helper only that the asker found help.
        act("author", "requests:accept", accepted)
        act("author", "requests:accept", resolved)
        act("named_author", "requests:accept", named_offer)

        say("helper", accepted, "Hello! How are you settling in?")
        say("author", accepted, "Thank you for offering. The evenings are hardest.")
        say("helper", accepted, "Evenings were hard for me too. Walks helped.")
        say("author", accepted, "I will try a walk tomorrow.")
        say("author", pending, "Thank you, tonight would be good.")
        say("second_helper", pending, "Of course. I'm here.")
        say("author", resolved, "It went well, thank you so much.")
        act("author", "requests:resolve", anon3)

        # Reports and moderation: the outsider reports an anonymous request and the
        # helper one of the author's messages; a moderator dismisses the first and warns
        # the author (known to moderators only by the request's alias) for the second.
        # Both reporters get a kind note (REPORT_OUTCOME), the author the warning
        # (MODERATOR_WARNING). The second helper's report stays open in the queue, and
        # they block the anonymous asker from their conversation.
        reporters = {"outsider": Client(), "moderator": Client()}
        reporters["outsider"].force_login(outsider)
        reporters["moderator"].force_login(moderator)
        clients.update(reporters)

        def report_it(persona, kind, ref, reason):
            url = reverse("moderation:report", args=[kind, ref])
            post_form(clients[persona], url, {"reason": reason, "details": "It worried me."})
            return Report.objects.latest("pk")

        dismissed = report_it("outsider", "request", anon1.public_id, "spam")
        by_author = accepted.messages.filter(sender=author).first()
        warned = report_it("helper", "message", str(by_author.pk), "inappropriate")
        report_it("second_helper", "request", anon2.public_id, "unsafe")
        moderate = reverse("moderation:report_action", args=[dismissed.pk])
        post_form(clients["moderator"], moderate, {"action": "dismiss"})
        moderate = reverse("moderation:report_action", args=[warned.pk])
        post_form(
            clients["moderator"], moderate, {"action": "warn", "note": "Please keep it kind."}
        )
        post_form(
            clients["second_helper"], reverse("moderation:block", args=[pending.public_id]), {}
        )

        # First offers reviewed by a moderator: the helper's held offer on anon2 is not
        # passed on (OFFER_NOT_APPROVED), a second one is (OFFER_APPROVED, and the
        # author hears of it), and then the helper withdraws it (OFFER_WITHDRAWN).
        with override_settings(BOARD_REVIEW_FIRST_OFFERS=100):
            held = offer("helper", anon2, "I would like to help; I am new here.")
            review = reverse("moderation:content_action", args=["offer", held.public_id])
            post_form(clients["moderator"], review, {"action": "reject", "note": "Not this one."})
            url = reverse("requests:make_offer", args=[anon2.public_id])
            post_form(clients["helper"], url, {"message": "Trying again, kindly this time."})
            held = Offer.objects.get(request=anon2, helper=helper, status="pending")
            review = reverse("moderation:content_action", args=["offer", held.public_id])
            post_form(clients["moderator"], review, {"action": "approve"})
        act("helper", "requests:withdraw", held)

        # A moderator looks, with a written reason, at who wrote one request: the look
        # is logged and the author told (MODERATOR_LOOKED). Everything below is crawled
        # without break-glass.
        looked = Client()
        looked.force_login(moderator)
        looked = looked.post(
            reverse("breakglass:who_wrote", args=[anon2.public_id]),
            {"reason": "A report says this person may be unsafe; we need to reach them."},
            follow=True,
        )
        assert looked.status_code == 200 and AUTHOR_EMAIL in looked.content.decode()

        # A request nobody answers: shown again to helpers, then about to close, then closed.
        anon4 = ask(ANON_TITLE_4, ANON_BODY_4, categories[0])
        HelpRequest.objects.filter(pk=anon4.pk).update(
            created_at=timezone.now() - timedelta(days=29),
            expires_at=timezone.now() + timedelta(days=1),
        )
        assert resurface_unanswered() == 1
        # An offer still waiting when it closes: the helper is told the request closed
        # (not that the asker said no), and reopening it from the email's link makes the
        # offer live again and tells the helper (OFFER_REOPENED).
        waiting = offer("helper", anon4, "Evenings are long for me too; happy to talk.")
        assert expire_requests() == (1, 0)
        HelpRequest.objects.filter(pk=anon4.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
        assert expire_requests() == (0, 1)
        reopen = Notification.objects.get(kind=Notification.Kind.REQUEST_EXPIRED).url
        assert Client().post(reopen).status_code == 200
        waiting.refresh_from_db()
        assert waiting.status == Offer.Status.PENDING

        # Stories and gratitude (issue 13): the author thanks the helper of the resolved
        # request and shares an anonymous story about it, asking to name the helper; the
        # helper agrees through the board and a moderator publishes it. The outsider says
        # "I've been there too" on anon2 (the author chose to hear of it), and the helper
        # gets the one-time note that helpers can ask too.
        set_preferences(user=author, choices={Notification.Kind.BEEN_THERE: "immediate"})
        set_preferences(user=helper, choices={Notification.Kind.CAN_ASK_TOO: "immediate"})
        post_form(clients["author"], reverse("requests:thank", args=[resolved.public_id]), {
            "body": THANK_NOTE})  # fmt: skip
        post_form(clients["author"], reverse("stories:new", args=[anon3.public_id]), {
            **STORY_TEXTS, "name_helper": "on"})  # fmt: skip
        story = Story.objects.get()
        post_form(clients["helper"], reverse("stories:naming", args=[story.public_id]), {
            "consent": "yes"})  # fmt: skip
        post_form(clients["moderator"], reverse("stories:moderate", args=[story.public_id]), {
            "action": "publish"})  # fmt: skip
        post_form(clients["outsider"], reverse("stories:been_there", args=[anon2.public_id]), {})
        with override_settings(BOARD_GENTLE_NOTE_AFTER=1):
            assert send_gentle_notes() == 1

        build_digests(timezone.now() + timedelta(minutes=1))

    # Fixed times in the past, so that "3 days ago" reads the same on every render.
    past = timezone.now() - timedelta(days=3)
    HelpRequest.objects.update(created_at=past)
    Offer.objects.update(created_at=past)
    Message.objects.update(created_at=past)
    Notification.objects.update(created_at=past)
    Report.objects.update(created_at=past)
    ModerationAction.objects.update(created_at=past)
    Story.objects.update(created_at=past, published_at=past, moderated_at=past)
    ThankYou.objects.update(created_at=past)
    BeenThere.objects.update(created_at=past)
    offers = [accepted, declined, pending, resolved, named_offer]
    for an_offer in offers:
        an_offer.refresh_from_db()
    assert [o.status for o in offers] == ["accepted", "declined", "pending", "accepted", "accepted"]

    return World(
        author=author,
        helper=helper,
        second_helper=second_helper,
        outsider=outsider,
        named_author=asker,
        moderator=moderator,
        anon=[anon1, anon2, anon3, anon4],
        named=named,
        offers=offers,
        emails=list(mail.outbox),
    )


# --- Every page -----------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    """How to open one page: the URL arguments to try (each request, each offer...)
    and the form to POST to it too (None: it is only read)."""

    args: Callable[[World], list[dict]] = lambda world: [{}]
    form: dict | None = None


def each_request(world: World) -> list[dict]:
    return [{"public_id": r.public_id} for r in world.requests]


def each_offer(world: World) -> list[dict]:
    return [{"public_id": o.public_id} for o in world.offers]


def each_notification(world: World) -> list[dict]:
    return [{"pk": pk} for pk in Notification.objects.values_list("pk", flat=True)]


def each_report_target(world: World) -> list[dict]:
    """Every request, offer and message, as the report form and moderators name them."""
    targets = [{"kind": "request", "ref": r.public_id} for r in world.requests]
    targets += [{"kind": "offer", "ref": o.public_id} for o in world.offers]
    messages = Message.objects.filter(offer__in=world.offers).values_list("pk", flat=True)
    return targets + [{"kind": "message", "ref": str(pk)} for pk in messages]


def each_report(world: World) -> list[dict]:
    return [{"pk": pk} for pk in Report.objects.values_list("pk", flat=True)]


def each_moderation_action(world: World) -> list[dict]:
    return [{"pk": pk} for pk in ModerationAction.objects.values_list("pk", flat=True)]


def each_story(world: World) -> list[dict]:
    return [{"public_id": pk} for pk in Story.objects.values_list("public_id", flat=True)]


def each_block(world: World) -> list[dict]:
    return [{"pk": pk} for pk in Block.objects.values_list("pk", flat=True)]


def each_renew_link(world: World) -> list[dict]:
    return [{"public_id": r.public_id, "token": renew_token(r)} for r in world.requests]


def each_unsubscribe_link(world: World) -> list[dict]:
    # Links from other people's emails too: a forwarded link must not say whose it is.
    return [
        {"token": unsubscribe_token(user, kind)}
        for user in world.people.values()
        for kind in (Notification.Kind.OFFER_RECEIVED, Notification.Kind.DIGEST)
    ]


OFFER_MESSAGE = {"message": "I would be glad to help with this, honestly."}
API_REQUEST = {
    "title": "Somebody to walk with",
    "body": "A short walk on Sunday mornings would help me a lot these days.",
    "category": "x",
    "response_kind": "listen",
}
API_VISITS: dict[str, Visit] = {
    "api:categories": Visit(),
    "api:requests": Visit(form=API_REQUEST),
    "api:request": Visit(each_request),
    "api:request_close": Visit(each_request, form={}),
    "api:request_resolve": Visit(each_request, form={}),
    "api:request_offers": Visit(each_request, form=OFFER_MESSAGE),
    "api:offers": Visit(),
    "api:offer": Visit(each_offer),
    "api:offer_accept": Visit(each_offer, form={}),
    "api:offer_decline": Visit(each_offer, form={}),
    "api:offer_withdraw": Visit(each_offer, form={}),
    "api:offer_messages": Visit(each_offer, form={"body": "Checking in: how did today go?"}),
    "api:notifications": Visit(),
    "api:notifications_read_all": Visit(form={}),
    "api:notification_read": Visit(each_notification, form={}),
    "api:reports": Visit(),
    "api:me": Visit(),
    "api:my_requests": Visit(),
    "api:notification_settings": Visit(),
    "api:subscription": Visit(),
    "api:tokens": Visit(form={"name": "a script"}),
    "api:token": Visit(lambda world: [{"public_id": "no-such-token"}]),
    "api:schema": Visit(),
    "api:docs": Visit(),
    "api:stories": Visit(form={"request": "x", **STORY_TEXTS}),
    "api:story": Visit(each_story),
    "api:my_stories": Visit(),
    "api:my_thanks": Visit(),
    "api:offer_thank_you": Visit(each_offer, form={"body": "Thank you, truly."}),
    "api:request_been_there": Visit(each_request, form={}),
    "api:figures": Visit(),
}
# Every page of the board. test_it_visits_every_page_of_the_board fails when a page
# is missing here: add it, so that the leak test opens it.
VISITS: dict[str, Visit] = {
    "requests:board": Visit(),
    "requests:create": Visit(form={}),
    "requests:follow": Visit(form={"kind": "listen"}),
    "requests:detail": Visit(each_request),
    "requests:edit": Visit(each_request, form={}),
    "requests:resolve": Visit(each_request, form={}),
    "requests:close": Visit(each_request, form={}),
    "requests:make_offer": Visit(each_request, form=OFFER_MESSAGE),
    "requests:renew": Visit(each_renew_link),
    "requests:keep_open": Visit(each_request, form={}),
    "requests:offer": Visit(each_offer, form={"body": "Checking in: how did today go?"}),
    "requests:accept": Visit(each_offer, form={}),
    "requests:decline": Visit(each_offer, form={}),
    "requests:withdraw": Visit(each_offer, form={}),
    "requests:reveal_name": Visit(each_offer, form={}),
    # Break-glass, without breaking the glass: the page, and a reason too short to pass.
    "breakglass:who_wrote": Visit(each_request, form={"reason": "Too short."}),
    "requests:mine": Visit(),
    "requests:my_offers": Visit(),
    # Reports, blocks and the moderators' pages (issue 5), as everyone.
    "moderation:queue": Visit(),
    "moderation:log": Visit(),
    "moderation:report": Visit(each_report_target, form={"reason": "other", "details": "Hm."}),
    "moderation:my_reports": Visit(),
    "moderation:note": Visit(each_moderation_action),
    "moderation:report_action": Visit(
        each_report, form={"action": "warn", "note": "Please be kind.", "also_hide": "on"}
    ),
    "moderation:content_action": Visit(each_report_target, form={"action": "hide"}),
    "moderation:block": Visit(each_offer, form={}),
    "moderation:unblock": Visit(each_block, form={}),
    # Stories and gratitude (issue 13).
    "requests:thank": Visit(each_offer, form={"body": "Thank you, truly."}),
    "requests:thanks": Visit(),
    "stories:list": Visit(),
    "stories:new": Visit(each_request, form=STORY_TEXTS),
    "stories:detail": Visit(each_story),
    "stories:edit": Visit(each_story, form=STORY_TEXTS),
    "stories:withdraw": Visit(each_story, form={}),
    "stories:answer_edit": Visit(each_story, form={"agree": "yes"}),
    "stories:naming": Visit(each_story, form={"consent": "no"}),
    "stories:mine": Visit(),
    "stories:been_there": Visit(each_request, form={}),
    "stories:moderate": Visit(each_story, form={"action": "decline", "note": "Kindly, no."}),
    "stories:propose": Visit(each_story),
    "how_it_works": Visit(),
    "crisis": Visit(),
    "privacy": Visit(),
    "local_mail": Visit(),
    "healthz": Visit(),
    # Old admin bookmarks of models that moved app (board/urls.py): redirects.
    **{f"moved_admin_{app}_{model}": Visit() for app, model in MOVED_IN_ADMIN},
    **{
        f"moved_admin_{app}_{model}_page": Visit(args=lambda world: [{"rest": "1/change/"}])
        for app, model in MOVED_IN_ADMIN
    },
    "readyz": Visit(),
    "outbox_status": Visit(),
    "notifications": Visit(),
    "notification_open": Visit(each_notification, form={}),
    "notifications_read_all": Visit(form={}),
    "unsubscribe": Visit(each_unsubscribe_link, form={}),
    "accounts:settings": Visit(form={}),
    "accounts:notifications": Visit(form={}),
    "accounts:export": Visit(),
    "accounts:delete": Visit(form={}),
    "accounts:api_tokens": Visit(form={"name": "a script"}),
    "accounts:api_token_revoke": Visit(lambda world: [{"public_id": "no-such-token"}], form={}),
    # The REST API (issue 4): every endpoint, read and written as each persona.
    **API_VISITS,
}
# allauth's pages are its own, but they render in our layout: visit the main ones.
ALLAUTH_PAGES = [
    "account_login",
    "account_signup",
    "account_logout",
    "account_reset_password",
    "account_email",
    "account_change_password",
]


def project_url_names() -> set[str]:
    """Every named URL of the project, except the admin's and allauth's."""
    names: set[str] = set()

    def walk(resolver: URLResolver, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                module = getattr(entry.urlconf_module, "__name__", "")
                if entry.namespace == "admin" or module.startswith("allauth"):
                    continue  # the admin is visited model by model; allauth above
                walk(entry, ":".join(filter(None, [namespace, entry.namespace])))
            else:
                name = entry.name or f"<unnamed: {entry.pattern}>"
                names.add(f"{namespace}:{name}" if namespace else name)

    walk(get_resolver(), "")
    return names


def board_queries(world: World) -> list[dict]:
    """The board with every filter, alone and together, and searches for the titles."""
    anon1 = world.anon[0]
    queries: list[dict] = [{}, {"page": "2"}, {"page": "999"}, {"no_offers": "on"}]
    queries += [{"status": status} for status in [*HelpRequest.Status.values, "any"]]
    queries += [{"kind": kind, "status": "any"} for kind in HelpRequest.ResponseKind.values]
    queries += [{"category": c.slug, "status": "any"} for c in Category.objects.all()]
    queries += [{"q": r.title, "status": "any"} for r in world.requests]
    queries.append({"q": "Anonymous", "status": "any"})
    queries.append(
        {
            "q": anon1.title,
            "category": anon1.category.slug,
            "kind": anon1.response_kind,
            "status": anon1.status,
            "page": "1",
        }
    )
    return queries


def site_pages(world: World, persona: str) -> list[Page]:
    """What `persona` sees on every page of the board, every form they can submit,
    every redirect, the board's filters and the error pages. Nothing is kept."""
    client = world.client_for(persona)
    pages: list[Page] = []
    for name, visit in VISITS.items():
        for kwargs in visit.args(world):
            url = reverse(name, kwargs=kwargs)
            pages += fetch(client, "get", url)
            if visit.form is not None:
                pages += fetch(client, "post", url, visit.form)
    for name in ALLAUTH_PAGES:
        pages += fetch(client, "get", reverse(name))
    for query in board_queries(world):
        pages += fetch(client, "get", reverse("requests:board"), query)
    pages += error_pages(world, persona, client)
    return pages


def error_pages(world: World, persona: str, client: Client) -> list[Page]:
    pages = []
    for url in ["/no-such-page/", "/requests/no-such-request/", "/offers/no-such-offer/"]:
        hops = fetch(client, "get", url)
        # (A visitor is asked to sign in before an offer's page says anything.)
        assert hops[-1].status == 404 or (persona == "visitor" and url.startswith("/offers/"))
        pages += hops
    # 400: a request for a host the board does not serve.
    pages += fetch(client, "get", world.anon[0].get_absolute_url(), HTTP_HOST="elsewhere.invalid")
    assert pages[-1].status == 400
    # 403: a form posted without its CSRF token.
    strict = Client(enforce_csrf_checks=True)
    if persona != "visitor":
        strict.force_login(world.people[persona])
    url = reverse("requests:make_offer", args=[world.anon[0].public_id])
    pages += fetch(strict, "post", url, OFFER_MESSAGE)
    assert pages[-1].status == 403
    return pages


def admin_urls(world: World) -> list[str]:
    """Every admin page of every registered model, the filters a moderator can click,
    and lookups that would filter by the author's id."""
    urls = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        changelist = reverse(f"admin:{info}_changelist")
        urls += [reverse("admin:app_list", args=[model._meta.app_label]), changelist]
        for list_filter in model_admin.list_filter:
            if isinstance(list_filter, str):
                values = model._default_manager.values_list(list_filter, flat=True).distinct()
                urls += [f"{changelist}?{list_filter}={value}" for value in values]
        for obj in model._default_manager.all():
            for view in ("change", "history", "delete"):
                urls.append(reverse(f"admin:{info}_{view}", args=[obj.pk]))
    return urls + author_lookups(world)


def author_lookups(world: World) -> list[str]:
    """Changelists filtered by the author's id: each would list their anonymous posts."""
    pk = world.author.pk
    return [
        f"{reverse('admin:requests_helprequest_changelist')}?author={pk}",
        f"{reverse('admin:requests_helprequest_changelist')}?author_id={pk}",
        f"{reverse('admin:requests_helprequest_changelist')}?author__id__exact={pk}",
        f"{reverse('admin:requests_offer_changelist')}?request__author={pk}",
        f"{reverse('admin:requests_message_changelist')}?sender={pk}",
        f"{reverse('admin:requests_message_changelist')}?sender_id={pk}",
        f"{reverse('admin:notifications_notification_changelist')}?recipient={pk}",
        f"{reverse('admin:notifications_notification_changelist')}?recipient_id={pk}",
    ]


def author_searches(world: World, persona: str) -> list[Page]:
    """Searches for the author: the page echoes what was typed, so only what it
    finds is checked (it must not find the anonymous requests)."""
    client = world.client_for(persona)
    pages = []
    for text in AUTHOR_STRINGS:
        pages += fetch(client, "get", reverse("requests:board"), {"q": text, "status": "any"})
        if persona == "moderator":
            for model in ("helprequest", "offer", "message"):
                url = reverse(f"admin:requests_{model}_changelist")
                pages += fetch(client, "get", url, {"q": text})
    return pages


def report(problems: list[str]) -> str:
    return f"{len(problems)} leak(s):\n" + "\n".join(problems[:40])


def check_pages(pages: list[Page], secrets: Iterable[str]) -> list[str]:
    problems = []
    for page in pages:
        for secret in leaks(page.text, secrets):
            problems.append(
                f"{page.method} {page.url} [{page.status}] shows {secret!r}: "
                f"{context_of(page.text, secret)}"
            )
    return problems


def others_emails(world: World, persona: str) -> list[str]:
    return [user.email for name, user in world.people.items() if name != persona]
