"""The REST API: its token scheme in the schema, and the notifications endpoints.
(Authentication, throttles and pagination are in board/api_machinery.py.)

Every API view follows the web pages: it reads through the same permission-aware
selectors (a 404 for what the person may not see) and writes through the same
services; serializers only validate input and render output.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from board import inbox
from board.http import AuthenticatedRequest, member
from board.models import Notification

# --- Schema ----------------------------------------------------------------------------


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "board.api_machinery.TokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        scheme = build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Token",  # noqa: S106 (the header's scheme word, not a secret)
        )
        scheme["description"] = str(
            _("A personal API token from your settings page, as `Authorization: Token <token>`.")
        )
        return scheme


# --- Notifications --------------------------------------------------------------------------


class NotificationRequestOut(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    title = serializers.CharField()


class NotificationOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.ChoiceField(choices=Notification.Kind.choices)
    summary = serializers.SerializerMethodField(help_text="What happened, in a few words.")
    about = serializers.SerializerMethodField(
        help_text="What it is about: a request's title, or the kind of thing it was."
    )
    url = serializers.CharField(help_text="The page on the board it points to.")
    request = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)

    def get_summary(self, notification: Notification) -> str:
        return inbox.summary(notification)

    def get_about(self, notification: Notification) -> str:
        return inbox.about(notification)

    @extend_schema_field(NotificationRequestOut(allow_null=True))
    def get_request(self, notification: Notification) -> dict[str, Any] | None:
        help_request = notification.help_request
        if help_request is None:
            return None
        if help_request.is_hidden and help_request.author_id != notification.recipient_id:
            # Hidden by a moderator: its title is for its author only.
            return None
        return NotificationRequestOut(notification.help_request).data


class MarkedReadOut(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were marked read.")


class NotificationListApi(ListAPIView[Notification]):
    """Your notifications, newest first: what you see on the notifications page."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationOut

    def get_queryset(self) -> QuerySet[Notification]:
        return inbox.inbox(member(self.request))

    @extend_schema(operation_id="notifications_list", tags=["notifications"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class NotificationReadApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="notifications_mark_read",
        tags=["notifications"],
        request=None,
        responses=NotificationOut,
        summary="Mark one notification read",
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        notification = inbox.mark_read(user=request.user, notification_id=pk)
        if notification is None:
            raise exceptions.NotFound
        return Response(NotificationOut(notification).data)


class NotificationReadAllApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="notifications_mark_all_read",
        tags=["notifications"],
        request=None,
        responses=MarkedReadOut,
        summary="Mark all your notifications read",
        examples=[OpenApiExample("Three were unread", value={"marked": 3})],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        return Response({"marked": inbox.mark_all_read(user=request.user)})
