"""Workflow definitions. Deterministic code only: nothing here imports Django."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from .types import HousekeepingResult

DB_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


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


WORKFLOWS = [HousekeepingWorkflow]
