"""One event as an iCalendar file: a UID that never changes, SEQUENCE = revision."""

from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings

from notifications.messages import event_url

from .models import Event


def event_uid(event: Event) -> str:
    """Stable across revisions, so a calendar replaces its copy instead of adding one."""
    host = urlsplit(settings.SOONISH_BASE_URL).hostname or "soonish"
    return f"event-{event.pk}@{host}"


def event_calendar(event: Event) -> bytes:
    """A VCALENDAR with one VEVENT; times carry the event's TZID and its VTIMEZONE."""
    zone = ZoneInfo(event.time_zone)
    vevent = icalendar.Event()
    vevent.add("uid", event_uid(event))
    vevent.add("sequence", event.revision)
    # Without METHOD, DTSTAMP is when the event was last revised (RFC 5545 §3.8.7.2).
    vevent.add("dtstamp", event.updated_at)
    vevent.add("created", event.created_at)
    vevent.add("last-modified", event.updated_at)
    vevent.add("dtstart", event.start.astimezone(zone))
    if event.end:
        vevent.add("dtend", event.end.astimezone(zone))
    vevent.add("summary", event.name)
    if event.description:
        vevent.add("description", event.description)
    if event.location:
        vevent.add("location", event.location)
    if event.tags:
        vevent.add("categories", event.tags)
    vevent.add("url", event_url(event))
    cancelled = event.status == Event.Status.CANCELLED
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")

    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//Soonish//Soonish {settings.SOONISH_VERSION}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add_component(vevent)
    # Only the offsets around the event are needed; the default span (1970 to 2038) is ~3 KB.
    last = event.end or event.start
    calendar.add_missing_timezones(
        first_date=(event.start - timedelta(days=1)).date(),
        last_date=(last + timedelta(days=1)).date(),
    )
    return calendar.to_ical()


def calendar_filename(event: Event) -> str:
    return f"event-{event.pk}.ics"
