"""Subscribe to an event; list, change and end my subscriptions."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from events.invitations import invitation_check, invitation_for_subscriber
from events.selectors import event_to_subscribe, events_visible_to
from soonish.accounts.serializers import DetailSerializer, TokenSerializer
from soonish.accounts.tokens import BadToken
from soonish.api import ServiceUnavailable, as_drf
from soonish.schema import ERROR, SCHEDULER_DOWN
from workflows.connection import TemporalUnavailable

from . import selectors, services
from .models import Subscription
from .serializers import (
    ConfirmedSerializer,
    EmailSubscribeSerializer,
    SubscribeSerializer,
    SubscriptionEventSerializer,
    SubscriptionSerializer,
    SubscriptionUpdateSerializer,
)

_SUBSCRIBE_REQUEST = PolymorphicProxySerializer(
    component_name="SubscribeEither",
    serializers=[SubscribeSerializer, EmailSubscribeSerializer],
    resource_type_field_name=None,
)


class SubscribeView(APIView):
    # Signed in: subscribe at once (201). Anonymous: by email, double opt-in (202).
    permission_classes = [AllowAny]
    throttle_scope = "subscribe"

    @extend_schema(
        request=_SUBSCRIBE_REQUEST,
        responses={
            201: SubscriptionSerializer,
            202: DetailSerializer,
            409: OpenApiResponse(ERROR, description="Already subscribed, or the event is closed."),
            503: SCHEDULER_DOWN,
        },
    )
    def post(self, request, event_id: int):
        if not request.user.is_authenticated:
            return _subscribe_by_email(request, event_id)
        # A private event is found through membership or a usable invitation token; without
        # either it is a 404 (a bad token for an event the caller can see is a 400, below).
        token = request.data.get("invitation_token") if isinstance(request.data, dict) else None
        event = event_to_subscribe(request.user, event_id, invitation_token=str(token or ""))
        if event is None:
            raise Http404("No Event matches the given query.")  # as get_object_or_404 says
        data = SubscribeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        token = fields.pop("invitation_token", "")
        try:
            invitation = (
                invitation_for_subscriber(event=event, user=request.user, token=token)
                if token or event.has_pending_invitation
                else None
            )
            subscription = services.subscription_create(
                event=event, user=request.user, invitation=invitation, **fields
            )
        except services.AlreadySubscribed as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except services.EventNotOpen as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as exc:
            raise as_drf(exc) from None
        except TemporalUnavailable:
            raise ServiceUnavailable(
                "The scheduler is unavailable, so you were not subscribed; try again shortly."
            ) from None
        # subscription_create returns it with its event, integrations and reminders: no re-read.
        return Response(SubscriptionSerializer(subscription).data, status=status.HTTP_201_CREATED)


_CHECK_INBOX = "Check your inbox to confirm."


def _subscribe_by_email(request, event_id: int) -> Response:
    # The answer is the same whether the address is new, has an account or is subscribed
    # already: this endpoint must not tell strangers which addresses Soonish knows.
    data = EmailSubscribeSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    fields = dict(data.validated_data)
    token = fields.pop("invitation_token", "")
    event = get_object_or_404(events_visible_to(None, invitation_token=token), pk=event_id)
    try:
        invitation = invitation_check(event=event, token=token) if token else None
        services.subscription_request(event=event, invitation=invitation, **fields)
    except services.EventNotOpen as exc:
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    except DjangoValidationError as exc:
        raise as_drf(exc) from None
    return Response({"detail": _CHECK_INBOX}, status=status.HTTP_202_ACCEPTED)


class TokenView(APIView):
    """Endpoints whose token is the credential: no session, so no CSRF either."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_scope = "subscribe"

    def token(self, request) -> str:
        data = TokenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data["token"]


class ConfirmView(TokenView):
    @extend_schema(
        request=TokenSerializer, responses={200: ConfirmedSerializer, 503: SCHEDULER_DOWN}
    )
    def post(self, request):
        try:
            subscription = services.subscription_confirm(token=self.token(request))
        except BadToken as exc:
            raise ValidationError({"token": [str(exc)]}) from None
        except TemporalUnavailable:
            raise ServiceUnavailable(
                "The scheduler is unavailable, so nothing was confirmed; try again shortly."
            ) from None
        event = subscription.event
        return Response(
            {
                "detail": f"You are subscribed to {event.name}.",
                "event": SubscriptionEventSerializer(event).data,
            }
        )


class UnsubscribeView(TokenView):
    @extend_schema(request=TokenSerializer, responses={204: None})
    def post(self, request):
        try:
            services.subscription_unsubscribe(token=self.token(request))
        except BadToken as exc:
            raise ValidationError({"token": [str(exc)]}) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class SubscriptionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Subscription.objects.none()  # for the schema; requests use get_queryset
    serializer_class = SubscriptionSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.subscriptions_of(self.request.user)

    @extend_schema(request=SubscriptionUpdateSerializer, responses={200: SubscriptionSerializer})
    def partial_update(self, request, pk=None):
        subscription = self.get_object()
        data = SubscriptionUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        try:
            services.subscription_update(
                subscription=subscription,
                integration_ids=fields.get("integration_ids"),
                tags=fields.get("tags"),
                reminder_offsets=fields.get("reminder_offsets", ...),
            )
        except DjangoValidationError as exc:
            raise as_drf(exc) from None
        return Response(SubscriptionSerializer(self.get_queryset().get(pk=pk)).data)

    def perform_destroy(self, instance):
        services.subscription_delete(subscription=instance)
