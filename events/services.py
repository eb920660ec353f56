"""Event state changes. Each runs in one transaction; Temporal hears of it after commit."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from soonish.accounts.models import User
from workflows import client as temporal

from .models import Announcement, Event, EventChange

# Changes to these are what subscribers are told about (and what moves their reminders).
NOTIFIED_FIELDS = ("name", "description", "start", "end", "time_zone", "location")
EDITABLE_FIELDS = (*NOTIFIED_FIELDS, "is_public", "tags", "recurrence")


class EventClosed(Exception):
    """The event is cancelled or finished: it can no longer change."""


def _json(value):
    return value.isoformat() if isinstance(value, datetime) else value


def event_create(*, organizer: User, **fields) -> Event:
    """Create the event and start its workflow in one step: a refused start leaves nothing.

    The workflow is started before the commit, and its first database access comes from a
    timer or a signal sent after commit, so it never reads an uncommitted row. If Temporal
    refuses, the exception rolls the insert back; if the commit fails, the workflow is ended.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown event fields: {sorted(unknown)}")
    started = None
    try:
        with transaction.atomic():
            event = Event.objects.create(organizer=organizer, **fields)
            event.workflow_id = temporal.event_workflow_id(event.pk)
            event.save(update_fields=["workflow_id"])
            started = temporal.start_event_workflow(event)
    except Exception:
        if started:
            temporal.terminate_workflow(started, reason="event creation rolled back")
        raise
    return event


@transaction.atomic
def event_update(*, event: Event, **fields) -> list[dict]:
    """Apply changes; notified ones bump the revision and are broadcast. Returns the changes."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Event.Status.SCHEDULED:
        raise EventClosed(f"This event is {event.status}; it can no longer be changed.")
    changes, update_fields = [], []
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise TypeError(f"{name} is not an editable event field")
        old = getattr(event, name)
        if old == value:
            continue
        setattr(event, name, value)
        update_fields.append(name)
        if name in NOTIFIED_FIELDS:
            changes.append({"field": name, "old": _json(old), "new": _json(value)})
    if changes:
        event.revision += 1
        update_fields.append("revision")
        EventChange.objects.create(
            event=event, revision=event.revision, kind=EventChange.Kind.UPDATE, changes=changes
        )
    if update_fields:
        event.full_clean()
        event.save(update_fields=[*update_fields, "updated_at"])
    if changes:
        _signal_after_commit(event, "event_updated")
    return changes


@transaction.atomic
def event_cancel(*, event: Event) -> Event:
    """Cancel (idempotent): subscribers get one cancellation; the event is kept for the ledger."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status == Event.Status.CANCELLED:
        return event
    if event.status == Event.Status.FINISHED:
        raise EventClosed("This event has already taken place; it can no longer be cancelled.")
    event.status = Event.Status.CANCELLED
    event.revision += 1
    event.save(update_fields=["status", "revision", "updated_at"])
    EventChange.objects.create(event=event, revision=event.revision, kind=EventChange.Kind.CANCEL)
    _signal_after_commit(event, "event_cancelled")
    return event


def _signal_after_commit(event: Event, signal: str) -> None:
    # A failed signal only delays the notice: the workflow re-reads EventChange periodically.
    transaction.on_commit(lambda: temporal.signal_event(event.pk, signal))


def event_mark_finished(*, event_id: int) -> bool:
    """The workflow's last step for an event that took place; False if it was not scheduled."""
    return bool(
        Event.objects.filter(pk=event_id, status=Event.Status.SCHEDULED).update(
            status=Event.Status.FINISHED
        )
    )


def announcement_create(
    *, event: Event, author: User, title: str, body: str, level: str = "info", send_at=None
) -> Announcement:
    """Queue an announcement; the event's workflow sends it now or at `send_at`."""
    if event.status != Event.Status.SCHEDULED:
        raise EventClosed(f"This event is {event.status}; it takes no announcements.")
    with transaction.atomic():
        announcement = Announcement.objects.create(
            event=event, created_by=author, title=title, body=body, level=level, send_at=send_at
        )
        _signal_after_commit(event, "announce")
    return announcement


def announcement_mark_started(*, ids: list[int]) -> int:
    return Announcement.objects.filter(pk__in=ids, started_at__isnull=True).update(
        started_at=timezone.now()
    )
