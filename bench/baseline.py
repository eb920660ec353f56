"""The baseline of bench/api.py: the same rows and fields as GET /api/events[/{id}] for an
anonymous caller, read with one plain ORM query each and returned by JsonResponse, no DRF."""

from django.http import Http404, JsonResponse

from events.models import Event
from events.selectors import with_subscriber_counts

FIELDS = [
    "id", "name", "description", "start", "end", "time_zone", "location", "is_public", "tags",
    "status", "revision", "organizer_id", "organizer__name", "subscriber_count", "recurrence",
    "created_at", "updated_at",
]  # fmt: skip


def _rows():
    # The same count subquery as the API's: the baseline does the same work in the database.
    events = with_subscriber_counts(Event.objects.filter(is_public=True))
    return events.order_by("start", "pk").values(*FIELDS)


def _json(row: dict) -> dict:
    row["organizer"] = {"id": row.pop("organizer_id"), "name": row.pop("organizer__name")}
    row["workflow_id"] = None
    return row


def event_list(request):
    rows = _rows()
    page = [_json(row) for row in rows[:20]]
    return JsonResponse({"count": rows.count(), "results": page})


def event_detail(request, pk: int):
    row = _rows().filter(pk=pk).first()
    if row is None:
        raise Http404
    return JsonResponse(_json(row))
