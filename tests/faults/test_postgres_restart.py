"""PostgreSQL restarted in the middle of a fan-out: the worker reconnects and the broadcast
completes, nothing lost, no ledger row twice.

The whole scenario runs against a PostgreSQL of the test's own (the machine's is shared, and
the suite may be on SQLite): migrate, seed and read the ledger in child processes, the worker
as a child process, with the persistent connections of production (CONN_MAX_AGE=60)."""

import json
import uuid
from collections import Counter

import pytest
from django.conf import settings

from tests.conftest import run_manage
from tests.helpers import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.temporal]

SUBSCRIBERS = 1000


def test_postgres_restarted_mid_fan_out_loses_no_one(
    own_postgres, temporal_dev_server, make_sink, worker_processes, record_property
):
    queue = f"test-pg-{uuid.uuid4().hex[:8]}"
    env = {
        "DATABASE_URL": own_postgres.url,
        "TEMPORAL_ADDRESS": temporal_dev_server,
        "TEMPORAL_TASK_QUEUE": queue,
    }

    def scenario(step: str) -> dict:
        code = f"from tests.faults.scenario import *; {step}"
        done = run_manage("shell", "-c", code, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.splitlines()[-1])

    migrated = run_manage("migrate", "--no-input", env=env, timeout=180)
    assert migrated.returncode == 0, migrated.stderr
    sink = make_sink(delay=0.1)  # slow sends: the restart lands with the fan-out under way
    worker = worker_processes.start(
        task_queue=queue,
        temporal=temporal_dev_server,
        database_url=own_postgres.url,
        CONN_MAX_AGE="60",
    )
    event = scenario(f"broadcast({SUBSCRIBERS}, {sink.url('/p')!r})")["event"]

    def received() -> set[str]:
        return {r.path for r in list(sink.received)}

    wait_for(lambda: len(received()) >= 200, timeout=60, message="the fan-out to start")
    assert len(received()) < SUBSCRIBERS
    own_postgres.restart()

    everyone = {f"/p{i}" for i in range(SUBSCRIBERS)}
    try:
        wait_for(lambda: received() == everyone, timeout=120, message="a message to everyone")
        wait_for(
            lambda: scenario(f"ledger({event})")["sent"] == SUBSCRIBERS,
            timeout=60,
            message="every delivery recorded as sent",
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{worker_processes.logs()}") from None
    ledger = scenario(f"ledger({event})")
    assert ledger == {
        "subscriptions": SUBSCRIBERS,
        "rows": SUBSCRIBERS,
        "sent": SUBSCRIBERS,
        "repeated": 0,
    }
    assert worker.poll() is None, "the worker died instead of reconnecting"
    # Sends that left before the restart are recorded once it is back, not sent again: at most
    # those in flight when a batch gave up could be, and none does in practice.
    counts = Counter(r.path for r in sink.received)
    duplicates = sum(counts.values()) - len(counts)
    record_property("sink_duplicates", duplicates)
    assert duplicates <= settings.SOONISH_SEND_CONCURRENCY
