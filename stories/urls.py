from django.urls import path

from stories import views

app_name = "stories"
urlpatterns = [
    path("stories/", views.story_list, name="list"),
    path("stories/new/<str:public_id>/", views.new, name="new"),
    path("stories/<str:public_id>/", views.story_detail, name="detail"),
    path("stories/<str:public_id>/edit/", views.edit, name="edit"),
    path("stories/<str:public_id>/withdraw/", views.withdraw, name="withdraw"),
    path("stories/<str:public_id>/suggested-change/", views.answer_edit, name="answer_edit"),
    path("stories/<str:public_id>/naming/", views.naming, name="naming"),
    path("my/stories/", views.mine, name="mine"),
    path("requests/<str:public_id>/been-there/", views.been_there, name="been_there"),
    path("moderation/stories/<str:public_id>/", views.moderate, name="moderate"),
    path("moderation/stories/<str:public_id>/suggest/", views.propose, name="propose"),
]
