"""`make run`: Soonish on one machine with nothing to configure.

Migrates, starts the embedded Temporal dev server (unless TEMPORAL_ADDRESS is set), the
worker and gunicorn, waits until /api/health answers, prints where everything is, and on
Ctrl-C (or SIGTERM) stops every process it started.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import environ

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def say(message: str) -> None:
    print(f"soonish: {message}", flush=True)


class Stack:
    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, cmd: list[str], env: dict, log: Path | None = None):
        out = open(log, "ab") if log else None  # noqa: SIM115 - closed with the process
        # A session of its own: Ctrl-C reaches only this supervisor, which stops children in order.
        proc = subprocess.Popen(  # noqa: S603 - fixed commands from this project
            cmd, cwd=ROOT, env=env, start_new_session=True, stdout=out, stderr=out
        )
        self.procs.append((name, proc))
        return proc

    def stop(self) -> None:
        """Stop in reverse start order, each before the next: the worker drains while
        Temporal is still up."""
        for name, proc in reversed(self.procs):
            if proc.poll() is not None:
                continue
            say(f"stopping {name}")
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def exited(self) -> tuple[str, int] | None:
        for name, proc in self.procs:
            if proc.poll() is not None:
                return name, proc.returncode
        return None


def manage(*args: str, env: dict) -> None:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=False)  # noqa: S603
    if result.returncode:
        say(f"`manage.py {' '.join(args)}` failed (exit {result.returncode}); see above.")
        raise SystemExit(result.returncode)


def wait_healthy(url: str, stack: Stack, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stack.exited():
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    environ.Env.read_env(ROOT / ".env", overwrite=False)
    env = dict(os.environ)
    env.setdefault("DEBUG", "true")  # a local run; production sets DEBUG off and real secrets
    data = Path(env.setdefault("SOONISH_DATA_DIR", str(ROOT / "var")))
    data.mkdir(parents=True, exist_ok=True)
    (data / "logs").mkdir(exist_ok=True)
    port = env.get("PORT", "8000")
    site = f"http://127.0.0.1:{port}"
    env.setdefault("SOONISH_BASE_URL", site)

    stack = Stack()
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        say("migrating the database")
        manage("migrate", "--noinput", "-v0", env=env)
        manage("collectstatic", "--noinput", "-v0", env=env)

        ui = None
        if not env.get("TEMPORAL_ADDRESS"):
            from workflows.devserver import port_open, start_dev_server

            tport = int(env.get("TEMPORAL_DEV_PORT", "7233"))
            uport = int(env.get("TEMPORAL_UI_PORT", str(tport + 1000)))
            if port_open("127.0.0.1", tport):
                say(
                    f"port {tport} is taken (another Temporal?). Stop it, set TEMPORAL_DEV_PORT "
                    "to a free port, or set TEMPORAL_ADDRESS to use it."
                )
                return 1
            say(f"starting the Temporal dev server on 127.0.0.1:{tport} (state in {data})")
            with open(data / "logs" / "temporal.log", "ab") as log:
                proc = start_dev_server(
                    port=tport, ui_port=uport, db_file=data / "temporal.sqlite", log=log
                )
            stack.procs.append(("temporal", proc))
            env["TEMPORAL_ADDRESS"] = f"127.0.0.1:{tport}"
            ui = f"http://127.0.0.1:{uport}"

        say("starting the worker")
        stack.start("worker", [PYTHON, "manage.py", "run_worker"], env)
        say(f"starting the web server on {site}")
        stack.start(
            "web",
            [
                PYTHON, "-m", "gunicorn", "soonish.wsgi",
                "--bind", f"127.0.0.1:{port}",
                "--workers", env.get("WEB_CONCURRENCY", "2"),
                "--threads", "4",
                "--graceful-timeout", "10",
            ],
            env,
        )  # fmt: skip
        if not wait_healthy(f"{site}/api/health", stack):
            failed = stack.exited()
            say(f"{failed[0]} exited with code {failed[1]}" if failed else "not healthy in 60 s")
            stack.stop()
            return 1
        print(
            "\n"
            f"  Soonish is running.\n"
            f"    site         {site}/\n"
            f"    admin        {site}/admin/\n"
            f"    API docs     {site}/api/docs/\n"
            f"    health       {site}/api/health\n"
            + (
                f"    Temporal UI  {ui}\n"
                if ui
                else f"    Temporal     {env['TEMPORAL_ADDRESS']}\n"
            )
            + "\n  Create a staff account (in another terminal):\n"
            "    .venv/bin/python manage.py createsuperuser\n"
            "\n  Press Ctrl-C to stop everything.\n",
            flush=True,
        )
        while True:
            failed = stack.exited()
            if failed:
                say(f"{failed[0]} exited with code {failed[1]}; stopping the rest")
                stack.stop()
                return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        print()
        stack.stop()
        say("stopped")
        return 0


if __name__ == "__main__":
    sys.exit(main())
