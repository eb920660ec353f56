"""The EventWorkflow's life on the time-skipping test server: days pass in seconds."""

import uuid
from datetime import timedelta

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus

from events.models import Event
from tests.factories import EventFactory
from workflows.activities import timeline_of
from workflows.db import orm
from workflows.types import EventWorkflowInput
from workflows.worker import build_worker
from workflows.workflows import MAX_HISTORY, EventWorkflow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@orm
def _event(start):
    return EventFactory(start=start, end=start + timedelta(hours=2))


@orm
def _status(pk):
    return Event.objects.get(pk=pk).status


async def test_the_workflow_ends_with_its_event_and_continues_as_new_on_the_way(
    time_skipping_env,
):
    # The test server's clock is shared by the session and runs ahead of the wall clock.
    start = (await time_skipping_env.get_current_time() + timedelta(days=3)).replace(microsecond=0)
    event = await _event(start)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    client = time_skipping_env.client
    async with build_worker(client, task_queue=queue):
        handle = await client.start_workflow(
            EventWorkflow.run,
            EventWorkflowInput(timeline=timeline_of(event), handled_revision=event.revision),
            id=f"event-{event.pk}-{queue}",
            task_queue=queue,
        )
        first_run = handle.result_run_id
        assert await handle.result() == "finished"
    assert await _status(event.pk) == "finished"
    # Three days of 10-minute syncs outgrow one history: the first run continued as new.
    first = client.get_workflow_handle(handle.id, run_id=first_run)
    assert (await first.describe()).status == WorkflowExecutionStatus.CONTINUED_AS_NEW
    events = [e async for e in first.fetch_history_events()]
    assert len(events) <= MAX_HISTORY + 50
    assert events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
