"""The notifications page and unsubscribe links, at the site's top level (no
namespace: their names, "notifications", "unsubscribe"..., predate the app)."""

from django.urls import path

from notifications import views

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<key:pk>/open/", views.notification_open, name="notification_open"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("unsubscribe/<token:token>/", views.unsubscribe, name="unsubscribe"),
]
