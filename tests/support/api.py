"""The API's scene and checks, shared by the API, security and anonymity tests."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.tokens import create_api_token
from notifications.models import Notification
from requests.models import Category, HelpRequest, Offer
from tests.factories import HelpRequestFactory, MessageFactory, NotificationFactory, OfferFactory

PERSONAS = ("asker", "helper", "other", "visitor")


@dataclass
class Scene:
    asker: User
    helper: User
    other: User
    request: HelpRequest
    offer: Offer
    notification: Notification
    token: ApiToken
    secret: str

    def user(self, persona: str) -> User | None:
        return {"asker": self.asker, "helper": self.helper, "other": self.other}.get(persona)

    def client(self, persona: str) -> APIClient:
        client = APIClient()
        user = self.user(persona)
        if user is not None:
            client.force_login(user)
        return client

    def secrets_for(self, persona: str) -> list[str]:
        """What `persona` must never see: everyone else's email address, and the
        anonymous asker's name and address unless they are the asker."""
        people = [self.asker, self.helper, self.other]
        secrets = [user.email for user in people if user != self.user(persona)]
        if persona != "asker":
            secrets += [self.asker.display_name, self.asker.email, "Asha", "asha@"]
        return secrets


def build_scene(asker, helper, outsider) -> Scene:
    """The asker's anonymous request with the helper's pending offer, a message from
    each side, a notification and an API token for the asker."""
    category = Category.objects.order_by("order").first()
    help_request = HelpRequestFactory(
        author=asker, is_anonymous=True, category=category, offer_count=1
    )
    offer = OfferFactory(request=help_request, helper=helper)
    MessageFactory(offer=offer, sender=helper, body="Hello, I am here for you.")
    MessageFactory(offer=offer, sender=asker, body="Thank you, that means a lot.")
    notification = NotificationFactory(
        recipient=asker,
        kind=Notification.Kind.OFFER_RECEIVED,
        help_request=help_request,
        url=offer.get_absolute_url(),
    )
    token, secret = create_api_token(user=asker, name="my script")
    return Scene(
        asker=asker,
        helper=helper,
        other=outsider,
        request=help_request,
        offer=offer,
        notification=notification,
        token=token,
        secret=secret,
    )


def api_endpoints() -> dict[str, set[str]]:
    """Every URL name in the "api" namespace, with the HTTP methods its view answers."""
    found: dict[str, set[str]] = {}

    def walk(resolver: URLResolver, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                walk(entry, entry.namespace or namespace)
            elif namespace == "api":
                view = getattr(entry.callback, "view_class", None) or entry.callback.cls
                methods = {
                    method
                    for method in view.http_method_names
                    if method not in ("options", "head") and hasattr(view, method)
                }
                found[f"api:{entry.name}"] = methods

    walk(get_resolver(), "")
    return found


def url_kwargs(name: str, scene: Scene) -> dict:
    if name.startswith("api:request_") or name == "api:request":
        return {"public_id": scene.request.public_id}
    if name.startswith("api:offer_") or name == "api:offer":
        return {"public_id": scene.offer.public_id}
    if name == "api:notification_read":
        return {"pk": scene.notification.pk}
    if name == "api:token":
        return {"public_id": scene.token.public_id}
    if name == "api:story":
        return {"public_id": "no-such-story"}
    return {}


def assert_error_format(body: dict, *, type_: str, code: str | None = None, attr=None) -> None:
    """drf-standardized-errors' one format: {"type", "errors": [{"code", "detail", "attr"}]}."""
    assert body["type"] == type_, body
    assert body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"code", "detail", "attr"}, body
    if code is not None:
        assert code in [error["code"] for error in body["errors"]], body
    if attr is not None:
        assert attr in [error["attr"] for error in body["errors"]], body
