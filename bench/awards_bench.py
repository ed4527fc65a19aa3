"""Benchmark of the awards domain: ranking + allocation at national scale, certificates.

Run: ``.venv/bin/python bench/awards_bench.py``.  Every measurement runs in a fresh
subprocess so that one does not warm caches or inflate the peak memory of another; timing
and ``tracemalloc`` are separate runs because tracing slows Python code down.

Targets: ranking + allocation of 100,000 entries < 2 s and < 500 MiB;
certificates >= 50 PDFs/s on 2 cores.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from services.awards.domain.allocation import PrizeStructure, Tier, rank_and_allocate  # noqa: E402
from services.awards.domain.certificates import (  # noqa: E402
    CertificateData,
    bulk_zip,
    render_certificate,
    verification_code,
)
from services.awards.domain.ranking import EntryScores  # noqa: E402
from services.awards.domain.result_hash import compute_official, compute_result  # noqa: E402

N_ENTRIES = 100_000
N_PDFS = 200
CATEGORIES = (
    "thu-tuc-hanh-chinh",
    "chuyen-doi-so",
    "to-chuc-bo-may",
    "cong-vu-cong-chuc",
    "tai-chinh-cong",
    "dich-vu-cong-truc-tuyen",
)
MIB = 1024 * 1024


def make_entries(n: int, seed: int = 2026) -> list[EntryScores]:
    """Realistic-looking scores: 3 or 5 judges, 2-decimal totals (many ties), late rush."""
    rng = random.Random(seed)
    deadline = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)
    out = []
    for i in range(n):
        quality = rng.betavariate(5, 2)
        means = {
            "novelty": round(30 * min(1.0, max(0.0, rng.gauss(quality, 0.1))), 2),
            "effectiveness": round(40 * min(1.0, max(0.0, rng.gauss(quality, 0.1))), 2),
            "applicability": round(20 * min(1.0, max(0.0, rng.gauss(quality, 0.1))), 2),
            "presentation": round(10 * min(1.0, max(0.0, rng.gauss(quality, 0.1))), 2),
        }
        base = sum(means.values())
        judges = tuple(round(min(100.0, max(0.0, rng.gauss(base, 4))), 1) for _ in range(rng.choice((3, 5))))
        hours_before = rng.expovariate(1 / 72)  # most entries arrive in the last days
        out.append(
            EntryScores(
                entry_id=f"VN-2026-{i:06d}",
                category=CATEGORIES[i % len(CATEGORIES)],
                submitted_at=deadline - timedelta(hours=hours_before),
                judge_totals=judges,
                criterion_means=means,
                official_total=sum(judges) / len(judges),
                title=f"Sáng kiến cải cách hành chính số {i}",
            )
        )
    return out


def structure() -> PrizeStructure:
    national = (
        Tier("first", "Giải Nhất", 1, 30_000_000, 70),
        Tier("second", "Giải Nhì", 2, 20_000_000, 70),
        Tier("third", "Giải Ba", 3, 10_000_000, 70),
        Tier("honourable", "Giải Khuyến khích", 5, 5_000_000, 70),
    )
    per_field = tuple(Tier(f"best-{c}", f"Giải Lĩnh vực {c}", 3, 3_000_000, 75, category=c) for c in CATEGORIES)
    return PrizeStructure(national + per_field, ("criterion:effectiveness", "median", "submitted_at"))


def cert(i: int) -> CertificateData:
    return CertificateData(
        issuing_body="SỞ NỘI VỤ TỈNH BẮC NINH",
        author_name=f"Nguyễn Thị Hồng Nhung {i}",
        unit="UBND xã Đại Đồng, tỉnh Bắc Ninh",
        title="Số hoá quy trình tiếp nhận hồ sơ đất đai tại Bộ phận Một cửa",
        tier_name="Giải Ba",
        contest_name="Cuộc thi sáng kiến cải cách hành chính tỉnh Bắc Ninh năm 2026",
        place="Bắc Ninh",
        issued_on=date(2026, 11, 25),
        verification_code=verification_code(b"bench-secret-0123456789", "bn-2026", f"E{i}", 0),
        verify_url="https://sangkien.example.vn/xac-thuc",
        entry_code=f"BN-2026-{i:05d}",
        governing_body="UBND TỈNH BẮC NINH",
        signer_name="Trần Văn Minh",
    )


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --- child measurements -----------------------------------------------------------------


def child_rank_time() -> dict[str, float]:
    entries = make_entries(N_ENTRIES)
    s = structure()
    rss_before = rss_mib()
    start = time.perf_counter()
    allocation = rank_and_allocate(entries, s)
    elapsed = time.perf_counter() - start
    assert len(allocation.ranking) == N_ENTRIES
    return {
        "seconds": elapsed,
        "rss_inputs_mib": rss_before,
        "rss_peak_mib": rss_mib(),
        "awards": len(allocation.awards),
    }


def child_rank_memory() -> dict[str, float]:
    entries = make_entries(N_ENTRIES)
    s = structure()
    tracemalloc.start()
    allocation = rank_and_allocate(entries, s)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(allocation.ranking) == N_ENTRIES
    return {"tracemalloc_peak_mib": peak / MIB, "rss_peak_mib": rss_mib()}


def child_result_hash() -> dict[str, float]:
    """The service's path (entries -> canonical inputs + result + hash) and an outsider's
    (inputs file -> result + hash), each in a fresh process, with a machine-speed baseline:
    decoding and re-encoding the same inputs with the standard json module."""
    entries = make_entries(N_ENTRIES)
    start = time.perf_counter()
    inputs, _, digest = compute_official(entries, 1, structure())
    official = time.perf_counter() - start
    rss_official = rss_mib()
    del entries
    start = time.perf_counter()
    _, again = compute_result(inputs)
    recompute = time.perf_counter() - start
    assert again == digest
    start = time.perf_counter()
    json.dumps(json.loads(inputs), sort_keys=True, ensure_ascii=False)
    baseline = time.perf_counter() - start
    return {
        "compute_official_s": official,
        "compute_result_s": recompute,
        "baseline_json_s": baseline,
        "inputs_mib": len(inputs) / MIB,
        "rss_official_mib": rss_official,
        "rss_peak_mib": rss_mib(),
        "digest_prefix": int(digest[:8], 16),
    }


def child_certificates() -> dict[str, float]:
    items = [cert(i) for i in range(N_PDFS)]
    start = time.perf_counter()
    render_certificate(items[0])  # cold: subsets the fonts into an empty temp dir
    cold = time.perf_counter() - start
    start = time.perf_counter()
    sizes = [len(render_certificate(item)) for item in items]
    one_core = time.perf_counter() - start
    start = time.perf_counter()
    archive = bulk_zip(items, workers=2)
    two_cores = time.perf_counter() - start
    return {
        "cold_first_ms": cold * 1000,
        "one_core_per_s": N_PDFS / one_core,
        "two_workers_zip_per_s": N_PDFS / two_cores,
        "mean_pdf_kib": sum(sizes) / len(sizes) / 1024,
        "zip_mib": len(archive) / MIB,
        "rss_peak_mib": rss_mib(),
    }


CHILDREN = {
    "rank_time": child_rank_time,
    "rank_memory": child_rank_memory,
    "result_hash": child_result_hash,
    "certificates": child_certificates,
}


def run_child(name: str, env: dict[str, str] | None = None) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", name],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=ROOT,
    )
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"\nRanking + allocation of {N_ENTRIES:,} entries (chain: effectiveness, median, submitted_at)")
    timing = run_child("rank_time")
    memory = run_child("rank_memory")
    ok_time = "OK" if timing["seconds"] < 2 else "TOO SLOW"
    print(f"  time                 {timing['seconds']:.3f} s   (target < 2 s: {ok_time})")
    ok_mem = "OK" if memory["tracemalloc_peak_mib"] < 500 and timing["rss_peak_mib"] < 500 else "TOO BIG"
    print(f"  tracemalloc peak     {memory['tracemalloc_peak_mib']:.1f} MiB (ranking + allocation only)")
    print(
        f"  ru_maxrss            {timing['rss_peak_mib']:.1f} MiB whole process, of which "
        f"{timing['rss_inputs_mib']:.1f} MiB after building the inputs (target < 500 MiB: {ok_mem})"
    )
    print(f"  awards               {int(timing['awards'])}")

    print(f"\nOfficial result of {N_ENTRIES:,} entries with its SHA-256 (target < 3 s, < 500 MiB)")
    hashed = run_child("result_hash")
    ok_res = "OK" if hashed["compute_official_s"] < 3 and hashed["rss_peak_mib"] < 500 else "TOO SLOW/BIG"
    print(f"  service: entries -> inputs ({hashed['inputs_mib']:.1f} MiB) + result + hash  "
          f"{hashed['compute_official_s']:.2f} s, {hashed['rss_official_mib']:.0f} MiB ({ok_res})")
    print(f"  outsider: inputs file -> result + hash  {hashed['compute_result_s']:.2f} s")
    print(f"  baseline: json decode + encode of the inputs  {hashed['baseline_json_s']:.2f} s "
          f"(ratios {hashed['compute_official_s'] / hashed['baseline_json_s']:.1f} and "
          f"{hashed['compute_result_s'] / hashed['baseline_json_s']:.1f})")
    print(f"  ru_maxrss            {hashed['rss_peak_mib']:.1f} MiB")

    print(f"\nCertificates ({N_PDFS} A4 PDFs, embedded subset font)")
    with tempfile.TemporaryDirectory() as cold_tmp:
        certs = run_child("certificates", env={**os.environ, "TMPDIR": cold_tmp})
    ok_pdf = "OK" if certs["two_workers_zip_per_s"] >= 50 else "TOO SLOW"
    print(f"  first (cold cache)   {certs['cold_first_ms']:.0f} ms (subsets the font once)")
    print(f"  1 process            {certs['one_core_per_s']:.1f} PDFs/s")
    print(f"  bulk_zip, 2 workers  {certs['two_workers_zip_per_s']:.1f} PDFs/s (target >= 50/s: {ok_pdf})")
    print(f"  mean PDF size        {certs['mean_pdf_kib']:.1f} KiB; ZIP {certs['zip_mib']:.1f} MiB")
    print(f"  ru_maxrss            {certs['rss_peak_mib']:.1f} MiB")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(CHILDREN[sys.argv[2]]()))
    else:
        main()
