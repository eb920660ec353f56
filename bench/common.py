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
