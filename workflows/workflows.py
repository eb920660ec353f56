"""Workflow definitions. Deterministic code only: nothing here imports Django."""

import asyncio
import contextlib
import dataclasses
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from .types import (
        SEND_ATTEMPTS,
        AnnouncementRef,
        BatchInput,
        BatchRange,
        EventTimeline,
        EventWorkflowInput,
        EventWorkflowStatus,
        HousekeepingResult,
        NoticeInput,
        NoticeSummary,
        PendingChanges,
        PendingInput,
        PendingWelcome,
        PurgeResult,
        WelcomeBatchInput,
        WelcomeBatchResult,
        WelcomesInput,
        WelcomesSummary,
    )

DB_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
# A notice about a row that is not committed yet waits for it, but not forever.
PLAN_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=10,
)
SEND_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=SEND_ATTEMPTS,
)
# How long an event with no end stays open after its start, and how often the workflow
# re-reads its event anyway (so a lost signal only delays a notice).
GRACE_WITHOUT_END = timedelta(hours=6)
SYNC_INTERVAL = timedelta(minutes=10)
# A reminder first seen this late is still "on time" (the subscription was just made).
ON_TIME = timedelta(seconds=5)
# Batches of one notice in flight at once; well below Temporal's 2,000 pending activities.
PARALLEL_BATCHES = 16
# Continue-as-new long before Temporal's warning at 10,240 events.
MAX_HISTORY = 2_000


@workflow.defn
class HousekeepingWorkflow:
    """Deletes what has expired: refresh tokens past their lifetime, old unsubscribe links."""

    @workflow.run
    async def run(self) -> HousekeepingResult:
        return await workflow.execute_activity(
            "purge_expired_tokens",
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=DB_RETRY,
            result_type=HousekeepingResult,
        )


@workflow.defn
class NoticeWorkflow:
    """Sends one notice to an event's subscribers: plans id ranges, runs them in batches
    (a notice to one subscription, a welcome, is one batch without planning)."""

    @workflow.run
    async def run(self, notice: NoticeInput) -> NoticeSummary:
        if notice.subscription_id is not None and workflow.patched("one-subscription-no-plan"):
            # One subscription (a welcome) is one batch: no planning activity. A row not
            # committed yet makes the batch fail with NoticeGone, and its retry waits for it.
            return await self._send(
                notice, [BatchRange(notice.subscription_id, notice.subscription_id)]
            )
        try:
            batches = await workflow.execute_activity(
                "plan_notice",
                notice,
                start_to_close_timeout=timedelta(minutes=2),
                retry_policy=PLAN_RETRY,
                result_type=list[BatchRange],
            )
        except ActivityError:
            workflow.logger.warning("notice %s/%s: nothing to plan", notice.kind, notice.ref)
            return NoticeSummary()
        return await self._send(notice, batches)

    async def _send(self, notice: NoticeInput, batches: list[BatchRange]) -> NoticeSummary:
        summary = NoticeSummary(batches=len(batches))
        window = asyncio.Semaphore(PARALLEL_BATCHES)

        async def run_batch(batch: BatchRange) -> None:
            async with window:
                try:
                    done = await workflow.execute_activity(
                        "send_notice_batch",
                        BatchInput(notice=notice, batch=batch),
                        start_to_close_timeout=timedelta(minutes=10),
                        heartbeat_timeout=timedelta(seconds=20),
                        retry_policy=SEND_RETRY,
                        result_type=NoticeSummary,
                    )
                except ActivityError:
                    # The ledger records each delivery's fate; one batch must not sink the rest.
                    workflow.logger.warning(
                        "notice %s/%s: a batch gave up", notice.kind, notice.ref
                    )
                    return
                summary.sent += done.sent
                summary.failed += done.failed
                summary.skipped += done.skipped

        await asyncio.gather(*(run_batch(b) for b in batches))
        return summary


def notice_workflow_id(notice: NoticeInput) -> str:
    return f"notice-{notice.kind}-{notice.event_id}-{notice.ref}"


def reminder_key(offset: int, start) -> str:
    """Identifies a reminder for one start time: a moved start makes every key new."""
    return f"{offset}@{int(start.timestamp())}"


@workflow.defn
class EventWorkflow:
    """Owns one event's timeline: its changes, its reminders, its announcements, its end.

    Signals are wake-ups: what to do is read from the database (EventChange rows after the last
    handled revision, the reminder offsets in use, pending announcements), so a lost signal is
    caught by the periodic sync. Reminders are durable timers here, one per offset in use,
    never one per subscriber: at the due time a NoticeWorkflow reads who wants it.
    """

    def __init__(self) -> None:
        self._wake = False
        self._timeline: EventTimeline | None = None
        self._handled = 0
        self._notices = 0
        self._offsets: list[int] = []
        self._done: set[str] = set()
        self._armed: set[str] = set()
        self._announcements: list[AnnouncementRef] = []

    @workflow.signal
    def event_updated(self) -> None:
        self._wake = True

    @workflow.signal
    def event_cancelled(self) -> None:
        self._wake = True

    @workflow.signal
    def reminders_changed(self) -> None:
        self._wake = True

    @workflow.signal
    def announce(self) -> None:
        self._wake = True

    @workflow.query
    def status(self) -> EventWorkflowStatus:
        t = self._timeline
        due = self._next_reminder()
        return EventWorkflowStatus(
            event_id=t.event_id,
            status=t.status,
            revision=t.revision,
            handled_revision=self._handled,
            start=t.start,
            end=t.end,
            finish_at=self._finish_at(),
            notices_started=self._notices,
            offsets=list(self._offsets),
            next_reminder_due=due[0] if due else None,
            next_reminder_offset=due[1] if due else None,
        )

    def _finish_at(self):
        t = self._timeline
        return t.end if t.end is not None else t.start + GRACE_WITHOUT_END

    def _next_reminder(self):
        """(due time, offset) of the next reminder still to send, or None."""
        start = self._timeline.start
        pending = [
            (start - timedelta(seconds=o), o)
            for o in self._offsets
            if reminder_key(o, start) not in self._done
        ]
        return min(pending) if pending else None

    @workflow.run
    async def run(self, args: EventWorkflowInput) -> str:
        self._timeline, self._handled = args.timeline, args.handled_revision
        self._offsets = list(args.offsets)
        self._done, self._armed = set(args.reminders_done), set(args.reminders_armed)
        self._announcements = list(args.announcements)
        # No database read at start: the row may not be committed yet (see event_create).
        next_sync = workflow.now() + SYNC_INTERVAL
        while True:
            if self._wake or workflow.now() >= next_sync:
                self._wake = False
                next_sync = workflow.now() + SYNC_INTERVAL
                if not await self._sync():
                    return "gone"
            t = self._timeline
            if t.status == "cancelled" and self._handled >= t.revision:
                return "cancelled"
            if t.status == "finished":
                return "finished"
            if workflow.now() >= self._finish_at():
                await workflow.execute_activity(
                    "event_finish",
                    t.event_id,
                    start_to_close_timeout=timedelta(minutes=1),
                    retry_policy=DB_RETRY,
                )
                return "finished"
            if t.status == "scheduled":
                await self._send_due_reminders()
                await self._send_due_announcements()
            if workflow.info().get_current_history_length() > MAX_HISTORY:
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    EventWorkflowInput(
                        timeline=self._timeline,
                        handled_revision=self._handled,
                        offsets=self._offsets,
                        reminders_done=sorted(self._done),
                        reminders_armed=sorted(self._armed),
                        announcements=self._announcements,
                    )
                )
            wake_at = min(self._finish_at(), next_sync)
            due = self._next_reminder()
            if due:
                wake_at = min(wake_at, due[0])
            for a in self._announcements:
                if a.send_at is not None:
                    wake_at = min(wake_at, a.send_at)
            timeout = max((wake_at - workflow.now()).total_seconds(), 0.001)
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._wake, timeout=timeout)

    async def _sync(self) -> bool:
        """Read the event, its changes after the handled revision, reminders and announcements."""
        pending = await workflow.execute_activity(
            "event_pending_changes",
            PendingInput(event_id=self._timeline.event_id, after_revision=self._handled),
            start_to_close_timeout=timedelta(minutes=1),
            retry_policy=DB_RETRY,
            result_type=PendingChanges,
        )
        if pending.timeline is None:
            return False
        self._timeline = pending.timeline
        self._offsets = sorted(set(pending.offsets), reverse=True)
        self._announcements = pending.announcements
        for change in pending.changes:
            await self._start_notice(
                NoticeInput(
                    event_id=self._timeline.event_id, kind=change.kind, ref=str(change.revision)
                )
            )
            self._handled = change.revision
        self._arm_reminders()
        return True

    def _arm_reminders(self) -> None:
        """A reminder first seen when its due time has already passed (a late subscriber's,
        or one moved into the past by a new start) is skipped, not sent late."""
        now, start = workflow.now(), self._timeline.start
        for offset in self._offsets:
            key = reminder_key(offset, start)
            if key in self._armed or key in self._done:
                continue
            if start - timedelta(seconds=offset) > now - ON_TIME:
                self._armed.add(key)
            else:
                self._done.add(key)

    async def _send_due_reminders(self) -> None:
        now, start = workflow.now(), self._timeline.start
        for offset in self._offsets:
            key = reminder_key(offset, start)
            if key in self._done or start - timedelta(seconds=offset) > now:
                continue
            self._done.add(key)
            if now < start:  # armed in time but woken late (a worker outage): still useful
                await self._start_notice(
                    NoticeInput(event_id=self._timeline.event_id, kind="reminder", ref=key)
                )

    async def _send_due_announcements(self) -> None:
        now = workflow.now()
        due = [a for a in self._announcements if a.send_at is None or a.send_at <= now]
        for announcement in due:
            await self._start_notice(
                NoticeInput(
                    event_id=self._timeline.event_id, kind="announcement", ref=str(announcement.id)
                )
            )
        if due:
            await workflow.execute_activity(
                "announcements_started",
                [a.id for a in due],
                start_to_close_timeout=timedelta(minutes=1),
                retry_policy=DB_RETRY,
            )
            self._announcements = [a for a in self._announcements if a not in due]

    async def _start_notice(self, notice: NoticeInput) -> None:
        try:
            await workflow.start_child_workflow(
                NoticeWorkflow.run,
                notice,
                id=notice_workflow_id(notice),
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                # A closed run with this id may be another event's whose id a reset database
                # gave out again: run anew. Sending twice is what the ledger prevents.
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            )
            self._notices += 1
        except WorkflowAlreadyStartedError:
            pass  # still running: it is this very notice


@workflow.defn
class PurgeUnconfirmedWorkflow:
    """Deletes email-only subscriptions left unconfirmed, and the accounts left with nothing."""

    @workflow.run
    async def run(self) -> PurgeResult:
        return await workflow.execute_activity(
            "purge_unconfirmed_subscriptions",
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=DB_RETRY,
            result_type=PurgeResult,
        )


def welcomes_workflow_id(event_id: int, task_queue: str) -> str:
    # The queue is part of the id: a batcher left on a queue no worker polls any more (a changed
    # TEMPORAL_TASK_QUEUE, a test's queue) must not take the event's later welcomes.
    return f"welcomes-{task_queue}-{event_id}"


@workflow.defn
class WelcomesWorkflow:
    """Sends the welcomes of one event's new subscriptions in batches.

    Each subscribe signals-with-start this workflow (`welcome`, the subscription id) before its
    transaction commits. When no batch runs, pending ids leave at once in an activity of up to
    `batch_size`; ids signalled while one runs wait for it to end (or until they make a full
    batch, or have waited `coalesce_seconds`; up to `parallel` at once), so a burst of
    subscriptions costs a few activities, not one workflow per welcome. An id whose row is not
    visible yet is tried again after `retry_seconds`, `max_tries` times in all, then dropped
    (its transaction rolled back). Ends after `idle_seconds` with nothing to do; continues-as-new
    with what is pending.
    """

    def __init__(self) -> None:
        self._queue: list[PendingWelcome] = []  # to send now
        self._queued_at = None  # when the oldest of them was queued
        self._later: list[tuple] = []  # (due time, PendingWelcome): not visible yet
        self._running = 0  # batches
        self._running_ids = 0  # subscriptions in them
        self._tasks: set[asyncio.Task] = set()
        self._wake = False
        self._alarm: asyncio.Task | None = None
        self._alarm_at = None
        self._summary = WelcomesSummary()

    @workflow.signal
    def welcome(self, subscription_id: int) -> None:
        self._summary.signals += 1
        self._enqueue([PendingWelcome(subscription_id)])
        self._wake = True

    @workflow.query
    def pending(self) -> int:
        """Subscriptions whose welcome is not done yet (queued, waiting for a commit, sending)."""
        return len(self._queue) + len(self._later) + self._running_ids

    @workflow.query
    def summary(self) -> WelcomesSummary:
        return self._summary

    @workflow.run
    async def run(self, args: WelcomesInput) -> WelcomesSummary:
        self._args = args
        now = workflow.now()
        for item in args.pending:
            if item.tries:
                self._later.append((now + timedelta(seconds=args.retry_seconds), item))
            else:
                self._enqueue([item])
        idle_since = now
        while True:
            now = workflow.now()
            due = [item for at, item in self._later if at <= now]
            if due:
                self._later = [(at, item) for at, item in self._later if at > now]
                self._enqueue(due)
            moving_on = (
                self._summary.signals >= args.max_signals
                or workflow.info().is_continue_as_new_suggested()
            )
            if not moving_on:
                self._dispatch()
            busy = bool(self._queue or self._later or self._running)
            if busy:
                idle_since = None
            elif idle_since is None:
                idle_since = now
            if moving_on and not self._running and workflow.all_handlers_finished():
                pending = self._queue + [item for _, item in self._later]
                workflow.continue_as_new(dataclasses.replace(args, pending=pending))
            idle_for = 0.0 if idle_since is None else (now - idle_since).total_seconds()
            if not busy and idle_for >= args.idle_seconds and workflow.all_handlers_finished():
                return self._summary
            # Wake for the first retry due, for what is held back while batches run, or at
            # the end of idleness; else a signal or a finished batch wakes the loop.
            wake_at = [at for at, _ in self._later]
            if self._queue and not moving_on:
                wake_at.append(self._queued_at + timedelta(seconds=args.coalesce_seconds))
            if not busy:
                wake_at.append(idle_since + timedelta(seconds=args.idle_seconds))
            if wake_at:
                self._arm(min(wake_at))
            self._wake = False
            await workflow.wait_condition(lambda: self._wake)

    def _arm(self, at) -> None:
        """One alarm at a time, kept while it is due no later than `at` (when it rings the loop
        arms the next): signals arriving meanwhile start and cancel no timers."""
        if self._alarm is not None and not self._alarm.done():
            if self._alarm_at <= at:
                return
            self._alarm.cancel()
        self._alarm_at = at

        async def ring(delay: float) -> None:
            await asyncio.sleep(delay)
            self._wake = True

        self._alarm = asyncio.create_task(ring(max((at - workflow.now()).total_seconds(), 0.001)))

    def _dispatch(self) -> None:
        """Start batches: at once when none runs; beside running ones only a full batch, or
        what has waited `coalesce_seconds` (so one slow channel does not hold up the rest)."""
        args = self._args
        while self._queue and self._running < args.parallel:
            if not (
                self._running == 0
                or len(self._queue) >= args.batch_size
                or self._waited() >= args.coalesce_seconds
            ):
                break
            batch, self._queue = self._queue[: args.batch_size], self._queue[args.batch_size :]
            self._queued_at = workflow.now() if self._queue else None
            self._running += 1
            self._running_ids += len(batch)
            task = asyncio.create_task(self._send(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _waited(self) -> float:
        if self._queued_at is None:
            return 0.0
        return (workflow.now() - self._queued_at).total_seconds()

    def _enqueue(self, items: list[PendingWelcome]) -> None:
        if items and not self._queue:
            self._queued_at = workflow.now()
        self._queue.extend(items)

    async def _send(self, batch: list[PendingWelcome]) -> None:
        args = self._args
        tries = {item.subscription_id: item.tries for item in batch}
        try:
            done = await workflow.execute_activity(
                "send_welcome_batch",
                WelcomeBatchInput(event_id=args.event_id, subscription_ids=list(tries)),
                start_to_close_timeout=timedelta(minutes=10),
                heartbeat_timeout=timedelta(seconds=20),
                retry_policy=SEND_RETRY,
                result_type=WelcomeBatchResult,
            )
        except ActivityError:
            # The ledger records each delivery's fate; the other batches go on.
            workflow.logger.warning("welcomes of event %s: a batch gave up", args.event_id)
            done = WelcomeBatchResult()
        finally:
            self._running -= 1
            self._running_ids -= len(batch)
            self._summary.batches += 1
            self._wake = True
        self._summary.sent += done.sent
        self._summary.failed += done.failed
        self._summary.skipped += done.skipped
        retry_at = workflow.now() + timedelta(seconds=args.retry_seconds)
        for subscription_id in done.missing:
            item = PendingWelcome(subscription_id, tries[subscription_id] + 1)
            if item.tries >= args.max_tries:
                self._summary.dropped += 1
                workflow.logger.info(
                    "welcome of subscription %s dropped: never committed", subscription_id
                )
            else:
                self._later.append((retry_at, item))


WORKFLOWS = [
    HousekeepingWorkflow,
    EventWorkflow,
    NoticeWorkflow,
    PurgeUnconfirmedWorkflow,
    WelcomesWorkflow,
]
