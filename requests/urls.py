from django.urls import path

from requests import thanks_views, views

app_name = "requests"
urlpatterns = [
    path("", views.board, name="board"),
    path("requests/new/", views.create, name="create"),
    path("follow/", views.follow, name="follow"),
    path("requests/<public_id:public_id>/", views.detail, name="detail"),
    path("requests/<public_id:public_id>/edit/", views.edit, name="edit"),
    path("requests/<public_id:public_id>/resolve/", views.resolve, name="resolve"),
    path("requests/<public_id:public_id>/close/", views.close, name="close"),
    path("requests/<public_id:public_id>/offer/", views.offer, name="make_offer"),
    path("requests/<public_id:public_id>/renew/<token:token>/", views.renew, name="renew"),
    path("requests/<public_id:public_id>/keep-open/", views.keep_open, name="keep_open"),
    path("offers/<public_id:public_id>/", views.offer_detail, name="offer"),
    path("offers/<public_id:public_id>/accept/", views.accept, name="accept"),
    path("offers/<public_id:public_id>/decline/", views.decline, name="decline"),
    path("offers/<public_id:public_id>/show-my-name/", views.reveal_name, name="reveal_name"),
    path("offers/<public_id:public_id>/withdraw/", views.withdraw, name="withdraw"),
    path("my/requests/", views.my_requests, name="mine"),
    path("my/offers/", views.my_offers, name="my_offers"),
    path("offers/<public_id:public_id>/thank/", thanks_views.thank, name="thank"),
    path("my/thanks/", thanks_views.thanks_page, name="thanks"),
]
