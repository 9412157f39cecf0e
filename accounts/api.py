"""The "me" API: your profile, helper subscription and API tokens (your email
settings are in notifications/api.py).

Writes go through accounts.services and accounts.tokens,
as the settings pages do. Your own email address is shown to you only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services, tokens
from accounts.models import ApiToken, User
from board.api_machinery import CursorPagination
from board.http import AuthenticatedRequest, member
from notifications import services as notification_services
from notifications.models import HelperSubscription
from requests.models import Category, HelpRequest
from requests.serializers import SlugField

# --- Serializers ---------------------------------------------------------------------------


class ProfileOut(serializers.Serializer):
    display_name = serializers.CharField()
    email = serializers.EmailField(help_text="Yours; nobody else ever sees it.")
    full_emails = serializers.BooleanField()


class ProfileIn(serializers.Serializer):
    # Its rules (not like "Anonymous ...", not blank, not too long) are the service's:
    # a refusal there is a 400 on this field (board.api_errors).
    display_name = serializers.CharField()


class SubscriptionSerializer(serializers.Serializer):
    is_active = serializers.BooleanField(help_text="Tell me about new requests I could help with.")
    categories = SlugField(
        slug_field="slug",
        queryset=Category.objects.all(),
        many=True,
        help_text="Category slugs; none means every category.",
    )
    response_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=HelpRequest.ResponseKind.choices),
        max_length=len(HelpRequest.ResponseKind.choices),
        help_text="None means every kind.",
    )


class ApiTokenOut(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    name = serializers.CharField()
    starts_with = serializers.SerializerMethodField(help_text="The token's first characters.")
    created_at = serializers.DateTimeField(source="created")
    last_used_at = serializers.DateTimeField(allow_null=True)

    def get_starts_with(self, token: ApiToken) -> str:
        return token.token_key[:8]


class ApiTokenCreatedOut(ApiTokenOut):
    token = serializers.CharField(help_text="The token itself. Shown this once: copy it now.")


class ApiTokenIn(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["name"]
        extra_kwargs = {"name": {"help_text": "What uses it, e.g. “my phone”."}}


# --- Views ---------------------------------------------------------------------------------


class NewestTokensFirst(CursorPagination):
    ordering = ("-created", "-pk")


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me_retrieve", tags=["me"], responses=ProfileOut)
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(ProfileOut(request.user).data)

    @extend_schema(
        operation_id="me_update",
        tags=["me"],
        summary="Change your display name",
        request=ProfileIn,
        responses=ProfileOut,
    )
    def patch(self, request: AuthenticatedRequest) -> Response:
        data = ProfileIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.update_profile(
            user=request.user, display_name=data.validated_data["display_name"]
        )
        return Response(ProfileOut(user).data)


class SubscriptionApi(APIView):
    permission_classes = [IsAuthenticated]

    def _current(self, user: User) -> dict[str, Any]:
        subscription = (
            HelperSubscription.objects.filter(user=user).prefetch_related("categories").first()
        )
        if subscription is None:
            return {"is_active": False, "categories": [], "response_kinds": []}
        return {
            "is_active": subscription.is_active,
            "categories": list(subscription.categories.all()),
            "response_kinds": subscription.response_kinds,
        }

    @extend_schema(
        operation_id="me_subscription_retrieve", tags=["me"], responses=SubscriptionSerializer
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(SubscriptionSerializer(self._current(request.user)).data)

    @extend_schema(
        operation_id="me_subscription_update",
        tags=["me"],
        summary="Choose which new requests you hear about",
        request=SubscriptionSerializer,
        responses=SubscriptionSerializer,
        examples=[
            OpenApiExample(
                "Listening, any category",
                value={"is_active": True, "categories": [], "response_kinds": ["listen"]},
                request_only=True,
            )
        ],
    )
    def put(self, request: AuthenticatedRequest) -> Response:
        data = SubscriptionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notification_services.update_subscription(
            user=request.user,
            is_active=data.validated_data["is_active"],
            categories=data.validated_data["categories"],
            response_kinds=list(dict.fromkeys(data.validated_data["response_kinds"])),
        )
        return Response(SubscriptionSerializer(self._current(request.user)).data)


class ApiTokenListApi(ListAPIView[ApiToken]):
    permission_classes = [IsAuthenticated]
    serializer_class = ApiTokenOut
    pagination_class = NewestTokensFirst

    def get_queryset(self) -> QuerySet[ApiToken]:
        return tokens.tokens_of(member(self.request))

    @extend_schema(operation_id="me_tokens_list", tags=["me"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="me_tokens_create",
        tags=["me"],
        summary="Create a personal API token (shown once)",
        request=ApiTokenIn,
        responses={201: ApiTokenCreatedOut},
        examples=[OpenApiExample("A token for a script", value={"name": "my script"})],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = ApiTokenIn(data=request.data)
        data.is_valid(raise_exception=True)
        token, secret = tokens.create_api_token(user=request.user, name=data.validated_data["name"])
        token.token = secret  # shown this once; only its hash is kept
        # Never stored: board.middleware.PrivateCacheMiddleware.
        return Response(ApiTokenCreatedOut(token).data, status=status.HTTP_201_CREATED)


class ApiTokenDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_tokens_revoke",
        tags=["me"],
        summary="Revoke a token: it is refused from now on",
        responses={204: None},
    )
    def delete(self, request: AuthenticatedRequest, public_id: str) -> Response:
        tokens.revoke_api_token(user=request.user, public_id=public_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
