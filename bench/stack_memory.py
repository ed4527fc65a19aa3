"""Resident memory of the whole local stack (Kafka, FerretDB, nginx, the four services).

    .venv/bin/python bench/stack_memory.py [--profile dev] [--seconds 60]

Samples every process started by the runner (and their children) once a second and prints
the current and peak total RSS. Run it while the stack does work (a test run, a benchmark) to
see the peak under load.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deploy.local.infra import PROFILES, Proc
from deploy.local.runner import ORDER


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out += [int(c) for c in (task / "children").read_text().split()]
    return out


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def sample(profile_name: str) -> dict[str, int]:
    totals: dict[str, int] = {}
    for name in ORDER:
        pid = Proc(name, PROFILES[profile_name]).pid()
        if pid is None:
            continue
        stack, seen, kib = [pid], set(), 0
        while stack:
            p = stack.pop()
            if p in seen:
                continue
            seen.add(p)
            kib += rss_kib(p)
            stack += children(p)
        totals[name] = kib
    return totals


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", default="dev", choices=sorted(PROFILES))
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    peak_total = 0
    peak_by: dict[str, int] = {}
    for _ in range(max(1, args.seconds)):
        s = sample(args.profile)
        for k, v in s.items():
            peak_by[k] = max(peak_by.get(k, 0), v)
        peak_total = max(peak_total, sum(s.values()))
        time.sleep(1)
    for name, kib in sorted(peak_by.items(), key=lambda kv: -kv[1]):
        print(f"{name:<11} peak {kib / 1024:8.1f} MiB")
    print(f"{'TOTAL':<11} peak {peak_total / 1024:8.1f} MiB (sum of simultaneous RSS)")


if __name__ == "__main__":
    main()
