"""bench reminders: n subscribers sharing one reminder offset; how late the reminder arrives.

The event is created through the service (its workflow starts), the subscribers are added in
bulk with the offset, and the workflow hears `reminders_changed` once — the signal every
subscribe sends after its commit — so it re-reads the offsets in use from the database and
arms one timer. Lateness is the sink's wall-clock arrival minus the due time (start - offset).
"""

import time
from datetime import timedelta

from bench.common import (
    add_subscribers,
    apprise_alone,
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
    wait_for_ledger,
    wait_until,
)

N = size(10_000)
OFFSET = 3600  # "starts in 1 hour"
# The due time is this far after the event is created: room to add the subscribers first.
LEAD = 20 + N / 250
WARM_UP = 50


def main() -> None:
    env = soonish_env(fresh_postgres("bench_reminders"))
    with sink() as target, soonish(env) as services:
        setup_django(services.env)
        from django.utils import timezone

        from workflows import client as temporal

        # Warm the worker up (imports, connections) and measure Apprise alone, before the
        # reminder's event exists, so neither overlaps the reminder.
        warm = new_event(start=timezone.now() + timedelta(days=7), name="Warm-up")
        add_subscribers(warm.pk, [target.url(-i) for i in range(1, WARM_UP + 1)])
        update_reaches_all(warm, target, WARM_UP)
        urls = [target.url(i) for i in range(N)]
        target.reset()
        started, _ = apprise_alone(urls)
        apprise_rate = N / (target.wait_for(N, timeout=max(120, N / 20))["last"] - started)

        due = timezone.now() + timedelta(seconds=LEAD)
        event = new_event(start=due + timedelta(seconds=OFFSET))
        due = (event.start - timedelta(seconds=OFFSET)).timestamp()
        add_subscribers(event.pk, urls, offsets=[OFFSET])
        temporal.signal_event(event.pk, "reminders_changed")
        wait_until(
            lambda: OFFSET in getattr(temporal.describe_event_workflow(event.pk), "offsets", []),
            30,
            "the workflow to arm the reminder",
            interval=0.2,
        )
        ahead = due - time.time()
        if ahead < 5:
            raise RuntimeError(f"the subscribers took too long: only {ahead:.1f} s before due")
        print(f"  reminder armed {ahead:.0f} s before it is due", flush=True)
        target.reset()
        status = target.wait_for(N, timeout=ahead + max(120, N / 20))
        if status["distinct"] != N or status["count"] != N:
            raise RuntimeError(f"{status['count']} reminders to {status['distinct']} of {N}")
        wait_for_ledger(event.pk, "reminder", N)

    first_late, last_late = status["first"] - due, status["last"] - due
    soonish_rate = N / last_late
    ratio = soonish_rate / apprise_rate
    print(f"Apprise alone: {apprise_rate:.0f}/s")
    print(
        f"Soonish: first {first_late:.2f} s, last {last_late:.2f} s after due "
        f"({soonish_rate:.0f}/s)"
    )
    report(
        "reminders",
        f"bench reminders: ratio={ratio:.2f} first_late_s={first_late:.2f} "
        f"last_late_s={last_late:.2f} n={N}",
        f"""
## Reminders: {N:,} subscribers, one offset

| | |
|---|---:|
| first reminder after its due time | {first_late:.2f} s |
| last reminder after its due time | {last_late:.2f} s |
| Soonish: n / (last - due) | {soonish_rate:.0f}/s |
| Apprise alone, same run | {apprise_rate:.0f}/s |
| ratio | **{ratio:.2f}** |

The subscribers were in place {ahead:.0f} s before the reminder was due; the event's
workflow held one durable timer for the offset, and at the due time one notice read who
wants it and sent it in batches. The first reminder's lateness is bound by Temporal (timer,
child workflow, the planning activity) and by the first, small batch; the last by the same
per-send CPU as the fan-out. Machine: {machine()}; the worker, the sink, PostgreSQL and
Temporal share its cores.
""",
    )


if __name__ == "__main__":
    main()
