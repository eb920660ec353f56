"""bench fanout: one event update reaching n subscribers, against Apprise alone.

Each subscriber has one json:// channel to the sink (a path of its own). Soonish's time runs
from the update through the service (what PATCH /api/events/<id> calls) to the last
notification at the sink; the baseline sends the same n notifications with Apprise alone,
in this process, to the same sink.
"""

from datetime import timedelta

from bench.common import (
    CPU,
    add_subscribers,
    apprise_alone,
    children,
    fresh_postgres,
    machine,
    new_event,
    peak_rss_mb,
    postgres_backends,
    report,
    setup_django,
    sink,
    size,
    soonish,
    soonish_env,
    update_reaches_all,
)

N = size(10_000)
WARM_UP = 50
DATABASE = "bench_fanout"


def main() -> None:
    env = soonish_env(fresh_postgres(DATABASE))
    with sink() as target, soonish(env) as services:
        setup_django(services.env)
        from django.utils import timezone

        start = timezone.now() + timedelta(days=7)
        # Warm up the worker (imports, connections, Apprise's plugins) as the baseline warms up.
        warm = new_event(start=start, name="Warm-up")
        add_subscribers(warm.pk, [target.url(-i) for i in range(1, WARM_UP + 1)])
        update_reaches_all(warm, target, WARM_UP)

        event = new_event(start=start)
        urls = [target.url(i) for i in range(N)]
        add_subscribers(event.pk, urls)

        target.reset()
        cpu = CPU({"sink": [target.proc.pid]})
        started, alone_cpu = apprise_alone(urls)
        apprise_s = target.wait_for(N, timeout=max(120, N / 20))["last"] - started
        apprise_cpu = {"Apprise": alone_cpu, **cpu.used()}

        cpu = CPU(
            {
                "worker": [services.worker.pid],
                "PostgreSQL": lambda: postgres_backends(DATABASE),
                "Temporal": children("temporal"),
                "sink": [target.proc.pid],
            }
        )
        first_s, soonish_s = update_reaches_all(event, target, N)
        soonish_cpu = cpu.used()
        worker_mb = peak_rss_mb(services.worker.pid)

    apprise_rate, soonish_rate = N / apprise_s, N / soonish_s
    ratio = soonish_rate / apprise_rate
    print(f"Apprise alone: {N} in {apprise_s:.2f} s ({apprise_rate:.0f}/s)")
    print("CPU ms per notification: Apprise alone", per_notification(apprise_cpu))
    print("                         Soonish      ", per_notification(soonish_cpu))
    print(
        f"Soonish: {N} in {soonish_s:.2f} s ({soonish_rate:.0f}/s), first after {first_s:.2f} s, "
        f"worker peak {worker_mb:.0f} MiB"
    )
    report(
        "fanout",
        f"bench fanout: ratio={ratio:.2f} soonish_per_s={soonish_rate:.0f} "
        f"apprise_per_s={apprise_rate:.0f} n={N} worker_peak_mb={worker_mb:.0f}",
        f"""
## Fan-out: one update to {N:,} subscribers

| | notifications/s | time to the last (s) | CPU ms per notification |
|---|---:|---:|---|
| Apprise alone¹ | {apprise_rate:.0f} | {apprise_s:.2f} | {per_notification(apprise_cpu)} |
| Soonish² | {soonish_rate:.0f} | {soonish_s:.2f} | {per_notification(soonish_cpu)} |

¹ One `Apprise` object holding every URL, one `notify()`, in a process of its own.
² From `event_update` (what `PATCH /api/events/<id>` calls) through Temporal and the batch
activities to the sink.

Ratio Soonish / Apprise: **{ratio:.2f}**. The first notification arrived {first_s:.2f} s after
the update; the worker's peak memory was {worker_mb:.0f} MiB. Each subscriber has one json://
channel to a local HTTP sink (its own process, asyncio, answering at once), so both sides are
bound by CPU, not by the network: Apprise alone by its per-send cost, Soonish by its worker's
(the same Apprise send, plus the ledger rows, the unsubscribe links, the network guard and the
Temporal activities). On this machine ({machine()}) the worker, the sink, PostgreSQL and the
Temporal dev server share the cores, while Apprise alone shares them only with the sink.
""",
    )


def per_notification(cpu: dict[str, float]) -> str:
    return ", ".join(f"{kind} {seconds / N * 1000:.2f}" for kind, seconds in cpu.items())


if __name__ == "__main__":
    main()
