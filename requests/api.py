"""The requests API: categories, requests, offers and conversations.

One view per resource or action. Each reads through selectors.py (a 404 for
what the person may not see, as on the web pages) and writes through one
service in services.py, which checks every rule, the posting limits included;
a rule that says no is answered with its status and the service's message
(board.api_errors).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from board.api_machinery import CursorPagination
from board.http import AuthenticatedRequest, member
from moderation import selectors as moderation_selectors
from moderation import services as moderation_services
from moderation.models import Report
from requests import selectors, services
from requests.filters import BoardFilter
from requests.models import Category, HelpRequest, Message, Offer
from requests.serializers import (
    CategoryOut,
    HelpRequestIn,
    HelpRequestOut,
    MessageIn,
    MessageOut,
    OfferIn,
    OfferOut,
    ReportIn,
    ReportOut,
)

REQUEST_EXAMPLE = {
    "title": "Could someone listen for half an hour?",
    "body": "It has been a hard week and I would like to talk it through with someone kind.",
    "category": "loneliness",
    "response_kind": "listen",
    "is_anonymous": True,
}
OFFER_EXAMPLE = {"message": "I'd be glad to listen. I'm free most evenings this week."}
MESSAGE_EXAMPLE = {"body": "Thank you for accepting. When would suit you to talk?"}


class OldestFirst(CursorPagination):
    ordering = ("created_at", "pk")


# --- Categories ----------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(operation_id="categories_list", tags=["requests"]))
class CategoryListApi(ListAPIView[Category]):
    """Every category of the board, in the board's order (a short list: not paginated)."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = CategoryOut
    pagination_class = None
    queryset = Category.objects.order_by("order", "name")


# --- Requests ------------------------------------------------------------------------------


class RequestListApi(ListAPIView[HelpRequest]):
    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = HelpRequestOut
    filter_backends = [DjangoFilterBackend]
    filterset_class = BoardFilter

    def get_queryset(self) -> QuerySet[HelpRequest]:
        return HelpRequest.objects.for_board(self.request.user)

    @extend_schema(
        operation_id="requests_list",
        tags=["requests"],
        summary="The board: requests, newest first",
        description=(
            "The board's requests with its filters and search. Without `status`, only open "
            "requests are listed; `status=any` lists every status."
        ),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="requests_create",
        tags=["requests"],
        summary="Ask for help",
        request=HelpRequestIn,
        responses={201: HelpRequestOut},
        examples=[OpenApiExample("An anonymous request", value=REQUEST_EXAMPLE, request_only=True)],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = HelpRequestIn(data=request.data)
        data.is_valid(raise_exception=True)
        help_request = services.create_request(author=request.user, **data.validated_data)
        return Response(
            HelpRequestOut(help_request, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class MyRequestListApi(ListAPIView[HelpRequest]):
    """The requests you asked, newest first, whatever their status."""

    permission_classes = [IsAuthenticated]
    serializer_class = HelpRequestOut

    def get_queryset(self) -> QuerySet[HelpRequest]:
        return selectors.requests_of(member(self.request)).select_related("author")

    @extend_schema(operation_id="me_requests_list", tags=["me"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class RequestDetailApi(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(operation_id="requests_retrieve", tags=["requests"], responses=HelpRequestOut)
    def get(self, request: Request, public_id: str) -> Response:
        # A visitor may read too: get_request_for takes a visitor as well as a member.
        help_request = selectors.get_request_for(request.user, public_id)
        context: dict[str, Any] = {"request": request}
        if help_request.author_id == request.user.pk:
            context["asker_offer_count"] = selectors.asker_offer_count_of(help_request)
        return Response(HelpRequestOut(help_request, context=context).data)

    @extend_schema(
        operation_id="requests_update",
        tags=["requests"],
        summary="Change your request (the fields you send)",
        request=HelpRequestIn(partial=True),
        responses=HelpRequestOut,
    )
    def patch(self, request: AuthenticatedRequest, public_id: str) -> Response:
        help_request = selectors.get_own_request(request.user, public_id)
        data = HelpRequestIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        help_request = services.update_request(
            help_request=help_request, by=request.user, **data.validated_data
        )
        return Response(HelpRequestOut(help_request, context={"request": request}).data)


class _FinishRequestApi(APIView):
    permission_classes = [IsAuthenticated]
    service = staticmethod(services.close_request)

    def post(self, request: AuthenticatedRequest, public_id: str) -> Response:
        help_request = selectors.get_own_request(request.user, public_id)
        help_request = self.service(help_request=help_request, by=request.user)
        help_request.author = request.user
        return Response(HelpRequestOut(help_request, context={"request": request}).data)


@extend_schema_view(
    post=extend_schema(
        operation_id="requests_close",
        tags=["requests"],
        summary="Close (withdraw) your request",
        request=None,
        responses=HelpRequestOut,
    )
)
class RequestCloseApi(_FinishRequestApi):
    service = staticmethod(services.close_request)


@extend_schema_view(
    post=extend_schema(
        operation_id="requests_resolve",
        tags=["requests"],
        summary="Mark your request resolved",
        request=None,
        responses=HelpRequestOut,
    )
)
class RequestResolveApi(_FinishRequestApi):
    service = staticmethod(services.resolve_request)


# --- Offers --------------------------------------------------------------------------------


class RequestOffersApi(ListAPIView[Offer]):
    """GET: the offers on your request (yours only). POST: offer to help with a request."""

    permission_classes = [IsAuthenticated]
    serializer_class = OfferOut
    pagination_class = OldestFirst

    def get_queryset(self) -> QuerySet[Offer]:
        user = member(self.request)
        help_request = selectors.get_own_request(user, self.kwargs["public_id"])
        help_request.author = user
        return selectors.offers_for_asker(help_request)

    @extend_schema(operation_id="requests_offers_list", tags=["offers"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="requests_offers_create",
        tags=["offers"],
        summary="Offer to help",
        request=OfferIn,
        responses={201: OfferOut},
        examples=[OpenApiExample("An offer", value=OFFER_EXAMPLE, request_only=True)],
    )
    def post(self, request: AuthenticatedRequest, public_id: str) -> Response:
        help_request = selectors.get_request_for(request.user, public_id)
        data = OfferIn(data=request.data)
        data.is_valid(raise_exception=True)
        offer = services.make_offer(
            help_request=help_request,
            helper=request.user,
            message=data.validated_data["message"],
        )
        offer.request = help_request
        return Response(
            OfferOut(offer, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class MyOfferListApi(ListAPIView[Offer]):
    """The offers you made, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = OfferOut

    def get_queryset(self) -> QuerySet[Offer]:
        return selectors.offers_of(member(self.request)).select_related("helper")

    @extend_schema(operation_id="offers_list", tags=["offers"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class OfferDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="offers_retrieve", tags=["offers"], responses=OfferOut)
    def get(self, request: AuthenticatedRequest, public_id: str) -> Response:
        offer = selectors.get_offer_for(request.user, public_id)
        return Response(OfferOut(offer, context={"request": request}).data)


class _OfferActionApi(APIView):
    """An action on an offer by one side of it: the other side gets a 403
    (they can see the offer, and the service says only the one side may act),
    everyone else a 404 (they can't see it)."""

    permission_classes = [IsAuthenticated]
    service = staticmethod(services.accept_offer)

    def post(self, request: AuthenticatedRequest, public_id: str) -> Response:
        offer = selectors.get_offer_for(request.user, public_id)
        self.service(offer=offer, by=request.user)
        offer = selectors.get_offer_for(request.user, public_id)
        return Response(OfferOut(offer, context={"request": request}).data)


_View = TypeVar("_View", bound=type[APIView])


def _offer_action_schema(operation_id: str, summary: str) -> Callable[[_View], _View]:
    return extend_schema_view(
        post=extend_schema(
            operation_id=operation_id,
            tags=["offers"],
            summary=summary,
            request=None,
            responses=OfferOut,
        )
    )


@_offer_action_schema("offers_accept", "Accept an offer on your request")
class OfferAcceptApi(_OfferActionApi):
    service = staticmethod(services.accept_offer)


@_offer_action_schema("offers_decline", "Decline an offer on your request, kindly")
class OfferDeclineApi(_OfferActionApi):
    service = staticmethod(services.decline_offer)


@_offer_action_schema("offers_withdraw", "Withdraw your offer")
class OfferWithdrawApi(_OfferActionApi):
    service = staticmethod(services.withdraw_offer)


# --- Conversation -------------------------------------------------------------------------


class OfferMessagesApi(ListAPIView[Message]):
    """The private conversation between the asker and this helper, oldest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = MessageOut
    pagination_class = OldestFirst
    _offer: Offer

    def get_offer(self) -> Offer:
        if not hasattr(self, "_offer"):
            self._offer = selectors.get_offer_for(member(self.request), self.kwargs["public_id"])
        return self._offer

    def get_queryset(self) -> QuerySet[Message]:
        return selectors.conversation(self.get_offer(), member(self.request))

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "offer": self.get_offer()}

    @extend_schema(operation_id="offers_messages_list", tags=["conversations"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="offers_messages_create",
        tags=["conversations"],
        summary="Write in the conversation",
        request=MessageIn,
        responses={201: MessageOut},
        examples=[OpenApiExample("A message", value=MESSAGE_EXAMPLE, request_only=True)],
    )
    def post(self, request: AuthenticatedRequest, public_id: str) -> Response:
        offer = self.get_offer()
        data = MessageIn(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.send_message(
            offer=offer, sender=request.user, body=data.validated_data["body"]
        )
        return Response(
            MessageOut(message, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


# --- Reports -----------------------------------------------------------------------------


class ReportListApi(ListAPIView[Report]):
    """Tell the moderators about a request, offer or message; list your reports."""

    permission_classes = [IsAuthenticated]
    serializer_class = ReportOut

    def get_queryset(self) -> QuerySet[Report]:
        return Report.objects.filter(reporter=member(self.request)).order_by("-created_at", "-pk")

    @extend_schema(operation_id="reports_list", tags=["reports"], summary="Your reports")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="reports_create",
        tags=["reports"],
        summary="Report something to the moderators",
        description=(
            "201 for a new report, 200 if you had already reported it and it is still "
            "open. The person is never told who reported them."
        ),
        request=ReportIn,
        responses={200: ReportOut, 201: ReportOut},
        examples=[
            OpenApiExample(
                "A worrying message",
                value={"target": "message", "id": "42", "reason": "harmful", "details": ""},
                request_only=True,
            )
        ],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = ReportIn(data=request.data)
        data.is_valid(raise_exception=True)
        target = moderation_selectors.target_for(
            request.user, data.validated_data["target"], data.validated_data["id"]
        )
        report, created = moderation_services.report_content(
            reporter=request.user,
            target=target,
            reason=data.validated_data["reason"],
            details=data.validated_data["details"],
        )
        return Response(
            ReportOut(report).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
