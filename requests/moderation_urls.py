from django.urls import path

from requests import moderation_views as views

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
