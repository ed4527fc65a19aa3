"""Benchmark of the judging domain at national scale.

* assignment: 100,000 entries x 3 judges across 2,000 judges in ~200 units;
* aggregation: 500,001 scores (166,667 entries x 3 judges), then calibration and z-scores.

Every measurement runs in its own fresh interpreter so the peaks do not mix: one run times
the call and reads the process peak RSS (``ru_maxrss``), a second run traces the call with
``tracemalloc`` (which slows it down, so it is not timed for the target). Targets: < 10 s
and < 1 GiB each.

    .venv/bin/python bench/judging_bench.py
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

N_ENTRIES = 100_000
N_JUDGES = 2_000
K = 3
SCORE_ENTRIES = 166_667
SCORE_JUDGES_PER_ENTRY = 3
TIME_TARGET_S = 10.0
MEMORY_TARGET_MIB = 1024.0

CATEGORIES = [
    "thủ tục hành chính",
    "chuyển đổi số",
    "tổ chức bộ máy",
    "công vụ - công chức",
    "tài chính công",
    "dịch vụ công trực tuyến",
]
DEPARTMENTS = [
    "Sở Nội vụ",
    "Sở Tài chính",
    "Sở Tư pháp",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "Sở Xây dựng",
    "Sở Công Thương",
    "Sở Nông nghiệp và Môi trường",
    "Sở Khoa học và Công nghệ",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Dân tộc và Tôn giáo",
    "Văn phòng UBND tỉnh",
    "Thanh tra tỉnh",
    "Ban Quản lý các khu công nghiệp",
    "Bảo hiểm xã hội tỉnh",
    "Cục Thuế tỉnh",
    "Kho bạc Nhà nước khu vực",
    "Trung tâm Phục vụ hành chính công tỉnh",
]
FIRST = ["Đại", "Tân", "Hòa", "An", "Phú", "Bình", "Xuân", "Đông", "Tây", "Nam", "Vĩnh", "Phúc", "Long", "Quang"]
SECOND = ["Đồng", "Lâm", "Sơn", "Thành", "Hưng", "Lộc", "Thịnh", "Yên", "Phong", "Minh", "Hải", "Trung", "Tiến", "Khê"]


def unit_names(count: int = 200) -> list[str]:
    """About 200 made-up but plausible Vietnamese agencies: departments, districts, communes."""
    rng = random.Random(1)
    places = [f"{a} {b}" for a in FIRST for b in SECOND if a != b]
    rng.shuffle(places)
    names = list(DEPARTMENTS)
    names += [f"UBND huyện {p}" for p in places[:30]]
    names += [f"UBND phường {p}" for p in places[30:60]]
    names += [f"UBND xã {p}" for p in places[60 : 60 + count - len(names)]]
    return names[:count]


def assignment_inputs() -> tuple[list[Any], list[Any]]:
    from services.judging.domain.assignment import EntryRef, JudgeRef

    rng = random.Random(2026)
    units = unit_names()
    # departments send more judges and more entries than a commune does
    judge_weight = [6.0 if u.startswith(("Sở", "Văn", "Thanh", "Ban")) else 1.0 for u in units]
    entry_weight = [3.0 if u.startswith("UBND huyện") else 1.5 if u.startswith("Sở") else 1.0 for u in units]
    judges = [
        JudgeRef(
            f"gk-{i:05d}",
            rng.choices(units, judge_weight)[0],
            frozenset(rng.sample(CATEGORIES, rng.choice([0, 1, 2, 2, 3]))),
        )
        for i in range(N_JUDGES)
    ]
    entries = [
        EntryRef(f"HS-{i:06d}", rng.choices(units, entry_weight)[0], rng.choice(CATEGORIES)) for i in range(N_ENTRIES)
    ]
    return entries, judges


def score_rows() -> list[tuple[str, str, tuple[float, float, float, float]]]:
    rng = random.Random(7)
    rows = []
    for e in range(SCORE_ENTRIES):
        entry_id = f"HS-{e:06d}"
        for j in rng.sample(range(N_JUDGES), SCORE_JUDGES_PER_ENTRY):
            values = (
                rng.randrange(0, 61) / 2,
                rng.randrange(0, 81) / 2,
                rng.randrange(0, 41) / 2,
                rng.randrange(0, 21) / 2,
            )
            rows.append((entry_id, f"gk-{j:05d}", values))
    return rows


def measure(call: Callable[[], Any], traced: bool) -> dict[str, float]:
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    result = call()
    elapsed = time.perf_counter() - started
    figures = {"seconds": elapsed, "rss_inputs_mib": rss_before}
    if traced:
        figures["traced_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    figures["rss_peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures.update(check(result))
    return figures


def check(result: Any) -> dict[str, float]:
    """Cheap sanity figures so a fast but wrong run does not look good."""
    from services.judging.domain.assignment import Assignment

    if isinstance(result, Assignment):
        loads = result.loads()
        return {"load_spread": max(loads.values()) - min(loads.values()), "max_load": max(loads.values())}
    if isinstance(result, dict):
        return {"items": len(result)}
    return {}


def child(name: str, traced: bool) -> dict[str, float]:
    if name == "assign":
        from services.judging.domain.assignment import assign_judges, normalise_unit

        entries, judges = assignment_inputs()
        figures = measure(lambda: assign_judges(entries, judges, K, seed=20260101), traced)
        if not traced:
            by_id = {j.judge_id: j for j in judges}
            assignment = assign_judges(entries, judges, K, seed=20260101)
            own_unit = sum(
                normalise_unit(by_id[j].unit) == normalise_unit(e.unit) for e in entries for j in assignment[e.entry_id]
            )  # must be 0
            matched = sum(
                not by_id[j].categories or e.category in by_id[j].categories
                for e in entries
                for j in assignment[e.entry_id]
            )
            figures["own_unit_pairs"] = own_unit
            figures["category_match_rate"] = matched / (K * N_ENTRIES)
        return figures
    if name == "aggregate":
        from services.judging.domain.aggregation import aggregate_many
        from services.judging.domain.rubric import default_rubric

        rubric, rows = default_rubric(), score_rows()
        return measure(lambda: aggregate_many(rubric, rows, 15.0), traced)
    if name == "calibrate":
        from services.judging.domain.aggregation import aggregate_many, calibration, z_score_totals
        from services.judging.domain.rubric import default_rubric

        results = list(aggregate_many(default_rubric(), score_rows(), 15.0).values())
        return measure(lambda: z_score_totals(results, calibration(results)), traced)
    raise SystemExit(f"unknown measurement {name!r}")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], sys.argv[3] == "traced")))
        return
    print(f"Python {sys.version.split()[0]}; each figure from a fresh interpreter")
    labels = {
        "assign": f"assign {N_ENTRIES:,} entries x {K} across {N_JUDGES:,} judges",
        "aggregate": f"aggregate {SCORE_ENTRIES * SCORE_JUDGES_PER_ENTRY:,} scores",
        "calibrate": f"calibration + z-scores over {SCORE_ENTRIES:,} results",
    }
    ok = True
    for name, label in labels.items():
        runs = {}
        for mode in ("timed", "traced"):
            done = subprocess.run(
                [sys.executable, __file__, "--child", name, mode], capture_output=True, text=True, check=True
            )
            runs[mode] = json.loads(done.stdout)
        timed, traced = runs["timed"], runs["traced"]
        within = timed["seconds"] < TIME_TARGET_S and max(timed["rss_peak_mib"], traced["traced_peak_mib"]) < (
            MEMORY_TARGET_MIB
        )
        ok = ok and within
        print(f"\n{label}: {'OK' if within else 'OVER TARGET'}")
        print(f"  wall time            {timed['seconds']:8.2f} s")
        print(
            f"  peak RSS (process)   {timed['rss_peak_mib']:8.1f} MiB  "
            f"(inputs alone: {timed['rss_inputs_mib']:.1f} MiB)"
        )
        print(
            f"  tracemalloc peak     {traced['traced_peak_mib']:8.1f} MiB  (allocated by the call; "
            f"{traced['seconds']:.2f} s under tracing)"
        )
        extras = {k: v for k, v in timed.items() if k not in {"seconds", "rss_peak_mib", "rss_inputs_mib"}}
        if extras:
            print("  checks               " + ", ".join(f"{k}={v:g}" for k, v in extras.items()))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
