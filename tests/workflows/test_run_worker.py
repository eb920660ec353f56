"""`manage.py run_worker` as operators run it: fails readably, polls, schedules, stops cleanly."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import Client, ScheduleActionStartWorkflow
from temporalio.service import RPCError, RPCStatusCode

from workflows.devserver import free_port
from workflows.schedules import HOUSEKEEPING_SCHEDULE_ID
from workflows.types import HousekeepingResult
from workflows.workflows import HousekeepingWorkflow

from ..conftest import run_manage

pytestmark = pytest.mark.temporal

ROOT = Path(__file__).resolve().parents[2]


def _assert_one_readable_line(stderr: str, address: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{stderr}"
    assert address in lines[0]
    assert "Traceback" not in stderr
    assert "panicked" not in stderr


def test_run_worker_against_a_stopped_temporal_exits_nonzero_with_one_line_naming_the_address():
    address = f"127.0.0.1:{free_port()}"

    started = time.monotonic()
    result = run_manage("run_worker", env={"TEMPORAL_ADDRESS": address}, timeout=30)
    elapsed = time.monotonic() - started

    assert elapsed < 15, f"run_worker took {elapsed:.1f} s to give up"
    assert result.returncode != 0
    _assert_one_readable_line(result.stderr, address)


def test_run_worker_against_a_server_that_never_answers_gives_up_within_the_connect_timeout():
    """TCP accepted, no gRPC reply (a hung frontend, a proxy with no backend)."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        address = f"127.0.0.1:{silent.getsockname()[1]}"

        started = time.monotonic()
        result = run_manage(
            "run_worker",
            env={"TEMPORAL_ADDRESS": address, "TEMPORAL_CONNECT_TIMEOUT": "2"},
            timeout=60,
        )
        elapsed = time.monotonic() - started

    assert elapsed < 15, f"run_worker took {elapsed:.1f} s to give up"
    assert result.returncode != 0
    _assert_one_readable_line(result.stderr, address)


# --- against the real dev server ----------------------------------------------------------------


@pytest.fixture(scope="module")
def worker_database(tmp_path_factory):
    """A migrated SQLite file of its own, shared by the worker subprocess and this module."""
    path = tmp_path_factory.mktemp("worker-db") / "worker.sqlite3"
    url = f"sqlite:///{path}"
    migrated = run_manage("migrate", "--no-input", env={"DATABASE_URL": url}, timeout=120)
    assert migrated.returncode == 0, migrated.stderr
    return url


def _seed_expired_unsubscribe_token(database_url: str) -> None:
    """One expired unsubscribe token in the worker's database, so housekeeping has work."""
    code = (
        "from datetime import timedelta; from django.utils import timezone; "
        "from tests.factories import UnsubscribeTokenFactory; "
        "UnsubscribeTokenFactory(expires_at=timezone.now() - timedelta(days=1))"
    )
    seeded = run_manage("shell", "-c", code, env={"DATABASE_URL": database_url}, timeout=60)
    assert seeded.returncode == 0, seeded.stderr


async def _delete_schedule_if_any(client: Client) -> None:
    try:
        await client.get_schedule_handle(HOUSEKEEPING_SCHEDULE_ID).delete()
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise


@pytest.fixture
def start_worker(temporal_dev_server, worker_database, tmp_path):
    """Start `manage.py run_worker` on a fresh task queue; kill it at teardown if still up."""
    procs, logs = [], []

    def start(task_queue: str) -> subprocess.Popen:
        env = {
            **os.environ,
            "TEMPORAL_ADDRESS": temporal_dev_server,
            "TEMPORAL_TASK_QUEUE": task_queue,
            "DATABASE_URL": worker_database,
        }
        out, err = (tmp_path / "worker.out").open("wb"), (tmp_path / "worker.err").open("wb")
        logs.extend((out, err))
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "run_worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for log in logs:
        log.close()


@pytest.mark.asyncio
async def test_run_worker_polls_its_queue_creates_the_schedule_and_exits_0_on_sigterm(
    temporal_dev_server, worker_database, start_worker, tmp_path
):
    client = await Client.connect(temporal_dev_server)
    # The schedule lives in the shared dev server's namespace: start from none, so the worker
    # is what creates it.
    await _delete_schedule_if_any(client)
    _seed_expired_unsubscribe_token(worker_database)
    task_queue = f"run-worker-{uuid.uuid4()}"

    proc = start_worker(task_queue)
    try:
        # Only a worker polling `task_queue` can run this; the result comes from its activity
        # against its own database.
        result = await client.execute_workflow(
            HousekeepingWorkflow.run,
            id=f"housekeeping-{uuid.uuid4()}",
            task_queue=task_queue,
            execution_timeout=timedelta(seconds=30),
        )
        assert result == HousekeepingResult(expired_refresh_tokens=0, expired_unsubscribe_tokens=1)

        described = await client.get_schedule_handle(HOUSEKEEPING_SCHEDULE_ID).describe()
        action = described.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        assert action.workflow == "HousekeepingWorkflow"
        assert action.task_queue == task_queue
        assert [i.every for i in described.schedule.spec.intervals] == [timedelta(hours=1)]

        assert proc.poll() is None, "the worker exited on its own"
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        returncode = proc.wait(timeout=20)
        elapsed = time.monotonic() - started
    finally:
        await _delete_schedule_if_any(client)

    stderr = (tmp_path / "worker.err").read_text()
    assert returncode == 0, stderr
    assert elapsed < 15, f"took {elapsed:.1f} s to stop after SIGTERM"
    assert "Traceback" not in stderr
    assert "worker stopped" in (tmp_path / "worker.out").read_text()
