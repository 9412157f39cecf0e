"""The notifications API: your notifications (what the notifications page
shows) and your email settings (what the settings page sets).

Views read through notifications.selectors and write through
notifications.services, as the pages do; serializers only validate input and
render output.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from board.http import AuthenticatedRequest, member
from notifications import kinds, selectors, services
from notifications.kinds import CONFIGURABLE_KINDS, Delivery, label_for
from notifications.models import Notification

# --- Your notifications ---------------------------------------------------------------------


class NotificationRequestOut(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    title = serializers.CharField()


class NotificationOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.ChoiceField(choices=kinds.choices())
    summary = serializers.SerializerMethodField(help_text="What happened, in a few words.")
    about = serializers.SerializerMethodField(
        help_text="What it is about: a request's title, or the kind of thing it was."
    )
    url = serializers.CharField(help_text="The page on the board it points to.")
    request = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)

    def get_summary(self, notification: Notification) -> str:
        return selectors.summary(notification)

    def get_about(self, notification: Notification) -> str:
        return selectors.about(notification)

    @extend_schema_field(NotificationRequestOut(allow_null=True))
    def get_request(self, notification: Notification) -> dict | None:
        help_request = notification.help_request
        if help_request is None:
            return None
        if help_request.is_hidden and help_request.author_id != notification.recipient_id:
            # Hidden by a moderator: its title is for its author only.
            return None
        return NotificationRequestOut(notification.help_request).data


class MarkedReadOut(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were marked read.")


class NotificationListApi(ListAPIView):
    """Your notifications, newest first: what you see on the notifications page."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationOut

    def get_queryset(self) -> QuerySet[Notification]:
        return selectors.inbox(member(self.request))

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
        notification = services.mark_read(user=request.user, notification_id=pk)
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
        return Response({"marked": services.mark_all_read(user=request.user)})


# --- Your email settings --------------------------------------------------------------------


# Refuses a kind it has no field for (a typo, a kind that is not yours to choose),
# rather than ignoring it as a serializer otherwise would. (A comment, not a
# docstring: the schema would show it as the component's description.)
class KnownKindsOnly(serializers.Serializer):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise exceptions.ValidationError(
                    {kind: [_("Not a kind of email you can choose.")] for kind in unknown}
                )
        return super().to_internal_value(data)


def deliveries_serializer(*, required: bool) -> type[serializers.Serializer]:
    """One field per kind people choose for (notifications.kinds): every kind in
    what the API answers; in a `PUT`, the kinds the client knows, so that a kind
    added later leaves older clients working (the ones they leave out keep
    their setting)."""
    return type(
        "Deliveries",
        (KnownKindsOnly,),
        {
            kind: serializers.ChoiceField(
                choices=Delivery.choices, help_text=label_for(kind), required=required
            )
            for kind in CONFIGURABLE_KINDS
        },
    )


@extend_schema_serializer(component_name="NotificationSettings")
class NotificationSettingsOut(serializers.Serializer):
    deliveries = deliveries_serializer(required=True)(
        help_text="Per kind: right away, in a daily digest, never."
    )
    full_emails = serializers.BooleanField(
        help_text="Include the request's title and the message in emails."
    )


# In the schema as "NotificationSettingsRequest" (the request side of the same name).
@extend_schema_serializer(component_name="NotificationSettings")
class NotificationSettingsIn(serializers.Serializer):
    deliveries = deliveries_serializer(required=False)(
        help_text=(
            "Per kind: right away, in a daily digest, never. Kinds left out keep "
            "their setting; an unknown kind is refused."
        )
    )
    full_emails = serializers.BooleanField(
        help_text="Include the request's title and the message in emails."
    )


class NotificationSettingsApi(APIView):
    permission_classes = [IsAuthenticated]

    def _current(self, user: User) -> dict[str, Any]:
        return {"deliveries": services.preferences_for(user), "full_emails": user.full_emails}

    @extend_schema(
        operation_id="me_notification_settings_retrieve",
        tags=["me"],
        responses=NotificationSettingsOut,
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(NotificationSettingsOut(self._current(request.user)).data)

    @extend_schema(
        operation_id="me_notification_settings_update",
        tags=["me"],
        summary="Choose which emails you get",
        request=NotificationSettingsIn,
        responses=NotificationSettingsOut,
    )
    def put(self, request: AuthenticatedRequest) -> Response:
        data = NotificationSettingsIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.update_settings(
            user=request.user,
            full_emails=data.validated_data["full_emails"],
            choices=dict(data.validated_data["deliveries"]),
        )
        return Response(NotificationSettingsOut(self._current(request.user)).data)
