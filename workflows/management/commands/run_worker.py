import asyncio
import os
import sys

from django.core.management.base import BaseCommand
from django.db import connections

from workflows.connection import TemporalUnavailable
from workflows.worker import serve


class Command(BaseCommand):
    help = "Run the Temporal worker: Soonish's workflows and activities on TEMPORAL_TASK_QUEUE."

    def handle(self, *args, **options):
        try:
            asyncio.run(serve())
        except TemporalUnavailable as exc:
            self._exit(1, err=f"CommandError: {exc}")
        self._exit(0, out="worker stopped")

    def _exit(self, code: int, *, out: str = "", err: str = ""):
        if out:
            self.stdout.write(out)
        if err:
            self.stderr.write(err)
        self.stdout.flush()
        self.stderr.flush()
        sys.stdout.flush()
        sys.stderr.flush()
        connections.close_all()
        # Skip interpreter finalization: the SDK's native threads can still touch the GIL
        # machinery then, which aborts the process now and again ("PyGILState_Release …
        # finalizing") instead of exiting with this code.
        os._exit(code)
