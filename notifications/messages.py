"""Notification texts, rendered from templates/notifications/messages/<kind>_{title,body}.txt."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.dateparse import parse_datetime

from events.models import Event

LEVELS = {
    "update": "warning",
    "reminder": "warning",
    "cancel": "critical",
    "welcome": "info",
    "test": "info",
}
FIELD_LABELS = {
    "name": "Name",
    "description": "Description",
    "start": "Starts",
    "end": "Ends",
    "time_zone": "Time zone",
    "location": "Place",
}


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    level: str = "info"


def local_time(value: datetime | str | None, time_zone: str) -> str:
    """'Sat 5 Dec 2026, 18:00 (Europe/Paris)' — always in the event's own zone."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(time_zone))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} ({time_zone})"


def _shown(field: str, value, time_zone: str) -> str:
    if field in ("start", "end"):
        return local_time(value, time_zone)
    if value in (None, ""):
        return "—"
    text = str(value)
    return text if len(text) <= 200 else text[:199] + "…"


def describe_changes(changes: list[dict], time_zone: str) -> list[dict]:
    """[{label, old, new}] for people, times in the event's zone (the old zone for old times)."""
    old_zone = next((c["old"] for c in changes if c["field"] == "time_zone"), time_zone)
    return [
        {
            "label": FIELD_LABELS.get(c["field"], c["field"]),
            "old": _shown(c["field"], c["old"], old_zone),
            "new": _shown(c["field"], c["new"], time_zone),
        }
        for c in changes
    ]


def event_url(event: Event) -> str:
    return f"{settings.SOONISH_BASE_URL}/events/{event.pk}"


def render(kind: str, *, event: Event, level: str | None = None, **context) -> Message:
    context = {
        "event": event,
        "starts": local_time(event.start, event.time_zone),
        "ends": local_time(event.end, event.time_zone) if event.end else "",
        "event_url": event_url(event),
        **context,
    }
    title = render_to_string(f"notifications/messages/{kind}_title.txt", context)
    body = render_to_string(f"notifications/messages/{kind}_body.txt", context)
    return Message(" ".join(title.split()), body.strip(), level or LEVELS.get(kind, "info"))


def humanize_offset(seconds: int) -> str:
    """86400 → '1 day', 10800 → '3 hours', 5400 → '1 hour 30 minutes', 600 → '10 minutes'."""
    parts = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
        if len(parts) == 2:
            break
    return " ".join(parts) or "0 seconds"
