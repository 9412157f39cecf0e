"""The REST API's URLs: /api/v1/..., the OpenAPI schema and its docs.

Every name here is in the "api" namespace; tests/api/test_permissions.py lists
what each persona gets from each of them, and fails on a new one it doesn't know.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import api as accounts_api
from board import api as _token_scheme  # noqa: F401 (registers the token scheme in the schema)
from notifications import api as notifications_api
from requests import api as requests_api
from stories import api as stories_api

app_name = "api"

v1 = [
    path("categories/", requests_api.CategoryListApi.as_view(), name="categories"),
    path("requests/", requests_api.RequestListApi.as_view(), name="requests"),
    path(
        "requests/<public_id:public_id>/", requests_api.RequestDetailApi.as_view(), name="request"
    ),
    path(
        "requests/<public_id:public_id>/close/",
        requests_api.RequestCloseApi.as_view(),
        name="request_close",
    ),
    path(
        "requests/<public_id:public_id>/resolve/",
        requests_api.RequestResolveApi.as_view(),
        name="request_resolve",
    ),
    path(
        "requests/<public_id:public_id>/offers/",
        requests_api.RequestOffersApi.as_view(),
        name="request_offers",
    ),
    path("offers/", requests_api.MyOfferListApi.as_view(), name="offers"),
    path("offers/<public_id:public_id>/", requests_api.OfferDetailApi.as_view(), name="offer"),
    path(
        "offers/<public_id:public_id>/accept/",
        requests_api.OfferAcceptApi.as_view(),
        name="offer_accept",
    ),
    path(
        "offers/<public_id:public_id>/decline/",
        requests_api.OfferDeclineApi.as_view(),
        name="offer_decline",
    ),
    path(
        "offers/<public_id:public_id>/withdraw/",
        requests_api.OfferWithdrawApi.as_view(),
        name="offer_withdraw",
    ),
    path(
        "offers/<public_id:public_id>/messages/",
        requests_api.OfferMessagesApi.as_view(),
        name="offer_messages",
    ),
    path("notifications/", notifications_api.NotificationListApi.as_view(), name="notifications"),
    path(
        "notifications/read-all/",
        notifications_api.NotificationReadAllApi.as_view(),
        name="notifications_read_all",
    ),
    path(
        "notifications/<key:pk>/read/",
        notifications_api.NotificationReadApi.as_view(),
        name="notification_read",
    ),
    path("reports/", requests_api.ReportListApi.as_view(), name="reports"),
    path("me/", accounts_api.MeApi.as_view(), name="me"),
    path("me/requests/", requests_api.MyRequestListApi.as_view(), name="my_requests"),
    path(
        "me/notification-settings/",
        notifications_api.NotificationSettingsApi.as_view(),
        name="notification_settings",
    ),
    path("me/subscription/", accounts_api.SubscriptionApi.as_view(), name="subscription"),
    path("me/tokens/", accounts_api.ApiTokenListApi.as_view(), name="tokens"),
    path(
        "me/tokens/<public_id:public_id>/", accounts_api.ApiTokenDetailApi.as_view(), name="token"
    ),
    # Stories and gratitude (stories/api.py).
    path("stories/", stories_api.StoryListApi.as_view(), name="stories"),
    path("stories/<public_id:public_id>/", stories_api.StoryDetailApi.as_view(), name="story"),
    path("me/stories/", stories_api.MyStoryListApi.as_view(), name="my_stories"),
    path("me/thanks/", stories_api.MyThanksApi.as_view(), name="my_thanks"),
    path(
        "offers/<public_id:public_id>/thank-you/",
        stories_api.OfferThankYouApi.as_view(),
        name="offer_thank_you",
    ),
    path(
        "requests/<public_id:public_id>/been-there/",
        stories_api.BeenThereApi.as_view(),
        name="request_been_there",
    ),
    path("figures/", stories_api.FiguresApi.as_view(), name="figures"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
