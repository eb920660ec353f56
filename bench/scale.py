"""bench scale: one update reaching n subscribers (100,000 at full size), and how long the
workflows' histories grow on the way.

Temporal warns at 10,240 events in one run's history (and stops at 51,200): the event's
workflow continues as new and the notice runs batches of subscribers, so that no run comes
near. Every run of both is fetched and counted, following continue-as-new.
"""

import time
from datetime import timedelta

from bench.common import (
    add_subscribers,
    fresh_postgres,
    machine,
    new_event,
    report,
    setup_django,
    sink,
    size,
    soonish,
    soonish_env,
    update_reaches_all,
)

N = size(100_000)
HISTORY_WARNING = 10_240


def histories(workflow_id: str) -> list[int]:
    """Events in the history of every run with this workflow id, oldest run first."""
    from workflows import client as temporal

    async def fetch(client) -> list[int]:
        runs = [run async for run in client.list_workflows(f"WorkflowId = '{workflow_id}'")]
        lengths = []
        for run in sorted(runs, key=lambda r: r.start_time):
            handle = client.get_workflow_handle(workflow_id, run_id=run.run_id)
            lengths.append(len((await handle.fetch_history()).events))
        return lengths

    return temporal.call(fetch, timeout=300)


def main() -> None:
    env = soonish_env(fresh_postgres("bench_scale"))
    with sink() as target, soonish(env) as services:
        setup_django(services.env)
        from django.utils import timezone

        from workflows import client as temporal
        from workflows.types import NoticeInput
        from workflows.workflows import notice_workflow_id

        event = new_event(start=timezone.now() + timedelta(days=7))
        started = time.monotonic()
        add_subscribers(event.pk, [target.url(i) for i in range(N)], chunk=10_000)
        setup_s = time.monotonic() - started
        first_s, total_s = update_reaches_all(event, target, N)
        event.refresh_from_db()
        # Visibility (the run list) is eventually consistent: wait for the notice to be listed.
        notice_id = notice_workflow_id(NoticeInput(event.pk, "update", str(event.revision)))
        notice_runs = []
        for _ in range(50):
            notice_runs = histories(notice_id)
            if notice_runs:
                break
            time.sleep(0.2)
        event_runs = histories(temporal.event_workflow_id(event.pk))

    history = max(event_runs)
    notice_history = max(notice_runs)
    print(
        f"{N} subscribers added in {setup_s:.1f} s; update reached all in {total_s:.1f} s "
        f"({N / total_s:.0f}/s, first after {first_s:.2f} s)"
    )
    print(f"EventWorkflow runs: {event_runs} events; NoticeWorkflow runs: {notice_runs} events")
    if max(history, notice_history) >= HISTORY_WARNING:
        print(f"a history reached Temporal's warning at {HISTORY_WARNING} events")
    report(
        "scale",
        f"bench scale: history={history} runs={len(event_runs)} n={N} total_s={total_s:.1f} "
        f"notice_history={notice_history}",
        f"""
## Scale: one update to {N:,} subscribers

| | |
|---|---:|
| subscribers (bulk through the ORM, not timed below) | {N:,} in {setup_s:.0f} s |
| update → last notification at the sink | {total_s:.1f} s ({N / total_s:.0f}/s) |
| update → first notification | {first_s:.2f} s |
| EventWorkflow: runs, most events in one run | {len(event_runs)}, {history:,} |
| NoticeWorkflow: runs, most events in one run | {len(notice_runs)}, {notice_history:,} |

Every subscription has one sent ledger row and the sink counted {N:,} distinct
notifications. Temporal warns at {HISTORY_WARNING:,} events in one run: the notice's
history grows with the number of batches (one activity per batch of subscriptions), not with
the subscribers. The total is bound by the worker's CPU per send, as in the fan-out.
Machine: {machine()}.
""",
    )


if __name__ == "__main__":
    main()
