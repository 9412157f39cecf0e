from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("notifications/", views.notifications_page, name="notifications"),
]
