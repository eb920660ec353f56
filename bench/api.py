"""bench api: GET /api/events (a page of 20) and GET /api/events/{id} under gunicorn and
PostgreSQL, loaded by locust over loopback, against a bare Django view returning the same rows
and fields as JSON (bench/baseline.py) in the same gunicorn processes.

ratio = Soonish's requests/s / the baseline's, per endpoint; the reported ratio is the lower.
"""

import csv
import json
import os
import random
import subprocess
import tempfile
import urllib.request
from datetime import timedelta
from pathlib import Path

from bench.common import (
    PYTHON,
    ROOT,
    bulk_users,
    fresh_postgres,
    quick,
    report,
    setup_django,
    size,
    soonish,
    soonish_env,
)

WEB_WORKERS, WEB_THREADS = 2, 4
USERS = 16  # concurrent locust users: enough to keep every gunicorn thread busy
SECONDS = 4 if quick() else 15
TAGS = ["music", "tech", "community", "sports", "family", "outdoor", "food", "art", "talk"]
ZONES = ["Europe/Paris", "America/New_York", "Asia/Tokyo", "UTC", "Europe/Berlin"]


def seed(n_events: int) -> list[int]:
    """`n_events` public events (plus a quarter as many private ones) with tags, descriptions
    and 0-60 subscribers each; returns the public events' ids."""
    from django.utils import timezone

    from events.models import Event
    from subscriptions.models import ReminderOffset, Subscription

    rng = random.Random(6)
    organizers = bulk_users(max(2, n_events // 10), prefix="organizer")
    people = bulk_users(60, prefix="follower")
    now = timezone.now()
    events = Event.objects.bulk_create(
        Event(
            name=f"{rng.choice(TAGS).title()} meetup #{i}",
            description="Come along for talks, food and good company. " * rng.randint(2, 8),
            start=(start := now + timedelta(days=1 + i // 5, hours=rng.randint(0, 23))),
            end=start + timedelta(hours=rng.randint(1, 4)),
            time_zone=rng.choice(ZONES),
            location=f"Hall {rng.randint(1, 40)}, {rng.randint(1, 300)} Main Street",
            is_public=i % 5 != 4,
            tags=rng.sample(TAGS, rng.randint(1, 3)),
            organizer=rng.choice(organizers),
            workflow_id=f"event-bench-{i}",
        )
        for i in range(n_events + n_events // 4)
    )
    subscriptions = Subscription.objects.bulk_create(
        Subscription(event=e, user=u, confirmed_at=now if rng.random() < 0.9 else None)
        for e in events
        for u in rng.sample(people, rng.randint(0, len(people)))
    )
    ReminderOffset.objects.bulk_create(
        ReminderOffset(subscription=s, event_id=s.event_id, offset_seconds=o)
        for s in subscriptions
        for o in (86400, 3600)
    )
    return [e.pk for e in events if e.is_public]


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
        return json.load(response)


def check_same_rows(web_url: str, event_id: int) -> None:
    """The baseline must serve what the API serves, or the ratio compares different work."""
    api, base = get_json(f"{web_url}/api/events"), get_json(f"{web_url}/bench/baseline/events")
    assert api["count"] == base["count"], (api["count"], base["count"])
    pick = ("id", "subscriber_count", "organizer", "tags", "name")
    assert [{k: r[k] for k in pick} for r in api["results"]] == [
        {k: r[k] for k in pick} for r in base["results"]
    ]
    api = get_json(f"{web_url}/api/events/{event_id}")
    base = get_json(f"{web_url}/bench/baseline/events/{event_id}")
    assert {k: api[k] for k in pick} == {k: base[k] for k in pick}


def load(web_url: str, path: str, ids: list[int], seconds: int) -> dict:
    """Run locust headless against `path` for `seconds`; requests/s, p50 and p99 in ms."""
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp) / "run"
        env = {"BENCH_PATH": path, "BENCH_IDS": ",".join(map(str, ids))}
        cmd = [
            PYTHON, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
            "-u", str(USERS), "-r", str(USERS), "-t", f"{seconds}s", "--host", web_url,
            "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5",
        ]  # fmt: skip
        subprocess.run(cmd, env={**os.environ, **env}, check=False, capture_output=True)  # noqa: S603
        with open(f"{prefix}_stats.csv") as f:
            row = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
    requests, failures = int(row["Request Count"]), int(row["Failure Count"])
    if failures or not requests:
        raise SystemExit(f"{path}: {failures} of {requests} requests failed")
    return {
        "rps": float(row["Requests/s"]),
        "p50": float(row["50%"]),
        "p99": float(row["99%"]),
        "n": requests,
    }


def mean(a: dict, b: dict) -> dict:
    return {k: (a[k] + b[k]) / 2 for k in a}


def main() -> None:
    env = soonish_env(fresh_postgres("bench_api"), DJANGO_SETTINGS_MODULE="bench.settings")
    with soonish(env, web_workers=WEB_WORKERS, web_threads=WEB_THREADS) as services:
        setup_django(services.env)
        ids = seed(size(200))
        url = services.web_url
        check_same_rows(url, ids[0])
        targets = {
            "list": ("/api/events", []),
            "detail": ("/api/events/{id}", ids),
            "baseline list": ("/bench/baseline/events", []),
            "baseline detail": ("/bench/baseline/events/{id}", ids),
        }
        for path, pick in targets.values():  # warm up every worker's code paths and connections
            load(url, path, pick, 2)
        # A-B-B-A: drift on a shared machine (another process waking up) hits both sides alike.
        order = ["baseline list", "list", "detail", "baseline detail"]
        first = {name: load(url, *targets[name], SECONDS) for name in order}
        second = {name: load(url, *targets[name], SECONDS) for name in reversed(order)}
        r = {name: mean(first[name], second[name]) for name in order}
    ratios = {
        "list": r["list"]["rps"] / r["baseline list"]["rps"],
        "detail": r["detail"]["rps"] / r["baseline detail"]["rps"],
    }
    rows = "\n".join(
        f"| {name} | {m['rps']:.0f} | {m['p50']:.0f} | {m['p99']:.0f} |" for name, m in r.items()
    )
    report(
        "api",
        f"bench api: ratio={min(ratios.values()):.2f} list_rps={r['list']['rps']:.0f} "
        f"detail_rps={r['detail']['rps']:.0f} baseline_rps={r['baseline list']['rps']:.0f} "
        f"list_p99_ms={r['list']['p99']:.0f}",
        f"""## api

`GET /api/events` (a page of 20 of {len(ids)} public events with tags and subscriber counts)
and `GET /api/events/{{id}}`, anonymous, under gunicorn ({WEB_WORKERS} workers x
{WEB_THREADS} threads) with PostgreSQL; {USERS} locust users on loopback, {SECONDS} s per run,
each target run twice (A-B-B-A order) and averaged. The baseline is a plain Django view in
the same server returning the same rows and fields with one ORM query (and the count) and
`JsonResponse`, no DRF.

| target | requests/s | p50 ms | p99 ms |
|---|---|---|---|
{rows}

Ratio (Soonish / baseline): list {ratios["list"]:.2f}, detail {ratios["detail"]:.2f}.
""",
    )


if __name__ == "__main__":
    main()
