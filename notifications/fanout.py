"""Sending one notice to the subscribers of an event, a batch at a time, through the ledger.

A batch is a range of subscription ids. Every (notice, subscription, destination) gets one
Delivery row with a unique key before anything is sent, and is marked as its send returns,
so a batch retried after a crash sends only what the ledger does not record as done.
"""

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.db.models import F, Q
from django.utils import timezone

from events.models import Announcement, Event, EventChange
from subscriptions.models import Subscription
from subscriptions.services import unsubscribe_links

from .messages import Message, describe_changes, humanize_offset, render
from .models import Delivery
from .recipients import Destination, destinations_for

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
FIRST_BATCH_SIZE = 20
_FLUSH_EVERY = 25
_FLUSH_PATIENCE = 30.0  # seconds a ledger write waits out a lost database connection

_pool: ThreadPoolExecutor | None = None


def _send_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(settings.SOONISH_SEND_CONCURRENCY, "soonish-send")
    return _pool


@dataclass(frozen=True)
class Notice:
    """One notification to the subscribers of one event: kind + what makes it unique."""

    event_id: int
    kind: str  # Delivery.Kind
    ref: str  # update/cancel: the revision; welcome: the subscription id
    subscription_id: int | None = None  # only this subscription (welcome)

    def key(self, subscription_id: int, destination: str) -> str:
        return f"{self.kind}:{self.event_id}:{self.ref}:{subscription_id}:{destination}"


@dataclass
class BatchOutcome:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retry: int = 0  # transient failures left pending for the next attempt


class NoticeGone(Exception):
    """What the notice is about does not exist (yet): an uncommitted or deleted row."""


def _subscriptions(notice: Notice):
    subscriptions = Subscription.objects.filter(
        event_id=notice.event_id, confirmed_at__isnull=False
    )
    if notice.subscription_id is not None:
        subscriptions = subscriptions.filter(pk=notice.subscription_id)
    if notice.kind == "reminder":
        # Only those who want this reminder now: read when it is due, not when it was planned.
        subscriptions = subscriptions.filter(reminders__offset_seconds=reminder_ref(notice.ref)[0])
    return subscriptions


def reminder_ref(ref: str) -> tuple[int, int]:
    """'<offset seconds>@<start epoch>' → (offset, start epoch)."""
    offset, start = ref.split("@")
    return int(offset), int(start)


def plan_batches(notice: Notice, batch_size: int = BATCH_SIZE) -> list[tuple[int, int | None]]:
    """Id ranges of the confirmed subscriptions; the last is open so late joiners are included."""
    ids = list(_subscriptions(notice).order_by("pk").values_list("pk", flat=True))
    if not ids and notice.subscription_id is not None:
        raise NoticeGone(f"no confirmed subscription {notice.subscription_id}")
    if not ids:
        return []
    # A small first batch: its setup (ledger rows, links) is short, so the first message
    # leaves within moments of the due time; full batches follow for throughput.
    starts = [0, *range(min(FIRST_BATCH_SIZE, batch_size), len(ids), batch_size)]
    ends = [*starts[1:], len(ids)]
    bounds = [(ids[start], ids[end - 1]) for start, end in zip(starts, ends, strict=True)]
    bounds[-1] = (bounds[-1][0], None)
    return bounds


def compose(notice: Notice, event: Event) -> Message | None:
    """The message of this notice, or None when it no longer applies."""
    if notice.kind in ("update", "cancel"):
        change = EventChange.objects.filter(event=event, revision=int(notice.ref)).first()
        if change is None:
            raise NoticeGone(f"no change r{notice.ref} for event {event.pk}")
        if notice.kind == "update":
            if event.status == Event.Status.CANCELLED:
                return None  # the cancellation says all there is to say
            return render(
                "update", event=event, changes=describe_changes(change.changes, event.time_zone)
            )
        return render("cancel", event=event)
    if notice.kind == "welcome":
        if event.status != Event.Status.SCHEDULED:
            return None
        subscription = Subscription.objects.filter(pk=notice.subscription_id).first()
        if subscription is None:
            raise NoticeGone(f"no subscription {notice.subscription_id}")
        offsets = subscription.reminder_offsets
        return render("welcome", event=event, reminders=", ".join(map(humanize_offset, offsets)))
    if notice.kind == "reminder":
        offset, start = reminder_ref(notice.ref)
        if event.status != Event.Status.SCHEDULED or int(event.start.timestamp()) != start:
            return None  # cancelled, or moved: the workflow re-armed it for the new start
        # The time the subscriber chose: the workflow sends it at exactly that distance.
        return render("reminder", event=event, starts_in=humanize_offset(offset))
    if notice.kind == "announcement":
        announcement = Announcement.objects.filter(pk=int(notice.ref), event=event).first()
        if announcement is None:
            raise NoticeGone(f"no announcement {notice.ref}")
        if event.status != Event.Status.SCHEDULED:
            return None  # a scheduled announcement dies with its event
        return render(
            "announcement", event=event, announcement=announcement, level=announcement.level
        )
    raise ValueError(f"unknown notice kind {notice.kind}")


def send_batch(
    notice: Notice,
    first_id: int,
    last_id: int | None,
    *,
    final_attempt: bool = False,
    send: Callable | None = None,
) -> BatchOutcome:
    from integrations.sending import send_to_url

    send = send or send_to_url
    event = Event.objects.filter(pk=notice.event_id).first()
    if event is None:
        raise NoticeGone(f"no event {notice.event_id}")
    message = compose(notice, event)
    range_filter = Q(pk__gte=first_id) & (Q(pk__lte=last_id) if last_id is not None else Q())
    subscriptions = list(
        _subscriptions(notice).filter(range_filter).select_related("user").order_by("pk")
    )
    if message is None or not subscriptions:
        return BatchOutcome()
    by_id = {s.pk: s for s in subscriptions}
    targets: dict[str, tuple[Subscription, Destination]] = {}
    for subscription_id, destinations in destinations_for(subscriptions).items():
        subscription = by_id[subscription_id]
        for destination in destinations:
            targets[notice.key(subscription.pk, destination.key)] = (subscription, destination)

    outcome = BatchOutcome()
    todo = open_ledger_rows(notice.kind, notice.event_id, targets, lambda s: message.title, outcome)
    # Every message to a subscriber ends with their one-click unsubscribe link (SPEC §4).
    links = {}
    if notice.kind != Delivery.Kind.TEST:
        ids = {targets[row.key][0].pk for row in todo}
        links = unsubscribe_links(subscription_ids=ids)
    _deliver(notice, todo, targets, message, send, outcome, final_attempt, links)
    return outcome


def open_ledger_rows(kind, event_id, targets, subject_of, outcome: BatchOutcome) -> list["_Row"]:
    """Insert each target's ledger row (once: the key is unique) and return those still
    pending; rows already settled by an earlier attempt are counted into `outcome`."""
    Delivery.objects.bulk_create(
        [
            Delivery(
                idempotency_key=key,
                kind=kind,
                event_id=event_id,
                subscription_id=subscription.pk,
                recipient_id=subscription.user_id,
                integration_id=destination.integration_id,
                destination=destination.label[:300],
                subject=subject_of(subscription)[:300],
            )
            for key, (subscription, destination) in targets.items()
        ],
        ignore_conflicts=True,
    )
    # Only what the batch needs of each row (hundreds of model instances would cost more).
    todo = []
    for values in (
        Delivery.objects.filter(idempotency_key__in=list(targets))
        .order_by()
        .values_list("pk", "idempotency_key", "status", "attempts")
    ):
        row = _Row(*values)
        if row.status == Delivery.Status.PENDING:
            todo.append(row)
        elif row.status == Delivery.Status.SENT:
            outcome.sent += 1
        elif row.status == Delivery.Status.FAILED:
            outcome.failed += 1
        else:
            outcome.skipped += 1
    return todo


@dataclass(slots=True)
class _Row:
    """One ledger row of a batch: its id, key and state, and the outcome of this attempt."""

    pk: int
    key: str
    status: str
    attempts: int
    last_error: str = ""
    sent: bool = False


def _with_link(body: str, link: str | None) -> str:
    return f"{body}\n\nUnsubscribe: {link}" if link else body


def _deliver(
    notice: Notice,
    todo: list[_Row],
    targets,
    message: Message,
    send,
    outcome: BatchOutcome,
    final_attempt: bool,
    links,
):
    pool = _send_pool()
    futures = {
        pool.submit(
            send,
            targets[row.key][1].url,
            title=message.title,
            body=_with_link(message.body, links.get(targets[row.key][0].pk)),
            level=message.level,
        ): row
        for row in todo
    }
    try:
        _record_as_completed(notice, futures, outcome, final_attempt)
    except BaseException:
        # The activity fails and Temporal retries the batch: what has not left yet must not
        # leave now as well, racing that retry.
        for future in futures:
            future.cancel()
        raise


def _record_as_completed(
    notice: Notice, futures, outcome: BatchOutcome, final_attempt: bool
) -> None:
    done: list[_Row] = []
    for future in as_completed(futures):
        row = futures[future]
        try:
            result = future.result()
        except Exception as exc:  # a bug in a plugin must not lose the batch's bookkeeping
            from integrations.sending import SendResult

            result = SendResult(ok=False, reason=f"unexpected error: {type(exc).__name__}")
        row.attempts += 1
        row.last_error = "" if result.ok else result.reason[:1000]
        if result.ok:
            row.status, row.sent = Delivery.Status.SENT, True
            outcome.sent += 1
        elif result.permanent or final_attempt:
            row.status = Delivery.Status.FAILED
            outcome.failed += 1
        else:
            outcome.retry += 1
        status = "retry" if row.status == Delivery.Status.PENDING else row.status
        logger.info(
            "delivery kind=%s event=%s delivery=%s status=%s attempts=%s",
            notice.kind, notice.event_id, row.pk, status, row.attempts,
        )  # fmt: skip
        done.append(row)
        if len(done) >= _FLUSH_EVERY:
            _flush(done)
    _flush(done)


def _flush(rows: list[_Row]) -> None:
    """Record outcomes: one UPDATE per (status, reason) group, not a CASE per row
    (bulk_update's expressions cost more than the sends themselves).

    These sends have left: losing their record to a database restart would make the batch's
    retry send them all again. So a lost connection is reopened and the write retried, for a
    while, before the batch gives up.
    """
    groups: dict[tuple, list[int]] = defaultdict(list)
    for row in rows:
        groups[(row.status, row.last_error, row.sent)].append(row.pk)
    deadline = time.monotonic() + _FLUSH_PATIENCE
    while groups:
        (status, last_error, sent), pks = next(iter(groups.items()))
        now = timezone.now()
        try:
            Delivery.objects.filter(pk__in=pks).update(
                status=status,
                last_error=last_error,
                attempts=F("attempts") + 1,
                sent_at=now if sent else None,
                updated_at=now,
            )
        except (OperationalError, InterfaceError) as exc:
            if time.monotonic() > deadline:
                raise
            logger.warning("ledger write failed (%s); reconnecting", type(exc).__name__)
            connection.close()
            time.sleep(1)
            continue
        del groups[(status, last_error, sent)]
    rows.clear()
