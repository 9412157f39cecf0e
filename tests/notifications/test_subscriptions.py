"""Helper subscriptions are written by notifications.services alone."""

from accounts import services as account_services
from notifications import services
from notifications.models import HelperSubscription
from tests.factories import CategoryFactory


def test_the_subscription_writers_live_in_notifications():
    for name in ("update_subscription", "follow_requests"):
        assert callable(getattr(services, name))
        assert not hasattr(account_services, name), f"accounts.services.{name} came back"


def test_following_adds_to_what_is_followed(helper):
    talk, walks = CategoryFactory(), CategoryFactory()
    services.update_subscription(
        user=helper, is_active=True, categories=[talk], response_kinds=["listen"]
    )
    subscription = services.follow_requests(user=helper, category=walks, response_kind="advice")
    assert subscription.is_active
    assert set(subscription.categories.all()) == {talk, walks}
    assert subscription.response_kinds == ["listen", "advice"]
    assert HelperSubscription.objects.filter(user=helper).count() == 1
