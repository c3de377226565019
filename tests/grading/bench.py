"""How fast `make grade` grades a class: `make bench-grading`.

    python -m tests.grading.bench --students 50 --workers 1 2

Builds a synthetic class of N students from `classroom` (right, blank, buggy
and crashing in turn), grades it once per worker count with `python -m
course_utils.grading` in a fresh course folder, and prints seconds per
student, students per minute, a correct student's own grading time, and the
peak memory of each worker with the processes it starts (the grading
process and the notebooks' kernels), sampled every 0.2 s.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from course_utils.grading.unit import nbgrader_environment
from tests.grading.classroom import ASSIGNMENT, write_student

REPO = Path(__file__).resolve().parents[2]
MIX = ("perfect", "blank", "classic_bugs", "kernel_killer")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    env = nbgrader_environment()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as folder:
        template = Path(folder) / "template"
        template.mkdir()
        shutil.copy(REPO / "nbgrader_config.py", template)
        (template / "source").mkdir()
        (template / "source" / ASSIGNMENT).symlink_to(REPO / "notebooks")
        subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT],
            cwd=template,
            env=env,
            check=True,
            capture_output=True,
        )
        release = template / "release" / ASSIGNMENT
        for number in range(args.students):
            kind = MIX[number % len(MIX)]
            write_student(
                template, f"{kind}-{number:03d}", kind, release, REPO / "notebooks"
            )
        print(
            f"{args.students} students ({', '.join(MIX)} in turn), "
            f"{os.cpu_count()} cores"
        )
        print(
            "workers  wall s  s/student  students/min  correct student s  "
            "peak MB/worker"
        )
        for workers in args.workers:
            course = Path(folder) / f"course-{workers}"
            shutil.copytree(template, course, symlinks=True)
            wall, output, peaks = _grade(course, workers, env)
            correct = [
                float(seconds)
                for seconds in re.findall(r"\] perfect-\d+: (\d+) s", output)
            ]
            print(
                f"{workers:>7}  {wall:>6.0f}  {wall / args.students:>9.1f}  "
                f"{60 * args.students / wall:>12.2f}  "
                f"{sum(correct) / max(len(correct), 1):>17.1f}  "
                f"{max(peaks, default=0):>14.0f}",
                flush=True,
            )
    return 0


def _grade(course: Path, workers: int, env: dict):
    """Grade the class; return (wall seconds, output, peak MB of each worker)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "course_utils.grading", "--workers", str(workers)],
        cwd=course,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    peaks: dict[int, float] = {}
    sampler = threading.Thread(target=_sample, args=(process.pid, peaks), daemon=True)
    sampler.start()
    output = process.communicate()[0]
    wall = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"grading failed ({process.returncode}):\n{output}")
    return wall, output, [peak for peak in peaks.values() if peak > 300]


def _sample(pid: int, peaks: dict) -> None:
    """Record, for each child of `pid` (a Dask worker), the largest sum of the
    resident memory of it and all its descendants."""
    try:
        main = psutil.Process(pid)
        while main.is_running() and main.status() != psutil.STATUS_ZOMBIE:
            for child in main.children():
                total = 0
                for process in [child, *child.children(recursive=True)]:
                    try:
                        total += process.memory_info().rss
                    except psutil.Error:
                        pass
                peaks[child.pid] = max(peaks.get(child.pid, 0), total / 2**20)
            time.sleep(0.2)
    except psutil.Error:
        return


if __name__ == "__main__":
    sys.exit(main())
