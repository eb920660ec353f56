"""Reminders that move with the event, on the time-skipping test server: days pass in seconds.

The sink records what arrives; the reminder notices' start times (workflow time) say when."""

import uuid
from datetime import timedelta

import pytest
import pytest_asyncio
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from events.models import Event
from events.services import event_cancel, event_update
from integrations.masking import mask_url
from tests.factories import (
    EventFactory,
    IntegrationFactory,
    ReminderOffsetFactory,
    SubscriptionFactory,
)
from workflows import client as web_client
from workflows.activities import timeline_of
from workflows.db import orm
from workflows.devserver import binary
from workflows.types import EventWorkflowInput
from workflows.worker import build_worker
from workflows.workflows import EventWorkflow, reminder_key

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def reminders_env():
    """A time-skipping server of this module's own: notices these tests leave behind (children
    abandoned when a test's worker stops) cannot hold the clock of any other test's server."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(binary("temporal-test-server"))
    )
    yield env
    await env.shutdown()


@pytest.fixture
def on_test_server(reminders_env, settings):
    """Services signal the time-skipping server (where these workflows run), not the dev one."""
    time_skipping_env = reminders_env
    settings.TEMPORAL_ADDRESS = time_skipping_env.client.service_client.config.target_host
    settings.TEMPORAL_TASK_QUEUE = f"test-{uuid.uuid4().hex[:8]}"
    settings.SOONISH_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.0/8"]
    web_client.reset()
    yield time_skipping_env
    web_client.reset()


async def _event_with_subscriber(env, url: str, offsets: list[int], days: int = 3) -> Event:
    # The test server's clock is shared by the session and runs ahead of the wall clock.
    start = (await env.get_current_time() + timedelta(days=days)).replace(microsecond=0)
    return await _create_event(start, url, offsets)


@orm
def _create_event(start, url: str, offsets: list[int]) -> Event:
    event = EventFactory(start=start, end=start + timedelta(hours=2), location="Hall 1")
    subscription = SubscriptionFactory(event=event)
    channel = IntegrationFactory(user=subscription.user, apprise_url=url, masked_url=mask_url(url))
    subscription.integrations.add(channel)
    for offset in offsets:
        ReminderOffsetFactory(subscription=subscription, offset_seconds=offset)
    return event


async def _start(env, event, settings):
    handle = await env.client.start_workflow(
        EventWorkflow.run,
        EventWorkflowInput(timeline=timeline_of(event), handled_revision=event.revision),
        id=f"event-{event.pk}",
        task_queue=settings.TEMPORAL_TASK_QUEUE,
    )
    await handle.signal("reminders_changed")
    return handle


async def _notice_started(env, event_id: int, key: str):
    """When (workflow time) the reminder notice for `key` started, or None if it never did."""
    handle = env.client.get_workflow_handle(f"notice-reminder-{event_id}-{key}")
    try:
        return (await handle.describe()).start_time
    except RPCError:
        return None


def _reminders(sink):
    return [r.json["title"] for r in sink.received if "starts in" in r.json["title"]]


async def test_two_offsets_send_two_reminders_at_their_due_times(on_test_server, sink, settings):
    env = on_test_server
    event = await _event_with_subscriber(env, sink.url("/r"), [86400, 3600])
    async with build_worker(env.client, task_queue=settings.TEMPORAL_TASK_QUEUE):
        handle = await _start(env, event, settings)
        assert await handle.result() == "finished"
    for offset in (86400, 3600):
        started = await _notice_started(env, event.pk, reminder_key(offset, event.start))
        due = event.start - timedelta(seconds=offset)
        assert started is not None and abs((started - due).total_seconds()) < 1
    assert _reminders(sink) == [
        f"{event.name} starts in 1 day",
        f"{event.name} starts in 1 hour",
    ]


async def test_a_moved_start_rearms_the_reminders(on_test_server, sink, settings):
    env = on_test_server
    event = await _event_with_subscriber(env, sink.url("/m"), [86400, 3600])
    old_start = event.start
    async with build_worker(env.client, task_queue=settings.TEMPORAL_TASK_QUEUE):
        handle = await _start(env, event, settings)
        await env.sleep(timedelta(days=2, minutes=1))  # past the 1-day reminder
        assert _reminders(sink) == [f"{event.name} starts in 1 day"]
        new_start = old_start + timedelta(hours=2)
        await orm(event_update)(event=event, start=new_start)  # signals after commit
        assert await handle.result() == "finished"
    # The old 1-hour reminder never fires; the new start gets both again: the 1-day one
    # because its new due time (old due + 2 h) was still ahead when the start moved.
    assert await _notice_started(env, event.pk, reminder_key(3600, old_start)) is None
    for offset in (86400, 3600):
        started = await _notice_started(env, event.pk, reminder_key(offset, new_start))
        due = new_start - timedelta(seconds=offset)
        assert started is not None and abs((started - due).total_seconds()) < 1
    assert len(_reminders(sink)) == 3


async def test_a_start_moved_into_the_reminders_past_skips_them(on_test_server, sink, settings):
    env = on_test_server
    event = await _event_with_subscriber(env, sink.url("/p"), [86400, 3600])
    async with build_worker(env.client, task_queue=settings.TEMPORAL_TASK_QUEUE):
        handle = await _start(env, event, settings)
        await env.sleep(timedelta(days=1))  # 2 days before the start, nothing sent yet
        new_start = (await env.get_current_time()) + timedelta(minutes=30)
        await orm(event_update)(event=event, start=new_start, end=new_start + timedelta(hours=1))
        assert await handle.result() == "finished"
    assert _reminders(sink) == []  # both due times were already past: skipped, not sent late


async def test_cancelled_before_the_first_reminder_sends_only_the_cancellation(
    on_test_server, sink, settings
):
    env = on_test_server
    event = await _event_with_subscriber(env, sink.url("/c"), [86400, 3600])
    async with build_worker(env.client, task_queue=settings.TEMPORAL_TASK_QUEUE):
        handle = await _start(env, event, settings)
        await env.sleep(timedelta(hours=12))
        await orm(event_cancel)(event=event)
        assert await handle.result() == "cancelled"  # no timer is left to fire later
        notice = env.client.get_workflow_handle(f"notice-cancel-{event.pk}-2")
        assert (await notice.result())["sent"] == 1
    for offset in (86400, 3600):
        assert await _notice_started(env, event.pk, reminder_key(offset, event.start)) is None
    titles = [r.json["title"] for r in sink.received]
    assert titles == [f"Cancelled: {event.name}"]
