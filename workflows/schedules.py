"""Temporal Schedules for what recurs: housekeeping."""

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

from .workflows import HousekeepingWorkflow

logger = logging.getLogger(__name__)

HOUSEKEEPING_SCHEDULE_ID = "soonish-housekeeping"


async def ensure_schedules(client: Client) -> None:
    """Create the housekeeping schedule, or bring an existing one up to date (task queue)."""
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            HousekeepingWorkflow.run,
            id="soonish-housekeeping-run",
            task_queue=settings.TEMPORAL_TASK_QUEUE,
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(hours=1))]),
        policy=SchedulePolicy(),
    )
    try:
        await client.create_schedule(HOUSEKEEPING_SCHEDULE_ID, schedule)
        logger.info("created schedule %s", HOUSEKEEPING_SCHEDULE_ID)
    except ScheduleAlreadyRunningError:
        handle = client.get_schedule_handle(HOUSEKEEPING_SCHEDULE_ID)
        await handle.update(lambda _: ScheduleUpdate(schedule=schedule))
