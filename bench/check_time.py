"""Wall time of `stackc check` as a user runs it: a fresh process per run, median of several.

    python bench/check_time.py                 # shop example + 100, 1000, 5000 services
    python bench/check_time.py --sizes 100 1000 --runs 3

Targets (issue: front end): shop ≤ 200 ms cold, 1,000 services ≤ 2 s, time linear in size.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generate import generate

HERE = Path(__file__).resolve().parent
SHOP = HERE.parent / "examples" / "shop" / "platform.stack"


def stackc_command() -> list[str]:
    found = shutil.which("stackc", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "stackc.cli"]


def time_check(path: Path, runs: int) -> tuple[float, int]:
    samples = []
    rc = 0
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([*stackc_command(), "check", str(path)], capture_output=True, check=False)
        samples.append(time.perf_counter() - start)
        rc = proc.returncode
    return statistics.median(samples), rc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000, 5000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    rows = []
    seconds, rc = time_check(SHOP, args.runs)
    rows.append(("shop example", SHOP.read_text().count("\n"), seconds, rc))
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"stack-{size}.stack"
            path.write_text(generate(size), encoding="utf-8")
            seconds, rc = time_check(path, max(1, args.runs if size <= 1000 else 2))
            rows.append((f"{size} services", path.read_text().count("\n"), seconds, rc))

    print(f"{'program':<16} {'lines':>8} {'wall (median)':>14} {'per 1k lines':>13}  exit")
    for name, lines, seconds, rc in rows:
        print(f"{name:<16} {lines:>8} {seconds * 1000:>11.0f} ms {seconds / lines * 1000 * 1000:>10.1f} ms  {rc}")


if __name__ == "__main__":
    main()
