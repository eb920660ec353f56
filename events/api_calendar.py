"""An event as an iCalendar file, for whoever may see the event."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from .calendar import calendar_filename, event_calendar
from .selectors import events_visible_to


class EventCalendarView(APIView):
    permission_classes = [AllowAny]

    def perform_content_negotiation(self, request, force=False):
        # Calendar clients ask for text/calendar; the file itself bypasses rendering, and
        # errors are always JSON, so no Accept header can turn a request into a 406.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        operation_id="events_calendar_retrieve",
        responses={
            (200, "text/calendar"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="One VEVENT: UID stable across revisions, SEQUENCE = revision, "
                "STATUS:CANCELLED once cancelled; times in the event's time zone (TZID).",
            ),
            404: OpenApiResponse(description="No such event, or not one the caller may see."),
        },
    )
    def get(self, request, event_id: int):
        event = get_object_or_404(events_visible_to(request.user), pk=event_id)
        response = HttpResponse(event_calendar(event), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{calendar_filename(event)}"'
        return response
