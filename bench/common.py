"""What the benchmarks share: sizes, the machine, a fresh database, Soonish's processes."""

import os
import platform
import subprocess
import sys
import time
from contextlib import contextmanager
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
