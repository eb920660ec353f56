"""Steps of a fault scenario run in a child process (`manage.py shell -c`), against whatever
database DATABASE_URL names: the test's own PostgreSQL, which it restarts meanwhile."""

import json
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from events.models import Event
from events.services import event_create, event_update
from notifications.models import Delivery
from subscriptions.models import Subscription
from tests.bulk import add_subscribers
from tests.factories import UserFactory


def broadcast(subscribers: int, url: str) -> None:
    """An event with `subscribers` subscribers (each at `url` + their index), then a change
    they are all told about; prints the event id."""
    start = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    event = event_create(
        organizer=UserFactory(), name="Launch", start=start, time_zone="UTC", location="Dock 4"
    )
    add_subscribers(event.pk, [f"{url}{i}" for i in range(subscribers)])
    event_update(event=Event.objects.get(pk=event.pk), location="Pier 9")
    print(json.dumps({"event": event.pk}))


def ledger(event_id: int) -> None:
    """Prints what the ledger holds of the event's update."""
    updates = Delivery.objects.filter(event_id=event_id, kind="update")
    per_target = updates.values("subscription", "destination").annotate(n=Count("id"))
    print(
        json.dumps(
            {
                "subscriptions": Subscription.objects.filter(event_id=event_id).count(),
                "rows": updates.count(),
                "sent": updates.filter(status="sent").values("subscription").distinct().count(),
                "repeated": per_target.filter(n__gt=1).count(),
            }
        )
    )
