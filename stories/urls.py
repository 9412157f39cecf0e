from django.urls import path

from stories import views

app_name = "stories"
urlpatterns = [
    path("stories/", views.story_list, name="list"),
    path("stories/new/<public_id:public_id>/", views.new, name="new"),
    path("stories/<public_id:public_id>/", views.story_detail, name="detail"),
    path("stories/<public_id:public_id>/edit/", views.edit, name="edit"),
    path("stories/<public_id:public_id>/withdraw/", views.withdraw, name="withdraw"),
    path("stories/<public_id:public_id>/suggested-change/", views.answer_edit, name="answer_edit"),
    path("stories/<public_id:public_id>/naming/", views.naming, name="naming"),
    path("my/stories/", views.mine, name="mine"),
    path("requests/<public_id:public_id>/been-there/", views.been_there, name="been_there"),
    path("moderation/stories/<public_id:public_id>/", views.moderate, name="moderate"),
    path("moderation/stories/<public_id:public_id>/suggest/", views.propose, name="propose"),
]
