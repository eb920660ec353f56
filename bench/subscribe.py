"""bench subscribe: 20 concurrent clients subscribe signed-in users (two reminder offsets each)
to one event through POST /api/events/{id}/subscribe, against gunicorn and PostgreSQL with the
Temporal worker running; each subscription also signals-with-start its event's welcome batcher.

flat = the rate over the last tenth of the subscriptions / the rate over the first tenth: work
that grows with the subscribers already there shows as flat < 1. At the end every subscription
must have its two reminder offsets, and the event's workflow must report them planned.
"""

import asyncio
import http.client
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlsplit

from bench.common import (
    bulk_users,
    cpu_seconds,
    fresh_postgres,
    report,
    setup_django,
    size,
    soonish,
    soonish_env,
    wait_until,
)

CLIENTS = 20
# On 2 cores 3 x 2 and 4 x 2 did best (about 80/s each), 2 x 4 about 75/s: a process runs
# Python on one core at a time (the GIL), so more processes, and a second thread in each to
# use the time a request waits on PostgreSQL or Temporal.
WEB_WORKERS, WEB_THREADS = 3, 2
OFFSETS = [86400, 3600]


class Client(threading.local):
    """One keep-alive connection per client thread."""

    def __init__(self, web_url: str):
        parts = urlsplit(web_url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)

    def subscribe(self, event_id: int, token: str) -> float:
        """POST the subscription; returns when the answer came (time.monotonic())."""
        body = json.dumps({"reminder_offsets": OFFSETS})
        headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
        self.conn.request("POST", f"/api/events/{event_id}/subscribe", body, headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 201:
            raise RuntimeError(f"subscribe answered {response.status}: {data[:300]!r}")
        return time.monotonic()


def subscribe_all(web_url: str, event_id: int, tokens: list[str]) -> tuple[float, list[float]]:
    """Subscribe every token's user with CLIENTS at once; (start, sorted completion times)."""
    client = Client(web_url)
    with ThreadPoolExecutor(CLIENTS) as pool:
        started = time.monotonic()
        done = list(pool.map(lambda token: client.subscribe(event_id, token), tokens))
    return started, sorted(done)


def temporal_start_rate(n: int) -> float:
    """Temporal's own rate of workflow starts, CLIENTS at once, on a queue no worker polls
    (a reference: each subscription signals-with-start its event's welcome batcher)."""
    from workflows import client as temporal
    from workflows.types import NoticeInput

    async def starts(client) -> float:
        numbers = iter(range(n))

        async def one_client():
            for i in numbers:
                notice = NoticeInput(event_id=0, kind="welcome", ref=str(i), subscription_id=i)
                await client.start_workflow(
                    "NoticeWorkflow", notice, id=f"bench-start-{i}", task_queue="bench-idle"
                )

        started = time.monotonic()
        await asyncio.gather(*(one_client() for _ in range(CLIENTS)))
        return n / (time.monotonic() - started)

    return temporal.call(starts, timeout=600)


def check_planned(event, n: int) -> dict:
    """Every subscription has its offsets, and the event's workflow plans them; its status."""
    from django.db.models import Count

    from subscriptions.models import Subscription
    from workflows import client as temporal

    subscriptions = Subscription.objects.filter(event=event, confirmed_at__isnull=False)
    assert subscriptions.count() == n, (subscriptions.count(), n)
    odd = subscriptions.annotate(k=Count("reminders")).exclude(k=len(OFFSETS)).count()
    assert odd == 0, f"{odd} subscriptions without their {len(OFFSETS)} reminder offsets"
    first_due = event.start - timedelta(seconds=max(OFFSETS))
    state = {}

    def planned() -> bool:
        state["now"] = temporal.describe_event_workflow(event.pk)
        s = state["now"]
        return s is not None and s.offsets == OFFSETS and s.next_reminder_due == first_due

    wait_until(planned, 60, "the event workflow to plan the reminders", interval=0.5)
    return vars(state["now"])


def welcomes_sent(event_id: int) -> int:
    from notifications.models import Delivery

    return Delivery.objects.filter(event_id=event_id, kind="welcome", status="sent").count()


def batcher_history(event_id: int) -> dict:
    """What the event's welcome batcher (its latest run) recorded: signals, workflow tasks and
    activities, i.e. how far the welcomes were coalesced."""
    from django.conf import settings
    from temporalio.api.enums.v1 import EventType

    from workflows import client as temporal
    from workflows.workflows import welcomes_workflow_id

    async def fetch(client) -> dict:
        handle = client.get_workflow_handle(
            welcomes_workflow_id(event_id, settings.TEMPORAL_TASK_QUEUE)
        )
        counts = {"signals": 0, "workflow_tasks": 0, "activities": 0, "events": 0}
        kinds = {
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: "signals",
            EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: "workflow_tasks",
            EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: "activities",
        }
        async for e in handle.fetch_history_events():
            counts["events"] += 1
            if e.event_type in kinds:
                counts[kinds[e.event_type]] += 1
        return counts

    return temporal.call(fetch, timeout=60)


def main() -> None:
    from django.utils import timezone

    env = soonish_env(fresh_postgres("bench_subscribe"))
    n = size(2000)
    tenth = max(1, n // 10)
    with soonish(env, web_workers=WEB_WORKERS, web_threads=WEB_THREADS) as services:
        setup_django(services.env)
        from rest_framework_simplejwt.tokens import AccessToken

        from events.services import event_create

        organizer = bulk_users(1, prefix="organizer")[0]
        event = event_create(
            organizer=organizer,
            name="Launch party",
            description="The one everybody subscribes to.",
            start=timezone.now() + timedelta(days=30),
            time_zone="Europe/Paris",
            location="Dock 4",
            tags=["launch"],
        )
        # Tokens minted here: logging in would time password hashing, not subscribing.
        users = bulk_users(CLIENTS + n, prefix="subscriber")
        tokens = [str(AccessToken.for_user(u)) for u in users]
        start_rate = temporal_start_rate(size(1000))
        # Warm-up, not counted: each gunicorn thread's first request opens its connections.
        subscribe_all(services.web_url, event.pk, tokens[:CLIENTS])
        pids = {name: proc.pid for name, proc in services.procs.items()}
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        started, done = subscribe_all(services.web_url, event.pk, tokens[CLIENTS:])
        elapsed = done[-1] - started
        rate = n / elapsed
        first_rate = tenth / (done[tenth - 1] - started)
        last_rate = tenth / (done[-1] - done[-tenth - 1])
        flat = last_rate / first_rate
        state = check_planned(event, CLIENTS + n)
        wait_until(
            lambda: welcomes_sent(event.pk) >= CLIENTS + n,
            600,
            "every welcome to be sent",
            interval=0.5,
        )
        drained = time.monotonic() - done[-1]
        cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
        batcher = batcher_history(event.pk)
    per_subscription = sum(cpu.values()) / n
    cpu_rows = "\n".join(
        f"| {name} | {seconds:.1f} | {seconds / n * 1000:.1f} |" for name, seconds in cpu.items()
    )
    report(
        "subscribe",
        f"bench subscribe: rate={rate:.0f} flat={flat:.2f} n={n} "
        f"first_rate={first_rate:.0f} last_rate={last_rate:.0f}",
        f"""## subscribe

{n} signed-in users (JWT) subscribe to one event through `POST /api/events/{{id}}/subscribe`
with reminder offsets {OFFSETS}, {CLIENTS} clients at once, under gunicorn ({WEB_WORKERS}
workers x {WEB_THREADS} threads) with PostgreSQL, the Temporal dev server and the worker
(which sends each welcome by the service email, a dummy backend here) on the same machine.

| | subscriptions/s |
|---|---|
| overall ({n} in {elapsed:.1f} s) | {rate:.0f} |
| first {tenth} | {first_rate:.0f} |
| last {tenth} | {last_rate:.0f} |

flat (last / first) = {flat:.2f}. Temporal alone, in the same run, started
{start_rate:.0f} workflows/s with {CLIENTS} clients at once: subscribing (which signals the
event's welcome batcher) ran at {rate / start_rate:.2f} of that. Afterwards every subscription had
its {len(OFFSETS)} reminder offsets and the event's workflow reported offsets
{state["offsets"]} planned, next reminder due {state["next_reminder_due"]:%Y-%m-%d %H:%M} UTC;
the worker had sent the last welcome {drained:.1f} s after the last subscription.
The event's welcome batcher (its latest run) recorded {batcher["signals"]} signals,
{batcher["workflow_tasks"]} workflow tasks and {batcher["activities"]} activities
({batcher["events"]} history events).

CPU used from the first counted subscription until the last welcome was sent (PostgreSQL and
the load generator not counted):

| process | CPU s | CPU ms per subscription |
|---|---|---|
{cpu_rows}

Together {per_subscription * 1000:.0f} ms of CPU per subscription: with {os.cpu_count()} cores
that alone allows at most about {os.cpu_count() / per_subscription:.0f} subscriptions/s.
""",
    )


if __name__ == "__main__":
    main()
