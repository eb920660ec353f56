"""Subscribe to an event; list, change and end my subscriptions."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from events.selectors import events_visible_to
from soonish.api import ServiceUnavailable
from workflows.connection import TemporalUnavailable

from . import selectors, services
from .models import Subscription
from .serializers import SubscribeSerializer, SubscriptionSerializer, SubscriptionUpdateSerializer


def _as_drf(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)


class SubscribeView(APIView):
    throttle_scope = "subscribe"

    @extend_schema(request=SubscribeSerializer, responses={201: SubscriptionSerializer})
    def post(self, request, event_id: int):
        event = get_object_or_404(events_visible_to(request.user), pk=event_id)
        data = SubscribeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            subscription = services.subscription_create(
                event=event, user=request.user, **data.validated_data
            )
        except services.AlreadySubscribed as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except services.EventNotOpen as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as exc:
            raise _as_drf(exc) from None
        except TemporalUnavailable:
            raise ServiceUnavailable(
                "The scheduler is unavailable, so you were not subscribed; try again shortly."
            ) from None
        subscription = selectors.subscriptions_of(request.user).get(pk=subscription.pk)
        return Response(SubscriptionSerializer(subscription).data, status=status.HTTP_201_CREATED)


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
            raise _as_drf(exc) from None
        return Response(SubscriptionSerializer(self.get_queryset().get(pk=pk)).data)

    def perform_destroy(self, instance):
        services.subscription_delete(subscription=instance)
