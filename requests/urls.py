from django.urls import path

from requests import views

app_name = "requests"
urlpatterns = [
    path("", views.board, name="board"),
    path("requests/new/", views.create, name="create"),
    path("requests/<str:public_id>/", views.detail, name="detail"),
    path("requests/<str:public_id>/edit/", views.edit, name="edit"),
    path("requests/<str:public_id>/resolve/", views.resolve, name="resolve"),
    path("requests/<str:public_id>/close/", views.close, name="close"),
    path("requests/<str:public_id>/offer/", views.offer, name="make_offer"),
    path("requests/<str:public_id>/renew/<str:token>/", views.renew, name="renew"),
    path("requests/<str:public_id>/keep-open/", views.keep_open, name="keep_open"),
    path("offers/<str:public_id>/", views.offer_detail, name="offer"),
    path("offers/<str:public_id>/accept/", views.accept, name="accept"),
    path("offers/<str:public_id>/decline/", views.decline, name="decline"),
    path("offers/<str:public_id>/show-my-name/", views.reveal_name, name="reveal_name"),
    path("offers/<str:public_id>/withdraw/", views.withdraw, name="withdraw"),
    path("my/requests/", views.my_requests, name="mine"),
    path("my/offers/", views.my_offers, name="my_offers"),
]
