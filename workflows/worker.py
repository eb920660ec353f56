"""The Temporal worker: every workflow and activity of this package on the task queue."""

import asyncio
import gc
import logging
import signal
from datetime import timedelta

from apprise.manager_plugins import NotificationManager
from django.conf import settings
from temporalio.client import Client
from temporalio.worker import Worker

from .activities import ACTIVITIES
from .connection import connect
from .schedules import ensure_schedules
from .workflows import WORKFLOWS

logger = logging.getLogger(__name__)


def build_worker(client: Client, task_queue: str | None = None) -> Worker:
    return Worker(
        client,
        task_queue=task_queue or settings.TEMPORAL_TASK_QUEUE,
        workflows=WORKFLOWS,
        activities=ACTIVITIES,
        max_concurrent_activities=settings.TEMPORAL_MAX_CONCURRENT_ACTIVITIES,
        graceful_shutdown_timeout=timedelta(seconds=10),
    )


def _freeze_what_is_loaded() -> None:
    """Load Apprise's plugins now and keep everything loaded out of the collector's sight.

    Django, the Temporal SDK and Apprise's plugins are hundreds of thousands of objects that
    live as long as the process; without this each full collection (a dozen in a fan-out to
    10,000, tens of milliseconds each) walks all of them again.
    """
    NotificationManager().load_modules()
    gc.collect()
    gc.freeze()


async def serve() -> None:
    """Connect, run until SIGTERM or SIGINT, then finish in-flight tasks and return."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)  # before connecting: a stop while starting is clean
    client = await connect()
    await ensure_schedules(client)
    if stop.is_set():
        return
    worker = build_worker(client)
    _freeze_what_is_loaded()
    logger.info(
        "worker polling task queue %s on %s",
        settings.TEMPORAL_TASK_QUEUE,
        settings.TEMPORAL_ADDRESS,
    )
    async with worker:
        await stop.wait()
        logger.info("stopping: finishing in-flight tasks")
