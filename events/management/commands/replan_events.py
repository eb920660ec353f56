from django.core.management.base import BaseCommand, CommandError

from events.models import Event
from workflows import client as temporal
from workflows.connection import TemporalUnavailable


class Command(BaseCommand):
    help = (
        "Re-sync every open event's workflow with the database: running workflows re-plan "
        "their reminders and pick up missed changes; missing ones are started."
    )

    def handle(self, *args, **options):
        events = Event.objects.filter(status=Event.Status.SCHEDULED).order_by("pk")
        done = 0
        try:
            for event in events.iterator():
                temporal.ensure_event_workflow(event)
                done += 1
        except TemporalUnavailable as exc:
            raise CommandError(f"{exc} (after re-planning {done} events)") from None
        self.stdout.write(f"re-planned {done} open events")
