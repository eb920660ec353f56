"""Events API: list and read by visibility, organizer-only writes, delete = cancel."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from notifications.selectors import delivery_counts
from soonish.api import ServiceUnavailable
from soonish.schema import ERROR, SCHEDULER_DOWN
from workflows import client as temporal
from workflows.connection import TemporalUnavailable

from . import selectors, services
from .models import Event
from .serializers import (
    AnnouncementSerializer,
    EventFilterSerializer,
    EventSerializer,
    EventStatusSerializer,
    EventWriteSerializer,
)

CLOSED = OpenApiResponse(ERROR, description="The event is cancelled or finished: it cannot change.")


def conflict(message: str) -> Response:
    return Response({"detail": message}, status=status.HTTP_409_CONFLICT)


class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = EventSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_queryset(self):
        if self.action == "list":
            # The search starts from the visible events itself: building them once per request.
            # A plain dict: from a QueryDict DRF would read `starts_before=` as "not given".
            params = EventFilterSerializer(data=self.request.query_params.dict())
            params.is_valid(raise_exception=True)
            if params.validated_data.get("mine") and not self.request.user.is_authenticated:
                raise ValidationError({"mine": ["Sign in to filter by your own events."]})
            return selectors.events_search(user=self.request.user, **params.validated_data)
        return selectors.events_visible_to(self.request.user)

    def filter_queryset(self, queryset):
        return queryset  # get_queryset() applied the list's filters

    def _organized(self) -> Event:
        event = self.get_object()  # 404 for what the caller cannot see, and for a malformed id
        if event.organizer_id != self.request.user.pk:
            raise PermissionDenied("Only the organizer can change this event.")
        return event

    def _read(self, event: Event, code=status.HTTP_200_OK) -> Response:
        event = self.get_queryset().get(pk=event.pk)
        return Response(self.get_serializer(event).data, status=code)

    @extend_schema(parameters=[EventFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=EventWriteSerializer, responses={201: EventSerializer, 503: SCHEDULER_DOWN}
    )
    def create(self, request):
        data = EventWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            event = services.event_create(organizer=request.user, **data.validated_data)
        except TemporalUnavailable:
            raise ServiceUnavailable(
                "The scheduler is unavailable, so the event was not created; try again shortly."
            ) from None
        return self._read(event, status.HTTP_201_CREATED)

    @extend_schema(request=EventWriteSerializer, responses={200: EventSerializer, 409: CLOSED})
    def partial_update(self, request, pk=None):
        event = self._organized()
        data = EventWriteSerializer(event, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        try:
            services.event_update(event=event, **data.validated_data)
        except services.EventClosed as exc:
            return conflict(str(exc))
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return self._read(event)

    @extend_schema(responses={204: None, 409: CLOSED})
    def destroy(self, request, pk=None):
        try:
            services.event_cancel(event=self._organized())
        except services.EventClosed as exc:
            return conflict(str(exc))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=AnnouncementSerializer, responses={202: AnnouncementSerializer, 409: CLOSED}
    )
    @action(detail=True, methods=["post"])
    def announce(self, request, pk=None):
        """Send a message to every subscriber now, or at `send_at` (organizer)."""
        event = self._organized()
        data = AnnouncementSerializer(data=request.data, context={"event": event})
        data.is_valid(raise_exception=True)
        try:
            announcement = services.announcement_create(
                event=event, author=request.user, **data.validated_data
            )
        except services.EventClosed as exc:
            return conflict(str(exc))
        return Response(AnnouncementSerializer(announcement).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: EventStatusSerializer})
    @action(detail=True, methods=["get"])
    def status(self, request, pk=None):
        """The live workflow state, the next reminder due and delivery counts (organizer)."""
        event = self._organized()
        try:
            state = temporal.describe_event_workflow(event.pk)
        except Exception:  # ended, unreachable or not yet started: the ledger still answers
            state = None
        return Response(
            {
                "workflow_id": event.workflow_id,
                "workflow": state and vars(state),
                "next_reminder_due": state and state.next_reminder_due,
                "next_reminder_offset": state and state.next_reminder_offset,
                "deliveries": delivery_counts(event_id=event.pk),
            }
        )
