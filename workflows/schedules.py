"""Temporal Schedules for what recurs: housekeeping, purging unconfirmed subscriptions."""

import logging
from datetime import timedelta

from django.conf import settings
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
)

from .workflows import HousekeepingWorkflow, PurgeUnconfirmedWorkflow

logger = logging.getLogger(__name__)

HOUSEKEEPING_SCHEDULE_ID = "soonish-housekeeping"
PURGE_UNCONFIRMED_SCHEDULE_ID = "soonish-purge-unconfirmed"


async def ensure_schedules(client: Client) -> None:
    """Create the schedules, or bring existing ones up to date (task queue, interval)."""
    await _ensure(client, HOUSEKEEPING_SCHEDULE_ID, HousekeepingWorkflow.run, timedelta(hours=1))
    await _ensure(
        client, PURGE_UNCONFIRMED_SCHEDULE_ID, PurgeUnconfirmedWorkflow.run, timedelta(days=1)
    )


async def _ensure(client: Client, schedule_id: str, run, every: timedelta) -> None:
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            run, id=f"{schedule_id}-run", task_queue=settings.TEMPORAL_TASK_QUEUE
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(),
    )
    try:
        await client.create_schedule(schedule_id, schedule)
        logger.info("created schedule %s", schedule_id)
    except ScheduleAlreadyRunningError:
        handle = client.get_schedule_handle(schedule_id)
        await handle.update(lambda _: ScheduleUpdate(schedule=schedule))
