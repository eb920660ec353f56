"""Fixtures of the fault tests: worker processes that can be killed, a PostgreSQL of their own."""

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.db import connection

from workflows.devserver import free_port

ROOT = Path(__file__).resolve().parents[2]


def suite_database_url() -> str:
    """The URL of the database this test run uses (pytest-django's test database)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class WorkerProcesses:
    """`manage.py run_worker` children, each logging to a file; all stopped after the test."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []

    def start(
        self, *, task_queue: str, temporal: str, database_url: str, **env
    ) -> subprocess.Popen:
        log = open(self.log_dir / f"worker-{len(self.procs)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker"],
            cwd=ROOT,
            env={
                **os.environ,
                "DATABASE_URL": database_url,
                "TEMPORAL_ADDRESS": temporal,
                "TEMPORAL_TASK_QUEUE": task_queue,
                "SOONISH_ALLOWED_PRIVATE_NETWORKS": "127.0.0.0/8",
                "LOG_LEVEL": "WARNING",
                **env,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def logs(self) -> str:
        """Every worker's output, for a failure message."""
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.log_dir.glob("worker-*.log"))
        )

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def worker_processes(tmp_path):
    workers = WorkerProcesses(tmp_path)
    yield workers
    workers.stop_all()


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL: no handler runs, nothing is flushed, in-flight sends die with the process."""
    proc.send_signal(signal.SIGKILL)
    proc.wait()


class Postgres:
    """A PostgreSQL server of the test's own (initdb in a temporary directory, a free port)."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="soonish-pg-"))
        self.data = self.dir / "data"
        # initdb refuses to run as root: run the server as the postgres user then.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.dir, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [*self.as_user, str(self.bin_dir / tool), *args],
            cwd=self.dir,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode:
            raise RuntimeError(f"{tool} {' '.join(args)} failed:\n{done.stdout}{done.stderr}")

    def _ctl(self, action: str, *args: str) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir}"
            " -c fsync=off -c full_page_writes=off"
        )
        log = str(self.dir / "server.log")
        self._run("pg_ctl", action, "-w", "-D", str(self.data), "-l", log, "-o", options, *args)

    def start(self) -> "Postgres":
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
        )
        self._ctl("start")
        return self

    def restart(self) -> None:
        """Fast shutdown (every session is terminated), then start again on the same port."""
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError):  # never started, or already stopped
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def postgres_bin_dir() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[4])
    )
    return Path(found[-1]).parent if found else None


@pytest.fixture
def own_postgres():
    """A PostgreSQL server only this test uses (it restarts it); skipped without the binaries,
    except under CI, where their absence is a failure."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        message = "needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin/pg_ctl)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; they are required under CI")
        pytest.skip(f"{message}: apt install postgresql")
    server = Postgres(bin_dir).start()
    yield server
    server.stop()
