"""Included under /moderation/who/ (board/urls.py); staff only."""

from django.urls import path

from requests import breakglass_views

app_name = "breakglass"
urlpatterns = [
    path("<public_id:public_id>/", breakglass_views.who_wrote, name="who_wrote"),
]
