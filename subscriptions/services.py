"""Subscription state changes."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from events.models import Event
from integrations.models import Integration
from soonish.accounts.models import User
from workflows import client as temporal

from .models import ReminderOffset, Subscription
from .offsets import clean_offsets


class AlreadySubscribed(Exception):
    pass


class EventNotOpen(Exception):
    pass


def _owned_active_integrations(user: User, ids) -> list[Integration]:
    ids = list(dict.fromkeys(ids or []))
    found = list(Integration.objects.filter(user=user, pk__in=ids, is_active=True))
    missing = set(ids) - {i.pk for i in found}
    if missing:
        raise ValidationError(
            {
                "integration_ids": [
                    f"Not one of your active channels: {', '.join(map(str, sorted(missing)))}."
                ]
            }
        )
    return found


def _set_offsets(subscription: Subscription, offsets: list[int]) -> None:
    subscription.reminders.all().delete()
    ReminderOffset.objects.bulk_create(
        ReminderOffset(subscription=subscription, event_id=subscription.event_id, offset_seconds=o)
        for o in offsets
    )


def _offsets(value) -> list[int]:
    try:
        return clean_offsets(value)
    except ValidationError as exc:
        raise ValidationError({"reminder_offsets": exc.messages}) from None


def subscription_create(
    *,
    event: Event,
    user: User,
    integration_ids=None,
    tags=None,
    reminder_offsets=None,
    confirmed: bool = True,
) -> Subscription:
    """Subscribe; the welcome is sent by a workflow started before the commit, which waits
    for the row to be visible (a refused start rolls the subscription back)."""
    if event.status != Event.Status.SCHEDULED:
        raise EventNotOpen(f"This event is {event.status}; it takes no new subscribers.")
    integrations = _owned_active_integrations(user, integration_ids)
    offsets = _offsets(reminder_offsets)
    try:
        with transaction.atomic():
            subscription = Subscription.objects.create(
                event=event,
                user=user,
                tags=list(tags or []),
                confirmed_at=timezone.now() if confirmed else None,
            )
            subscription.integrations.set(integrations)
            _set_offsets(subscription, offsets)
            if confirmed:
                temporal.start_welcome(subscription)
    except IntegrityError:
        raise AlreadySubscribed("You are already subscribed to this event.") from None
    if offsets:
        transaction.on_commit(lambda: temporal.signal_event(event.pk, "reminders_changed"))
    return subscription


@transaction.atomic
def subscription_update(
    *, subscription: Subscription, integration_ids=None, tags=None, reminder_offsets=...
) -> Subscription:
    """Change selectors or reminder times; the event's workflow re-plans its reminders."""
    if integration_ids is not None:
        subscription.integrations.set(
            _owned_active_integrations(subscription.user, integration_ids)
        )
    if tags is not None:
        subscription.tags = list(tags)
        subscription.save(update_fields=["tags", "updated_at"])
    if reminder_offsets is not ...:
        _set_offsets(subscription, _offsets(reminder_offsets))
        event_id = subscription.event_id
        transaction.on_commit(lambda: temporal.signal_event(event_id, "reminders_changed"))
    return subscription


def subscription_delete(*, subscription: Subscription) -> None:
    subscription.delete()
