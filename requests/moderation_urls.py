from django.urls import path

from requests import moderation_views as views

app_name = "moderation"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("log/", views.log, name="log"),
    path("reports/<int:pk>/", views.report_action, name="report_action"),
    path("content/<str:kind>/<str:ref>/", views.content_action, name="content_action"),
    path("report/<str:kind>/<str:ref>/", views.report, name="report"),
    path("my-reports/", views.my_reports, name="my_reports"),
    path("notes/<int:pk>/", views.note, name="note"),
    path("block/<str:public_id>/", views.block, name="block"),
    path("unblock/<int:pk>/", views.unblock, name="unblock"),
]
