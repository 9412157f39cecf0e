from django.urls import path

from accounts import token_views, views

app_name = "accounts"
urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("notifications/", views.notifications_page, name="notifications"),
    path("my-data/", views.export_data, name="export"),
    path("delete/", views.delete_account, name="delete"),
    path("api-tokens/", token_views.api_tokens, name="api_tokens"),
    path(
        "api-tokens/<public_id:public_id>/revoke/",
        token_views.api_token_revoke,
        name="api_token_revoke",
    ),
]
