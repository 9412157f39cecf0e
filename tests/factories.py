"""factory_boy factories for the board's models."""

import factory
from factory.django import DjangoModelFactory

from accounts.models import User
from notifications.models import Notification
from requests.models import Category, HelpRequest, Message, Offer


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", "a-good-long-password")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """Mark the email verified, as allauth would after the link is clicked."""
        if create:
            from allauth.account.models import EmailAddress

            obj.save()
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    order = factory.Sequence(lambda n: n)


class HelpRequestFactory(DjangoModelFactory):
    class Meta:
        model = HelpRequest

    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Could someone help me with thing {n}?")
    body = "I have been finding this hard lately and would be grateful for a kind word."
    category = factory.SubFactory(CategoryFactory)
    response_kind = HelpRequest.ResponseKind.LISTEN
    is_anonymous = False


class OfferFactory(DjangoModelFactory):
    class Meta:
        model = Offer

    request = factory.SubFactory(HelpRequestFactory)
    helper = factory.SubFactory(UserFactory)
    message = "I'd be glad to help. I have been through something similar."


class MessageFactory(DjangoModelFactory):
    class Meta:
        model = Message

    offer = factory.SubFactory(OfferFactory)
    sender = factory.SelfAttribute("offer.helper")
    body = "Hello, how are you doing today?"


class NotificationFactory(DjangoModelFactory):
    """An outbox row waiting to be emailed (as `notify` writes it)."""

    class Meta:
        model = Notification

    key = factory.Sequence(lambda n: f"test:{n}")
    kind = Notification.Kind.OFFER_RECEIVED
    recipient = factory.SubFactory(UserFactory)
    url = "/my/requests/"
