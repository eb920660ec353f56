"""Activities: the only place workflows touch the database or the outside world."""

import asyncio

from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from temporalio import activity
from temporalio.exceptions import ApplicationError

from events.models import Announcement, Event, EventChange
from events.services import announcement_mark_started, event_mark_finished
from notifications import fanout, welcomes
from subscriptions.models import ReminderOffset, UnsubscribeToken
from subscriptions.services import subscriptions_purge_unconfirmed

from .db import orm
from .types import (
    SEND_ATTEMPTS,
    AnnouncementRef,
    BatchInput,
    BatchRange,
    ChangeRef,
    EventTimeline,
    HousekeepingResult,
    NoticeInput,
    NoticeSummary,
    PendingChanges,
    PendingInput,
    PurgeResult,
    WelcomeBatchInput,
    WelcomeBatchResult,
)


@orm
def _purge_expired_tokens() -> HousekeepingResult:
    now = timezone.now()
    # delete() counts cascaded rows too; report only the model asked for.
    _, refresh = OutstandingToken.objects.filter(expires_at__lt=now).delete()
    _, unsubscribe = UnsubscribeToken.objects.filter(expires_at__lt=now).delete()
    return HousekeepingResult(
        expired_refresh_tokens=refresh.get(OutstandingToken._meta.label, 0),
        expired_unsubscribe_tokens=unsubscribe.get(UnsubscribeToken._meta.label, 0),
    )


@activity.defn(name="purge_expired_tokens")
async def purge_expired_tokens() -> HousekeepingResult:
    return await _purge_expired_tokens()


def timeline_of(event: Event) -> EventTimeline:
    return EventTimeline(
        event_id=event.pk,
        status=event.status,
        revision=event.revision,
        start=event.start,
        end=event.end,
    )


@orm
def _pending_changes(args: PendingInput) -> PendingChanges:
    event = Event.objects.filter(pk=args.event_id).first()
    if event is None:
        return PendingChanges(timeline=None)
    changes = EventChange.objects.filter(event=event, revision__gt=args.after_revision)
    offsets = (
        ReminderOffset.objects.filter(event=event, subscription__confirmed_at__isnull=False)
        .values_list("offset_seconds", flat=True)
        .distinct()
    )
    announcements = Announcement.objects.filter(event=event, started_at__isnull=True)
    return PendingChanges(
        timeline=timeline_of(event),
        changes=[ChangeRef(revision=c.revision, kind=c.kind) for c in changes.order_by("revision")],
        offsets=sorted(set(offsets), reverse=True),
        announcements=[AnnouncementRef(a.pk, a.send_at) for a in announcements.order_by("pk")],
    )


@activity.defn(name="event_pending_changes")
async def event_pending_changes(args: PendingInput) -> PendingChanges:
    return await _pending_changes(args)


@activity.defn(name="announcements_started")
async def announcements_started(ids: list[int]) -> int:
    return await orm(announcement_mark_started)(ids=ids)


@activity.defn(name="event_finish")
async def event_finish(event_id: int) -> bool:
    return await orm(event_mark_finished)(event_id=event_id)


def _notice(args: NoticeInput) -> fanout.Notice:
    return fanout.Notice(args.event_id, args.kind, args.ref, args.subscription_id)


@orm
def _plan(args: NoticeInput) -> list[BatchRange]:
    return [BatchRange(first, last) for first, last in fanout.plan_batches(_notice(args))]


@activity.defn(name="plan_notice")
async def plan_notice(args: NoticeInput) -> list[BatchRange]:
    return await _plan(args)


@activity.defn(name="send_notice_batch")
async def send_notice_batch(args: BatchInput) -> NoticeSummary:
    """Send one batch; transient failures stay pending and make Temporal retry the batch."""
    final = activity.info().attempt >= SEND_ATTEMPTS
    work = asyncio.ensure_future(
        orm(fanout.send_batch)(
            _notice(args.notice), args.batch.first_id, args.batch.last_id, final_attempt=final
        )
    )
    # Heartbeats tell Temporal the worker is alive; a killed worker's batch is retried soon.
    while not work.done():
        activity.heartbeat()
        await asyncio.wait({work}, timeout=5)
    try:
        outcome = work.result()
    except fanout.NoticeGone as exc:
        # Not committed yet (a welcome racing its own transaction) or deleted: retry, then stop.
        raise ApplicationError(str(exc), type="NoticeGone") from None
    if outcome.retry:
        raise ApplicationError(f"{outcome.retry} deliveries failed for now; retrying")
    return NoticeSummary(
        batches=1, sent=outcome.sent, failed=outcome.failed, skipped=outcome.skipped
    )


@activity.defn(name="send_welcome_batch")
async def send_welcome_batch(args: WelcomeBatchInput) -> WelcomeBatchResult:
    """Send the welcomes of these subscriptions (each its own notice in the ledger); those not
    visible yet come back as `missing` for the workflow to try again later."""
    final = activity.info().attempt >= SEND_ATTEMPTS
    work = asyncio.ensure_future(
        orm(welcomes.send_welcomes)(args.event_id, args.subscription_ids, final_attempt=final)
    )
    while not work.done():
        activity.heartbeat()
        await asyncio.wait({work}, timeout=5)
    outcome = work.result()
    if outcome.retry:
        raise ApplicationError(f"{outcome.retry} welcomes failed for now; retrying")
    return WelcomeBatchResult(
        sent=outcome.sent, failed=outcome.failed, skipped=outcome.skipped, missing=outcome.missing
    )


@orm
def _purge_unconfirmed() -> PurgeResult:
    subscriptions, users = subscriptions_purge_unconfirmed()
    return PurgeResult(subscriptions=subscriptions, users=users)


@activity.defn(name="purge_unconfirmed_subscriptions")
async def purge_unconfirmed_subscriptions() -> PurgeResult:
    return await _purge_unconfirmed()


ACTIVITIES = [
    purge_expired_tokens,
    event_pending_changes,
    event_finish,
    announcements_started,
    plan_notice,
    send_notice_batch,
    purge_unconfirmed_subscriptions,
    send_welcome_batch,
]
