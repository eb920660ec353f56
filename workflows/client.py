"""Temporal from synchronous Django code: one client per process on a background loop.

Views and services are synchronous; the Temporal SDK is asyncio. A daemon thread owns an
event loop and the connected client, and `call` runs a coroutine there. A failed connection
is retried on the next call, so the web process recovers when Temporal comes back.
"""

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError

from .connection import TemporalUnavailable, connect

T = TypeVar("T")
logger = logging.getLogger(__name__)

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_client: Client | None = None


def _event_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="temporal-client", daemon=True).start()
        return _loop


async def _get_client() -> Client:
    global _client
    if _client is None:
        _client = await connect()
    return _client


def call(fn: Callable[[Client], Awaitable[T]], timeout: float = 10.0) -> T:
    """Run `fn(client)` on the client loop and wait for it; TemporalUnavailable if unreachable."""

    async def run():
        return await fn(await _get_client())

    future = asyncio.run_coroutine_threadsafe(run(), _event_loop())
    try:
        return future.result(timeout=timeout)
    except TimeoutError:
        future.cancel()
        raise TemporalUnavailable(
            f"Temporal at {settings.TEMPORAL_ADDRESS} did not answer within {timeout:g} s"
        ) from None
    except RPCError as exc:
        raise TemporalUnavailable(f"Temporal refused the request: {exc.status.name}") from None


def check_health(timeout: float = 2.0) -> bool:
    """True when the frontend answers a health check within `timeout` seconds."""

    async def ping(client: Client) -> bool:
        return await client.service_client.check_health(timeout=timedelta(seconds=timeout))

    try:
        return bool(call(ping, timeout=timeout + 3))
    except Exception:
        return False


def reset() -> None:
    """Forget the connected client, e.g. after TEMPORAL_ADDRESS changed."""
    global _client
    _client = None


# --- what the services ask of Temporal -------------------------------------------------------

RPC_TIMEOUT = timedelta(seconds=3)
# The whole wait of a web request on Temporal. The SDK retries an unreachable server within
# RPC_TIMEOUT per attempt, so only this bounds it: below 5 s, so the 503 itself leaves in 5 s.
REQUEST_TIMEOUT = 4.0


def event_workflow_id(event_id: int) -> str:
    return f"event-{event_id}"


def _start_event_workflow(event, *, conflict_policy, start_signal: str | None = None) -> str:
    from .activities import timeline_of
    from .types import EventWorkflowInput
    from .workflows import EventWorkflow

    workflow_id = event_workflow_id(event.pk)
    args = EventWorkflowInput(timeline=timeline_of(event), handled_revision=event.revision)

    async def start(client: Client):
        await client.start_workflow(
            EventWorkflow.run,
            args,
            id=workflow_id,
            task_queue=settings.TEMPORAL_TASK_QUEUE,
            id_conflict_policy=conflict_policy,
            start_signal=start_signal,
            rpc_timeout=RPC_TIMEOUT,
        )
        return workflow_id

    return call(start, timeout=REQUEST_TIMEOUT)


def start_event_workflow(event) -> str:
    """Start the event's workflow; TemporalUnavailable if Temporal refuses or is down."""
    # A new event row is the truth: a leftover run with its id (a reset database) goes.
    return _start_event_workflow(event, conflict_policy=WorkflowIDConflictPolicy.TERMINATE_EXISTING)


def ensure_event_workflow(event) -> str:
    """Make sure the event's workflow runs and re-reads the database: signal-with-start.

    A running workflow is signalled (it re-plans from the database); a missing or ended one
    is started from the event's current state.
    """
    return _start_event_workflow(
        event,
        conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        start_signal="reminders_changed",
    )


def _start_notice(notice, *, suffix: str = "") -> str:
    from .workflows import NoticeWorkflow, notice_workflow_id

    workflow_id = notice_workflow_id(notice) + suffix

    async def start(client: Client):
        await client.start_workflow(
            NoticeWorkflow.run,
            notice,
            id=workflow_id,
            task_queue=settings.TEMPORAL_TASK_QUEUE,
            # A leftover run with this id (a reset database) is not this notice.
            id_conflict_policy=WorkflowIDConflictPolicy.TERMINATE_EXISTING,
            rpc_timeout=RPC_TIMEOUT,
        )
        return workflow_id

    return call(start, timeout=REQUEST_TIMEOUT)


def start_welcome(subscription) -> str:
    """Ask for the welcome of a subscription: signal-with-start of its event's WelcomesWorkflow.

    Called before the subscription commits (a refused call rolls it back): the batcher tries a
    row not visible yet again for a few seconds, and drops it if it never commits. A running
    batcher just gets the signal; a missing or ended one is started anew.
    """
    from .types import WelcomesInput
    from .workflows import WelcomesWorkflow, welcomes_workflow_id

    workflow_id = welcomes_workflow_id(subscription.event_id, settings.TEMPORAL_TASK_QUEUE)

    async def signal_with_start(client: Client):
        await client.start_workflow(
            WelcomesWorkflow.run,
            WelcomesInput(event_id=subscription.event_id),
            id=workflow_id,
            task_queue=settings.TEMPORAL_TASK_QUEUE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            start_signal="welcome",
            start_signal_args=[subscription.pk],
            rpc_timeout=RPC_TIMEOUT,
        )
        return workflow_id

    return call(signal_with_start, timeout=REQUEST_TIMEOUT)


def signal_event(event_id: int, signal: str) -> bool:
    """Wake the event's workflow; a failure is logged, not raised (the periodic sync recovers)."""

    async def send(client: Client):
        await client.get_workflow_handle(event_workflow_id(event_id)).signal(
            signal, rpc_timeout=RPC_TIMEOUT
        )

    try:
        call(send, timeout=REQUEST_TIMEOUT)
        return True
    except Exception as exc:
        logger.warning(
            "signal %s to event %s not delivered (%s); the workflow will catch up on its next sync",
            signal,
            event_id,
            type(exc).__name__,
        )
        return False


def terminate_workflow(workflow_id: str, *, reason: str) -> None:
    async def terminate(client: Client):
        await client.get_workflow_handle(workflow_id).terminate(reason=reason)

    try:
        call(terminate, timeout=REQUEST_TIMEOUT)
    except Exception:
        logger.warning("could not terminate %s", workflow_id)


def describe_event_workflow(event_id: int):
    """The EventWorkflow's `status` query result (EventWorkflowStatus), or None when Temporal
    has no run for the event; TemporalUnavailable when Temporal cannot answer."""
    from temporalio.service import RPCStatusCode

    from .types import EventWorkflowStatus

    async def query(client: Client):
        try:
            return await client.get_workflow_handle(event_workflow_id(event_id)).query(
                "status", result_type=EventWorkflowStatus, rpc_timeout=RPC_TIMEOUT
            )
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return None
            raise

    return call(query, timeout=REQUEST_TIMEOUT)


def start_notice_again(*, event_id: int, kind: str, ref: str, subscription_id: int | None) -> str:
    """Run a notice once more (a resend): the ledger limits it to what is still pending."""
    import uuid

    from .types import NoticeInput

    notice = NoticeInput(event_id=event_id, kind=kind, ref=ref, subscription_id=subscription_id)
    return _start_notice(notice, suffix=f"-resend-{uuid.uuid4().hex[:8]}")
