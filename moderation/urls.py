"""Included under /moderation/ (board/urls.py)."""

from django.urls import path

from moderation import views

app_name = "moderation"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("log/", views.log, name="log"),
    path("reports/<key:pk>/", views.report_action, name="report_action"),
    path("content/<slug:kind>/<public_id:ref>/", views.content_action, name="content_action"),
    path("report/<slug:kind>/<public_id:ref>/", views.report, name="report"),
    path("my-reports/", views.my_reports, name="my_reports"),
    path("notes/<key:pk>/", views.note, name="note"),
    path("block/<public_id:public_id>/", views.block, name="block"),
    path("unblock/<key:pk>/", views.unblock, name="unblock"),
]

# The audited break-glass look at who wrote an anonymous request, included under
# /moderation/who/ (board/urls.py) in its own namespace: {% url 'breakglass:who_wrote' %}.
breakglass_patterns = (
    [path("<public_id:public_id>/", views.who_wrote, name="who_wrote")],
    "breakglass",
)
