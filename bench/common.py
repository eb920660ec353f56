"""What the benchmarks share: sizes, the machine, a fresh database, Soonish's processes."""

import os
import platform
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RESULTS = ROOT / "var" / "bench"


def quick() -> bool:
    return os.environ.get("QUICK", "") not in ("", "0")


def size(full: int) -> int:
    """`full` for a full run, a tenth of it with QUICK=1."""
    return max(1, full // 10) if quick() else full


def machine() -> str:
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.release()} {platform.machine()}, {os.cpu_count()} cores "
        f"({cpu}), {mem_gb:.0f} GiB, Python {platform.python_version()}"
    )


def report(name: str, line: str, markdown: str) -> None:
    """Print the final parseable line and keep it with the markdown section for the doc."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.md").write_text(markdown.strip() + "\n")
    (RESULTS / f"{name}.line").write_text(line + "\n")
    print(line, flush=True)


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a live process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process and its live children, in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(c) for c in found]


def wait_until(predicate, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


@contextmanager
def running(cmd: list[str], env: dict, log: Path | None = None):
    """A child process for the duration of the block, stopped with SIGTERM then SIGKILL."""
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=out)  # noqa: S603
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if log:
            out.close()


# --- Soonish's own processes -------------------------------------------------------------------

PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")


def fresh_postgres(name: str) -> str:
    """An empty PostgreSQL database `name` (dropped first if it exists); its DATABASE_URL."""
    import psycopg

    try:
        conn = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise SystemExit(
            f"the benchmarks need PostgreSQL at {PG_ADMIN_URL} (set BENCH_POSTGRES): {exc}"
        ) from None
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def soonish_env(database_url: str, **extra: str) -> dict:
    """Production-like settings for the benchmark's processes (DEBUG off, no throttles)."""
    data = RESULTS / "data"
    data.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        DEBUG="false",
        SECRET_KEY="bench-" + "x" * 60,
        FIELD_ENCRYPTION_KEYS="bench-field-key",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        SOONISH_DATA_DIR=str(data),
        SOONISH_ALLOWED_PRIVATE_NETWORKS="127.0.0.0/8",
        EMAIL_URL="dummymail://",
        THROTTLE_AUTH="1000000/min",
        THROTTLE_AUTH_EMAIL="1000000/min",
        THROTTLE_TEST_SEND="1000000/min",
        THROTTLE_SUBSCRIBE="1000000/min",
        THROTTLE_INVITE="1000000/min",
        CACHE_URL="locmemcache://",  # as measured first; production shares Redis
        SECURE_SSL_REDIRECT="false",  # plain HTTP on 127.0.0.1: no TLS proxy in front
    )
    env.update(extra)
    return env


def setup_django(env: dict) -> None:
    """Configure Django in this (driver) process with the same settings as the services."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soonish.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


class Services:
    """Temporal dev server, migrated database, worker and (optionally) gunicorn."""

    def __init__(self, env: dict, procs: dict, web_url: str | None):
        self.env, self.procs, self.web_url = env, procs, web_url

    @property
    def worker(self) -> subprocess.Popen:
        return self.procs["worker"]


@contextmanager
def soonish(env: dict, *, web_workers: int = 0, web_threads: int = 4):
    """Start Soonish's processes with `env`; logs in var/bench/logs. Yields Services."""
    from contextlib import ExitStack

    sys.path.insert(0, str(ROOT))
    from workflows.devserver import free_port, start_dev_server, stop

    logs = RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = dict(env)
    subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    with ExitStack() as stack:
        procs = {}
        if not env.get("TEMPORAL_ADDRESS"):
            port = free_port()
            with open(logs / "temporal.log", "ab") as log:
                server = start_dev_server(port=port, log=log)
            stack.callback(stop, server)
            env["TEMPORAL_ADDRESS"] = f"127.0.0.1:{port}"
            procs["temporal"] = server
        procs["worker"] = stack.enter_context(
            running([PYTHON, "manage.py", "run_worker"], env, logs / "worker.log")
        )
        web_url = None
        if web_workers:
            port = free_port()
            web_url = f"http://127.0.0.1:{port}"
            procs["web"] = stack.enter_context(
                running(
                    [
                        PYTHON, "-m", "gunicorn", "soonish.wsgi",
                        "--bind", f"127.0.0.1:{port}",
                        "--workers", str(web_workers),
                        "--threads", str(web_threads),
                    ],
                    env,
                    logs / "web.log",
                )
            )  # fmt: skip
            wait_until(lambda: _answers(f"{web_url}/api/health"), 60, "gunicorn's /api/health")
        yield Services(env, procs, web_url)


def _answers(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            return response.status == 200
    except OSError:
        return False


def bulk_users(n: int, *, prefix: str) -> list:
    """`n` verified users without a usable password, in one INSERT (no hashing)."""
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

    from soonish.accounts.models import User

    return User.objects.bulk_create(
        User(
            email=f"{prefix}-{i}@example.org",
            name=f"{prefix.title()} {i}",
            password=UNUSABLE_PASSWORD_PREFIX,
            is_verified=True,
        )
        for i in range(n)
    )


# --- A sink in its own process, and Apprise alone as the baseline ---------------------------------


class SinkProcess:
    """The client side of `python -m bench.sink`: URLs to it, and what it has received."""

    def __init__(self, port: int, proc: subprocess.Popen):
        self.port, self.proc = port, proc
        self.base = f"http://127.0.0.1:{port}"

    def url(self, i: int, scheme: str = "json") -> str:
        """An Apprise URL of its own for recipient `i`: the sink counts distinct paths."""
        return f"{scheme}://127.0.0.1:{self.port}/n/{i}"

    def _call(self, path: str, method: str = "GET") -> bytes:
        import urllib.request

        request = urllib.request.Request(self.base + path, method=method)  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.read()

    def status(self) -> dict:
        """{"count", "distinct", "first", "last"}: requests, distinct paths, wall-clock times."""
        import json

        return json.loads(self._call("/status"))

    def reset(self) -> None:
        self._call("/reset", "POST")

    def wait_for(self, n: int, timeout: float, interval: float = 0.1) -> dict:
        """Wait until `n` requests have arrived; the status then (TimeoutError if they do not)."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.status()
            if status["count"] >= n:
                return status
            if self.proc.poll() is not None:
                raise RuntimeError(f"the sink exited with code {self.proc.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"timed out after {timeout:g} s: the sink has {status['count']} of {n}"
                )
            time.sleep(interval)


@contextmanager
def sink():
    """A lean HTTP sink (bench/sink.py) in a process of its own, for the whole block."""
    sys.path.insert(0, str(ROOT))
    from workflows.devserver import free_port, port_open

    port = free_port()
    logs = RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with running(
        [PYTHON, "-m", "bench.sink", str(port)], dict(os.environ), logs / "sink.log"
    ) as proc:
        wait_until(lambda: port_open("127.0.0.1", port), 10, "the sink's port")
        yield SinkProcess(port, proc)


# What every fan-out benchmark sends: about the size of Soonish's update message.
TITLE = "Changed: Launch"
BODY = (
    "Launch has changed:\n\n• Place: Dock 4 → Pier 9\n\n"
    "Starts Thu 24 Dec 2026, 18:00 (Europe/Paris) · Pier 9\nhttp://127.0.0.1:8000/events/1"
    "\n\nUnsubscribe: http://127.0.0.1:8000/unsubscribe?token=" + "x" * 64
)


def apprise_alone(urls: list[str], *, title: str = TITLE, body: str = BODY) -> tuple[float, float]:
    """The baseline, in a fresh process that loads nothing but Apprise (bench/alone.py):
    one Apprise object holding every URL, one `notify()`.

    That is the fastest way Apprise itself offers: its shared thread pool sends them
    concurrently (faster here than `async_notify()`, than a pool of our own, and than one
    object per URL). Parsing the URLs is part of the time: Soonish parses each one too.
    Returns (wall-clock time the sends started, CPU seconds that process spent); the sink
    has the end.
    """
    import json

    request = json.dumps({"urls": urls, "title": title, "body": body})
    done = subprocess.run(  # noqa: S603
        [PYTHON, "-m", "bench.alone"], cwd=ROOT, input=request, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"Apprise alone failed: {done.stderr.strip()[-500:]}")
    answer = json.loads(done.stdout)
    return answer["started"], answer["cpu"]


def new_event(*, start, name: str = "Launch", email: str = "organizer@example.org"):
    """An event through the service (its workflow starts), organized by a new user."""
    from events.services import event_create
    from soonish.accounts.models import User

    organizer, _ = User.objects.get_or_create(email=email)
    return event_create(
        organizer=organizer, name=name, start=start, time_zone="Europe/Paris", location="Dock 4"
    )


def add_subscribers(event_id: int, urls: list[str], offsets=(), chunk: int = 5_000) -> None:
    """tests/bulk.py's add_subscribers in chunks (memory stays flat), with a progress line."""
    from tests.bulk import add_subscribers as add

    started = time.monotonic()
    for i in range(0, len(urls), chunk):
        add(event_id, urls[i : i + chunk], offsets)
        print(f"  subscribers {min(i + chunk, len(urls))}/{len(urls)}", end="\r", flush=True)
    print(f"\r  {len(urls)} subscribers in {time.monotonic() - started:.1f} s   ", flush=True)


def wait_for_ledger(event_id: int, kind: str, n: int, timeout: float = 60) -> None:
    """Wait until `n` deliveries of this kind are recorded as sent (the ledger flushes last)."""
    from notifications.models import Delivery

    sent = Delivery.objects.filter(event_id=event_id, kind=kind, status=Delivery.Status.SENT)
    wait_until(lambda: sent.count() >= n, timeout, f"{n} sent {kind} deliveries", interval=0.2)
    if sent.count() != n:
        raise RuntimeError(f"{sent.count()} sent {kind} deliveries, expected {n}")


def children(name: str) -> list[int]:
    """Pids of this process's children whose command line contains `name`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if (
                not entry.name.isdigit()
                or f"PPid:\t{os.getpid()}\n" not in (entry / "status").read_text()
            ):
                continue
            if name in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def postgres_backends(database: str) -> list[int]:
    """Pids of the PostgreSQL server processes serving `database` (when on this machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [database])
        return [pid for (pid,) in cursor.fetchall() if Path(f"/proc/{pid}").exists()]


class CPU:
    """CPU seconds that groups of processes use from now on.

    `pids` maps a name to a list of pids or to a function listing them: a process that starts
    meanwhile (a new database connection) counts in full, one that ends takes its time with it.
    """

    def __init__(self, pids: dict):
        self.pids = pids
        self.start = {kind: self._times(kind) for kind in pids}

    def _times(self, kind: str) -> dict[int, float]:
        pids = self.pids[kind]
        times = {}
        for pid in pids() if callable(pids) else pids:
            with suppress(OSError):
                times[pid] = cpu_seconds(pid)
        return times

    def used(self) -> dict[str, float]:
        used = {}
        for kind, start in self.start.items():
            now = self._times(kind)
            used[kind] = sum(t - start.get(pid, 0.0) for pid, t in now.items())
        return used


def update_reaches_all(event, sink: SinkProcess, n: int) -> tuple[float, float]:
    """Change the event's place through the service (what PATCH /api/events/<id> calls);
    (seconds from the call to the first, and to the last notification at the sink)."""
    from events.services import event_update

    sink.reset()
    started = time.time()
    event_update(event=event, location=f"Pier {int(started) % 1000}")
    status = sink.wait_for(n, timeout=max(120, n / 20))
    if status["distinct"] != n or status["count"] != n:
        raise RuntimeError(f"{status['count']} notifications to {status['distinct']} of {n}")
    wait_for_ledger(event.pk, "update", n)
    return status["first"] - started, status["last"] - started
