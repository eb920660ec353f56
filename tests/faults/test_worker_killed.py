"""A worker process SIGKILLed in the middle of a broadcast: Temporal retries what it was doing,
the ledger keeps the retries from sending twice what it had recorded."""

import time
import uuid
from collections import Counter

import pytest
from django.db.models import Count

from notifications import fanout
from notifications.models import Delivery
from tests.bulk import add_subscribers
from tests.events.test_api import new_event
from tests.factories import UserFactory
from tests.helpers import client_for, wait_for
from tests.notifications.test_broadcast import workflow_status
from workflows.workflows import PARALLEL_BATCHES

from .conftest import kill, suite_database_url

pytestmark = [pytest.mark.faults, pytest.mark.temporal, pytest.mark.django_db(transaction=True)]

SUBSCRIBERS = 2000
KILLS = 3


def settle(sink, quiet: float = 1.0) -> None:
    """Wait until the sink has recorded every request a dead worker had already sent."""
    seen = -1
    while seen != len(sink.received):
        seen = len(sink.received)
        time.sleep(quiet)


def test_a_worker_killed_three_times_mid_broadcast_loses_no_one_and_writes_no_row_twice(
    temporal_address, settings, make_sink, worker_processes, record_property
):
    """Every subscriber ends with exactly one `sent` ledger row and at least one message.

    The sink may see a subscriber twice, but only for a send that was in flight when the
    worker died: handed to the channel, but not yet recorded as sent in the ledger (the batch
    records outcomes every few sends). A retried batch sends again only what the ledger does
    not record as sent, so a subscriber is received at most once more than the number of kills
    that caught their send in flight, and never again once recorded.
    """
    settings.TEMPORAL_TASK_QUEUE = f"test-kill-{uuid.uuid4().hex[:8]}"
    sink = make_sink(delay=0.1)  # slow sends: every kill lands with sends in flight
    organizer = client_for(UserFactory())
    event = organizer.post("/api/events", new_event(), format="json").json()
    subscriptions = add_subscribers(event["id"], [sink.url(f"/k{i}") for i in range(SUBSCRIBERS)])
    path_of = {s.pk: f"/k{i}" for i, s in enumerate(subscriptions)}
    updates = Delivery.objects.filter(event_id=event["id"], kind="update")

    def start_worker():
        return worker_processes.start(
            task_queue=settings.TEMPORAL_TASK_QUEUE,
            temporal=temporal_address,
            database_url=suite_database_url(),
        )

    def received() -> set[str]:
        return {r.path for r in list(sink.received)}

    worker = start_worker()
    organizer.patch(f"/api/events/{event['id']}", {"location": "Moved"}, format="json")
    in_flight: list[set[str]] = []  # per kill: received by the sink, not recorded as sent
    progress = 0
    for _ in range(KILLS):
        target = progress + 300
        wait_for(lambda t=target: len(received()) >= t, timeout=90, message=f"{target} sends")
        kill(worker)
        settle(sink)
        progress = len(received())
        assert progress < SUBSCRIBERS, "the fan-out ended before the worker could be killed"
        recorded = {
            path_of[s] for s in updates.filter(status="sent").values_list("subscription", flat=True)
        }
        in_flight.append(received() - recorded)
        worker = start_worker()

    try:
        wait_for(
            lambda: updates.filter(status="sent").count() == SUBSCRIBERS,
            timeout=180,
            message="every delivery recorded as sent",
        )
    except AssertionError:
        raise AssertionError(worker_processes.logs()) from None
    notice = f"notice-update-{event['id']}-2"
    wait_for(lambda: workflow_status(notice) == "COMPLETED", message="the notice to complete")
    settle(sink, quiet=0.5)

    # No one lost: a `sent` row per subscription, and the sink heard from each.
    assert received() == set(path_of.values())
    # No ledger row twice: one per (notice, subscription, destination).
    assert updates.count() == SUBSCRIBERS
    assert not updates.values("subscription", "destination").annotate(n=Count("id")).filter(n__gt=1)
    # Sink duplicates only for what each kill caught in flight.
    counts = Counter(r.path for r in sink.received)
    duplicates = sum(counts.values()) - len(counts)
    for path, n in counts.items():
        assert n <= 1 + sum(path in caught for caught in in_flight), path
    # In flight per kill: the sends under way, and per batch those done but not yet recorded.
    assert duplicates <= KILLS * (
        settings.SOONISH_SEND_CONCURRENCY + PARALLEL_BATCHES * fanout._FLUSH_EVERY
    )
    record_property("sink_duplicates", duplicates)
    record_property("in_flight_at_kills", [len(caught) for caught in in_flight])
    print(f"sink duplicates: {duplicates}; in flight at each kill: {[len(c) for c in in_flight]}")
