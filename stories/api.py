"""The API of stories, thank-you notes, "been there too" and the public figures.

One view per resource; reads through the selectors (a 404 for what the person
may not see), writes through one service; a rule that says no (a Refusal) is a
409, answered by board.api_errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from board.api_machinery import CursorPagination
from board.http import AuthenticatedRequest, member
from requests import selectors as request_selectors
from requests import thanks
from requests.models import Category, ThankYou
from stories import figures, selectors, services
from stories.models import Story
from stories.serializers import (
    BeenThereOut,
    FiguresOut,
    MyStoryOut,
    StoryIn,
    StoryOut,
    StoryTextsIn,
    ThankYouIn,
    ThankYouOut,
)


class NewestPublished(CursorPagination):
    ordering = ("-published_at", "-pk")


def _category(slug: str | None) -> Category | None:
    if not slug:
        return None
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        raise exceptions.ValidationError({"category": [_("There is no such category.")]})
    return category


def _texts(data: Mapping[str, Any]) -> dict[str, str]:
    """The three answers, checked by the service's own rule ("at least one, none too
    long") before anything is looked up, so a bad story is a 400 naming its field."""
    return services.clean_texts(data)


@extend_schema_view(
    get=extend_schema(operation_id="stories_list", tags=["stories"], summary="Published stories"),
    post=extend_schema(
        operation_id="stories_create",
        tags=["stories"],
        summary="Share a story about one of your resolved requests",
        request=StoryIn,
        responses={201: MyStoryOut},
    ),
)
class StoryListApi(ListAPIView[Story]):
    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = StoryOut
    pagination_class = NewestPublished

    def get_queryset(self) -> QuerySet[Story]:
        return Story.objects.published().select_related("author", "helper", "category")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        return self.get_paginated_response(
            StoryOut([selectors.card(s) for s in page], many=True).data
        )

    def post(self, request: AuthenticatedRequest) -> Response:
        data = StoryIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        texts = _texts(values)
        help_request = request_selectors.get_own_request(request.user, values["request"])
        story = services.create_story(
            author=request.user,
            help_request=help_request,
            texts=texts,
            category=_category(values["category"]),
            show_name=values["show_name"],
            name_helper=values["name_helper"],
        )
        return Response(MyStoryOut(story).data, status=status.HTTP_201_CREATED)


class StoryDetailApi(APIView):
    """A published story (anyone), or your own (read, change, withdraw)."""

    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(operation_id="stories_read", tags=["stories"], responses=StoryOut)
    def get(self, request: Request, public_id: str) -> Response:
        return Response(StoryOut(selectors.get_published(public_id)).data)

    @extend_schema(
        operation_id="stories_update",
        tags=["stories"],
        summary="Change your story (changed words wait for a moderator again)",
        request=StoryTextsIn,
        responses=MyStoryOut,
    )
    def patch(self, request: AuthenticatedRequest, public_id: str) -> Response:
        story = selectors.get_own_story(request.user, public_id)
        if not isinstance(request.data, Mapping):
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Please send the changes as a JSON object.")]}
            )
        data = StoryTextsIn(data={**story.texts(), "show_name": story.show_name, **request.data})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        category = _category(values["category"]) if "category" in request.data else story.category
        story = services.update_story(
            story=story,
            by=request.user,
            texts=_texts(values),
            category=category,
            show_name=values["show_name"],
        )
        return Response(MyStoryOut(story).data)

    @extend_schema(
        operation_id="stories_withdraw",
        tags=["stories"],
        summary="Withdraw your story: it is deleted, gone from every page at once",
        responses={204: None},
    )
    def delete(self, request: AuthenticatedRequest, public_id: str) -> Response:
        story = selectors.get_own_story(request.user, public_id)
        services.withdraw_story(story=story, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(operation_id="me_stories_list", tags=["stories"], summary="Your stories")
)
class MyStoryListApi(ListAPIView[Story]):
    permission_classes = [IsAuthenticated]
    serializer_class = MyStoryOut

    def get_queryset(self) -> QuerySet[Story]:
        return selectors.stories_of(member(self.request))


class BeenThereApi(APIView):
    """ "I've been there too" on an open request: no text; only its author learns
    how many said it, and nobody who."""

    permission_classes = [IsAuthenticated]

    def _response(
        self, request: AuthenticatedRequest, public_id: str, code: int = status.HTTP_200_OK
    ) -> Response:
        help_request = request_selectors.get_request_for(request.user, public_id)
        is_author = help_request.author_id == request.user.pk
        body = {
            "said": selectors.said_been_there(request.user, help_request),
            "count": selectors.been_there_count(help_request) if is_author else None,
        }
        return Response(BeenThereOut(body).data, status=code)

    @extend_schema(operation_id="been_there_read", tags=["stories"], responses=BeenThereOut)
    def get(self, request: AuthenticatedRequest, public_id: str) -> Response:
        return self._response(request, public_id)

    @extend_schema(
        operation_id="been_there_say", tags=["stories"], request=None, responses=BeenThereOut
    )
    def post(self, request: AuthenticatedRequest, public_id: str) -> Response:
        help_request = request_selectors.get_request_for(request.user, public_id)
        services.say_been_there(user=request.user, help_request=help_request)
        return self._response(request, public_id)

    @extend_schema(operation_id="been_there_take_back", tags=["stories"], responses={204: None})
    def delete(self, request: AuthenticatedRequest, public_id: str) -> Response:
        help_request = request_selectors.get_request_for(request.user, public_id)
        services.take_back_been_there(user=request.user, help_request=help_request)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        operation_id="me_thanks_list", tags=["stories"], summary="Thank-you notes you received"
    )
)
class MyThanksApi(ListAPIView[ThankYou]):
    permission_classes = [IsAuthenticated]
    serializer_class = ThankYouOut

    def get_queryset(self) -> QuerySet[ThankYou]:
        return thanks.thanks_received(member(self.request))


class OfferThankYouApi(APIView):
    """The asker thanks the helper of an accepted offer (optionally resolving)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="offers_thank",
        tags=["offers"],
        request=ThankYouIn,
        responses={201: ThankYouOut},
    )
    def post(self, request: AuthenticatedRequest, public_id: str) -> Response:
        # Only the asker may thank: requests.thanks says so (NotAllowed, a 403).
        offer = request_selectors.get_offer_for(request.user, public_id)
        data = ThankYouIn(data=request.data)
        data.is_valid(raise_exception=True)
        note = thanks.send_thank_you(
            offer=offer,
            by=request.user,
            body=data.validated_data["body"],
            resolve=data.validated_data["resolve"] and thanks.may_resolve_with_note(offer),
        )
        return Response(ThankYouOut(note).data, status=status.HTTP_201_CREATED)


class FiguresApi(APIView):
    """The public figures that rest on enough people (computed hourly, cached)."""

    permission_classes = [AllowAny]

    @extend_schema(operation_id="figures_read", tags=["stories"], responses=FiguresOut)
    def get(self, request: Request) -> Response:
        return Response(FiguresOut({"figures": figures.shown()}).data)
