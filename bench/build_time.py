"""Wall time and peak memory of `stackc build` as a user runs it: a fresh process per run.

    python bench/build_time.py                       # 100 and 1000 services, every target
    python bench/build_time.py --sizes 1000 --target kubernetes --runs 3

Each run builds into an empty folder (the writer's work included: staging, hashing, manifest).
Peak memory is the child's maximum resident set size (`getrusage(RUSAGE_CHILDREN)`), so each
run is its own process and the figure is that run's.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from check_time import stackc_command
from generate import generate


def run_build(path: Path, out: Path, targets: list[str]) -> tuple[float, int, int, int]:
    """(seconds, peak RSS in MiB, files written, exit code) of one build in a fresh process."""
    command = [*stackc_command(), "build", str(path), "-o", str(out)]
    for target in targets:
        command += ["--target", target]
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    files = sum(1 for p in out.rglob("*") if p.is_file())
    return seconds, peak, files, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000])
    parser.add_argument("--target", action="append", default=[], help="only these targets (default: all)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    print(f"{'program':<16} {'targets':<12} {'wall (median)':>14} {'peak RSS':>9} {'files':>7}  exit")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"stack-{size}.stack"
            path.write_text(generate(size), encoding="utf-8")
            samples, peaks = [], []
            files = rc = 0
            for run in range(args.runs):
                seconds, peak, files, rc = run_build(path, Path(tmp) / f"out-{size}-{run}", args.target)
                samples.append(seconds)
                peaks.append(peak)
            label = ",".join(args.target) or "all"
            wall = f"{statistics.median(samples) * 1000:>11.0f} ms"
            print(f"{f'{size} services':<16} {label:<12} {wall} {max(peaks):>5} MiB {files:>7}  {rc}")


if __name__ == "__main__":
    main()
