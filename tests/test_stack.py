"""`make run`'s supervisor, run as a user would: up, healthy, and nothing left after Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from workflows.devserver import free_port, port_open

ROOT = Path(__file__).resolve().parent.parent


def children_of(pid: int) -> set[int]:
    found, frontier = set(), {pid}
    while frontier:
        parent = frontier.pop()
        for status in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = status.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                child = int(status.parent.name)
                if child not in found:
                    found.add(child)
                    frontier.add(child)
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.timeout(180)
def test_run_serves_health_then_ctrl_c_stops_every_process(tmp_path):
    port, tport, uport = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEMPORAL_ADDRESS"}}
    env.update(
        PORT=str(port),
        TEMPORAL_DEV_PORT=str(tport),
        TEMPORAL_UI_PORT=str(uport),
        SOONISH_DATA_DIR=str(tmp_path),
        SECRET_KEY="",
        FIELD_ENCRYPTION_KEYS="",
    )
    stack = subprocess.Popen(
        [sys.executable, "-m", "soonish.stack"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline, health = time.monotonic() + 60, None
        while time.monotonic() < deadline and stack.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as r:
                    health = json.load(r)
                    break
            except OSError:
                time.sleep(0.5)
        assert health == {"status": "ok", "database": "ok", "temporal": "ok", "version": "0.1.0"}
        for path in ["/admin/login/", "/api/docs/"]:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
                assert r.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{uport}/", timeout=5) as r:
            assert r.status == 200  # the Temporal UI
        assert (tmp_path / "temporal.sqlite").exists()
        spawned = children_of(stack.pid)
        assert len(spawned) >= 3  # temporal, worker, gunicorn (+ its workers)
        stack.send_signal(signal.SIGINT)
        output, _ = stack.communicate(timeout=60)
        assert stack.returncode == 0, output
        time.sleep(0.5)
        assert [pid for pid in spawned if alive(pid)] == []
        assert not port_open("127.0.0.1", port)
        assert not port_open("127.0.0.1", tport)
        assert "Fatal Python error" not in output
    finally:
        if stack.poll() is None:
            stack.kill()
            stack.wait()
