"""Workflow definitions. Deterministic code only: nothing here imports Django."""

import asyncio
import contextlib
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from .types import (
        SEND_ATTEMPTS,
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
    """Sends one notice to an event's subscribers: plans id ranges, runs them in batches."""

    @workflow.run
    async def run(self, notice: NoticeInput) -> NoticeSummary:
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


@workflow.defn
class EventWorkflow:
    """Owns one event's timeline: hears of its changes, starts their notices, ends with it.

    Signals are wake-ups: the changes themselves are read from the database (EventChange rows
    after the last handled revision), so a lost signal is caught by the periodic sync.
    """

    def __init__(self) -> None:
        self._wake = False
        self._timeline: EventTimeline | None = None
        self._handled = 0
        self._notices = 0

    @workflow.signal
    def event_updated(self) -> None:
        self._wake = True

    @workflow.signal
    def event_cancelled(self) -> None:
        self._wake = True

    @workflow.signal
    def reminders_changed(self) -> None:
        self._wake = True

    @workflow.query
    def status(self) -> EventWorkflowStatus:
        t = self._timeline
        return EventWorkflowStatus(
            event_id=t.event_id,
            status=t.status,
            revision=t.revision,
            handled_revision=self._handled,
            start=t.start,
            end=t.end,
            finish_at=self._finish_at(),
            notices_started=self._notices,
        )

    def _finish_at(self):
        t = self._timeline
        return t.end if t.end is not None else t.start + GRACE_WITHOUT_END

    @workflow.run
    async def run(self, args: EventWorkflowInput) -> str:
        self._timeline, self._handled = args.timeline, args.handled_revision
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
            if workflow.info().get_current_history_length() > MAX_HISTORY:
                workflow.continue_as_new(EventWorkflowInput(self._timeline, self._handled))
            wake_at = min(self._finish_at(), next_sync)
            timeout = max((wake_at - workflow.now()).total_seconds(), 0.001)
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._wake, timeout=timeout)

    async def _sync(self) -> bool:
        """Read the event and the changes after the handled revision; start their notices."""
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
        for change in pending.changes:
            await self._start_notice(
                NoticeInput(
                    event_id=self._timeline.event_id, kind=change.kind, ref=str(change.revision)
                )
            )
            self._handled = change.revision
        return True

    async def _start_notice(self, notice: NoticeInput) -> None:
        try:
            await workflow.start_child_workflow(
                NoticeWorkflow.run,
                notice,
                id=notice_workflow_id(notice),
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
            self._notices += 1
        except WorkflowAlreadyStartedError:
            pass  # started before a continue-as-new or a retry: one notice per change


WORKFLOWS = [HousekeepingWorkflow, EventWorkflow, NoticeWorkflow]
