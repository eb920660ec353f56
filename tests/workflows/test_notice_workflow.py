"""The NoticeWorkflow on the time-skipping test server."""

import uuid

import pytest
from temporalio.api.enums.v1 import EventType

from tests.factories import ReminderOffsetFactory
from workflows.db import orm
from workflows.types import NoticeInput
from workflows.worker import build_worker
from workflows.workflows import NoticeWorkflow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@orm
def _subscription():
    return ReminderOffsetFactory(offset_seconds=3600).subscription


async def test_a_welcome_is_one_batch_without_a_planning_activity(time_skipping_env, mailoutbox):
    subscription = await _subscription()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    client = time_skipping_env.client
    notice = NoticeInput(
        event_id=subscription.event_id,
        kind="welcome",
        ref=str(subscription.pk),
        subscription_id=subscription.pk,
    )
    async with build_worker(client, task_queue=queue):
        handle = await client.start_workflow(
            NoticeWorkflow.run, notice, id=f"notice-{queue}", task_queue=queue
        )
        summary = await handle.result()
    assert (summary.batches, summary.sent) == (1, 1)
    assert len(mailoutbox) == 1  # no channel: the service email
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        async for e in handle.fetch_history_events()
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert scheduled == ["send_notice_batch"]
