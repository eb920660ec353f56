"""Welcomes for a batch of new subscriptions of one event, through the same ledger.

Each subscription's welcome is its own notice (kind `welcome`, ref = the subscription id), so
its Delivery rows and idempotency keys are exactly those a welcome sent alone would have: a
batch retried after a crash, or a welcome resent, sends only what the ledger holds as pending.
The batch only shares the queries: one read of the subscriptions, one INSERT of the rows.
"""

from dataclasses import dataclass, field

from events.models import Event
from subscriptions.models import Subscription
from subscriptions.services import unsubscribe_links

from .fanout import BatchOutcome, Notice, _deliver, open_ledger_rows
from .messages import humanize_offset, render
from .models import Delivery
from .recipients import destinations_for


@dataclass
class WelcomesOutcome(BatchOutcome):
    # Asked for but not visible as confirmed subscriptions of the event: not committed yet
    # (the welcome was asked for before the commit), rolled back, deleted, or unconfirmed.
    missing: list[int] = field(default_factory=list)


def welcome_notice(event_id: int, subscription_id: int) -> Notice:
    return Notice(event_id, Delivery.Kind.WELCOME, str(subscription_id), subscription_id)


def send_welcomes(
    event_id: int, subscription_ids: list[int], *, final_attempt: bool = False, send=None
) -> WelcomesOutcome:
    """Send the welcome of each of these subscriptions of the event that is not sent yet."""
    from integrations.sending import send_to_url

    send = send or send_to_url
    outcome = WelcomesOutcome()
    event = Event.objects.filter(pk=event_id).first()
    if event is None or event.status != Event.Status.SCHEDULED:
        return outcome  # no event or no longer open: no welcome applies (as in fanout.compose)
    subscriptions = list(
        Subscription.objects.filter(
            event_id=event_id, pk__in=set(subscription_ids), confirmed_at__isnull=False
        )
        .select_related("user")
        .prefetch_related("reminders")  # channels: destinations_for reads them in one query
        .order_by("pk")
    )
    found = {s.pk for s in subscriptions}
    outcome.missing = sorted(set(subscription_ids) - found)
    if not subscriptions:
        return outcome
    by_id = {s.pk: s for s in subscriptions}
    # One message per distinct choice of reminders, not one render per subscription.
    messages = {}
    message_of = {}
    for subscription in subscriptions:
        offsets = tuple(subscription.reminder_offsets)
        if offsets not in messages:
            reminders = ", ".join(map(humanize_offset, offsets))
            messages[offsets] = render("welcome", event=event, reminders=reminders)
        message_of[subscription.pk] = offsets
    targets = {}
    for subscription_id, destinations in destinations_for(subscriptions).items():
        subscription = by_id[subscription_id]
        notice = welcome_notice(event_id, subscription_id)
        for destination in destinations:
            targets[notice.key(subscription_id, destination.key)] = (subscription, destination)
    todo_by_message = {}
    subject_of = lambda subscription: messages[message_of[subscription.pk]].title  # noqa: E731
    for row in open_ledger_rows(Delivery.Kind.WELCOME, event_id, targets, subject_of, outcome):
        todo_by_message.setdefault(message_of[targets[row.key][0].pk], []).append(row)
    if not todo_by_message:
        return outcome
    # Every message to a subscriber ends with their one-click unsubscribe link (SPEC §4).
    links = unsubscribe_links(
        subscription_ids={
            targets[row.key][0].pk for rows in todo_by_message.values() for row in rows
        }
    )
    batch_notice = Notice(event_id, Delivery.Kind.WELCOME, "batch")  # names the batch in logs
    for offsets, todo in todo_by_message.items():
        _deliver(
            batch_notice, todo, targets, messages[offsets], send, outcome, final_attempt, links
        )
    return outcome
