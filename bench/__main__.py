"""`python -m bench [name ...]`: run the benchmarks, each in a process of its own.

QUICK=1 runs them at a tenth of the size. A full-size run of all of them rewrites
docs/benchmarks.md with the figures, the date and the machine.
"""

import subprocess
import sys
from datetime import UTC, datetime

from bench.common import PYTHON, RESULTS, ROOT, machine, quick

ORDER = ["fanout", "reminders", "api", "subscribe", "scale"]


def main(argv: list[str]) -> int:
    names = argv or ORDER
    unknown = [n for n in names if n not in ORDER]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(ORDER)}")
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    lines, failed = [], []
    for name in names:
        print(f"\n=== bench {name}{' (QUICK)' if quick() else ''} ===", flush=True)
        (RESULTS / f"{name}.md").unlink(missing_ok=True)
        code = subprocess.call([PYTHON, "-m", f"bench.{name}"], cwd=ROOT)  # noqa: S603
        result = RESULTS / f"{name}.line"
        if code or not result.exists():
            failed.append(name)
            lines.append(f"bench {name}: FAILED exit={code}")
        else:
            lines.append(result.read_text().strip())
    print("\n=== summary ===")
    print("\n".join(lines), flush=True)
    if not quick() and not failed and names == ORDER:
        write_doc()
        print(f"figures written to {ROOT / 'docs' / 'benchmarks.md'}")
    return 1 if failed else 0


def write_doc() -> None:
    sections = [(RESULTS / f"{name}.md").read_text().strip() for name in ORDER]
    lines = [(RESULTS / f"{name}.line").read_text().strip() for name in ORDER]
    doc = ROOT / "docs" / "benchmarks.md"
    doc.parent.mkdir(exist_ok=True)
    doc.write_text(
        "# Benchmarks\n\n"
        "Measured by `make bench` (full size). Every ratio compares Soonish with a baseline "
        "measured in the same run on the same machine, so the ratios matter more than the "
        "absolute figures.\n\n"
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
        f"- Machine: {machine()}\n\n"
        "```\n" + "\n".join(lines) + "\n```\n\n" + "\n\n".join(sections) + "\n"
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
