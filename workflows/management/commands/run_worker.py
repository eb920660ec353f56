import asyncio
import os
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from workflows.connection import TemporalUnavailable
from workflows.worker import serve


class Command(BaseCommand):
    help = "Run the Temporal worker: Soonish's workflows and activities on TEMPORAL_TASK_QUEUE."

    def handle(self, *args, **options):
        try:
            asyncio.run(serve())
        except TemporalUnavailable as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write("worker stopped")
        self.stdout.flush()
        sys.stderr.flush()
        connections.close_all()
        # Every task has finished. Skip interpreter finalization: the SDK's native threads can
        # still hold the GIL machinery then, which aborts the process now and again
        # ("PyGILState_Release ... finalizing") instead of exiting 0.
        os._exit(0)
