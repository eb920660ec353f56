import asyncio

from django.core.management.base import BaseCommand, CommandError

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
