"""Welcomes batched per event by the WelcomesWorkflow, against the real dev server."""

import time

import pytest
from django.conf import settings
from django.db import transaction
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus

from notifications.models import Delivery
from subscriptions.services import subscription_create
from tests.factories import EventFactory, IntegrationFactory, UserFactory
from tests.helpers import wait_for
from workflows.client import call
from workflows.types import WelcomesInput, WelcomesSummary
from workflows.workflows import WelcomesWorkflow, welcomes_workflow_id

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]


def subscribe_with_channel(event, sink, n: int) -> list:
    """n subscribers, each with one channel at its own sink path, subscribed one after another."""
    subscriptions = []
    for i in range(n):
        user = UserFactory()
        channel = IntegrationFactory(user=user, apprise_url=sink.url(f"/hook/{i}"))
        subscriptions.append(
            subscription_create(event=event, user=user, integration_ids=[channel.pk])
        )
    return subscriptions


def welcomes_at_sink(sink) -> list[str]:
    return sorted(r.path for r in sink.received if r.path.startswith("/hook/"))


def start_batcher(event, **knobs):
    """Start the event's batcher with test knobs; subscribing then signals this run."""

    async def start(client):
        handle = await client.start_workflow(
            WelcomesWorkflow.run,
            WelcomesInput(event_id=event.pk, **knobs),
            id=welcomes_workflow_id(event.pk, settings.TEMPORAL_TASK_QUEUE),
            task_queue=settings.TEMPORAL_TASK_QUEUE,
        )
        return handle.id, handle.result_run_id

    return call(start)


def history(workflow_id: str, run_id: str | None = None) -> list:
    async def fetch(client):
        handle = client.get_workflow_handle(workflow_id, run_id=run_id)
        return [e async for e in handle.fetch_history_events()]

    return call(fetch)


def describe(workflow_id: str, run_id: str | None = None):
    async def get(client):
        return await client.get_workflow_handle(workflow_id, run_id=run_id).describe()

    return call(get)


def query_summary(workflow_id: str) -> WelcomesSummary:
    async def get(client):
        return await client.get_workflow_handle(workflow_id).query(
            WelcomesWorkflow.summary, result_type=WelcomesSummary
        )

    return call(get)


def all_sent(event, n: int) -> bool:
    return Delivery.objects.filter(event=event, kind="welcome", status="sent").count() >= n


def test_a_burst_of_subscriptions_gets_one_welcome_each_in_few_activities(temporal_worker, sink):
    event = EventFactory()
    n = 30

    subscriptions = subscribe_with_channel(event, sink, n)

    wait_for(lambda: all_sent(event, n), message="every welcome")
    time.sleep(0.5)  # a duplicate, were there one, would arrive now
    assert welcomes_at_sink(sink) == sorted(f"/hook/{i}" for i in range(n))
    rows = Delivery.objects.filter(event=event)
    assert rows.count() == n
    assert {(r.kind, r.status) for r in rows} == {("welcome", "sent")}
    # Each welcome is its own notice in the ledger, as when sent alone.
    assert {r.subscription_id for r in rows} == {s.pk for s in subscriptions}
    assert all(
        r.idempotency_key.startswith(f"welcome:{event.pk}:{r.subscription_id}:{r.subscription_id}:")
        for r in rows
    )
    events = history(welcomes_workflow_id(event.pk, settings.TEMPORAL_TASK_QUEUE))
    scheduled = [e for e in events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]
    signals = [
        e for e in events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
    ]
    assert len(signals) == n  # one batcher for the event took every welcome
    assert 1 <= len(scheduled) < n
    assert {e.activity_task_scheduled_event_attributes.activity_type.name for e in scheduled} == {
        "send_welcome_batch"
    }


def test_a_rolled_back_subscription_gets_no_welcome_and_is_dropped(temporal_worker, sink):
    event = EventFactory()
    workflow_id, _ = start_batcher(event, retry_seconds=0.2, max_tries=3)
    user = UserFactory()
    channel = IntegrationFactory(user=user, apprise_url=sink.url("/hook/gone"))

    with pytest.raises(RuntimeError), transaction.atomic():
        subscription_create(event=event, user=user, integration_ids=[channel.pk])
        time.sleep(1)  # the batcher looks while the row is not committed
        raise RuntimeError("rolled back after the signal")

    wait_for(lambda: query_summary(workflow_id).dropped == 1, timeout=20, message="the drop")
    summary = query_summary(workflow_id)
    assert (summary.signals, summary.sent, summary.batches) == (1, 0, 3)
    assert not Delivery.objects.exists()
    assert not sink.received


def test_the_batcher_continues_as_new_without_losing_a_welcome(temporal_worker, sink):
    event = EventFactory()
    workflow_id, first_run = start_batcher(event, max_signals=3)
    n = 10

    subscribe_with_channel(event, sink, n)

    wait_for(lambda: all_sent(event, n), message="every welcome")
    time.sleep(0.5)
    assert welcomes_at_sink(sink) == sorted(f"/hook/{i}" for i in range(n))
    assert Delivery.objects.filter(event=event).count() == n
    assert describe(workflow_id, first_run).status == WorkflowExecutionStatus.CONTINUED_AS_NEW
    assert describe(workflow_id).run_id != first_run


def test_the_batcher_ends_when_idle_and_a_later_welcome_starts_it_anew(temporal_worker, sink):
    event = EventFactory()
    workflow_id, first_run = start_batcher(event, idle_seconds=1)
    asked = time.monotonic()
    subscribe_with_channel(event, sink, 1)
    wait_for(lambda: all_sent(event, 1), message="the first welcome")
    assert time.monotonic() - asked < 5  # no waiting for company (about 0.1 s when quiet)

    async def result(client):
        handle = client.get_workflow_handle_for(WelcomesWorkflow.run, workflow_id, run_id=first_run)
        return await handle.result()

    summary = call(result, timeout=30)
    assert (summary.signals, summary.sent) == (1, 1)

    user = UserFactory()
    channel = IntegrationFactory(user=user, apprise_url=sink.url("/hook/later"))
    subscription_create(event=event, user=user, integration_ids=[channel.pk])

    wait_for(lambda: all_sent(event, 2), message="the later welcome")
    assert describe(workflow_id).run_id != first_run
    assert welcomes_at_sink(sink) == ["/hook/0", "/hook/later"]
