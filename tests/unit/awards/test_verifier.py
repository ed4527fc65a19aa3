"""The standalone verifier (``tools/verify_result.py``: one file, standard library only, none
of the platform's code) and the service compute the same result and hash, for generated
contests with ties, unfilled tiers and overrides; and they refuse the same invalid inputs."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from services.awards.domain.allocation import Override, PrizeStructure
from services.awards.domain.ranking import EntryScores
from services.awards.domain.result_hash import canonical_inputs, canonical_json, compute_official, compute_result
from tools import verify_result

from .factories import entries_lists, standard_structure, structures

ROOT = Path(__file__).resolve().parents[3]
VERIFIER = ROOT / "tools" / "verify_result.py"
AT = datetime(2026, 11, 25, 8, tzinfo=UTC)


@st.composite
def overrides_for(draw: st.DrawFn, entries: list[EntryScores], structure: PrizeStructure) -> list[Override]:
    if not entries:
        return []
    # Mostly valid batches (distinct entries, positions in range); sometimes not, to compare refusals.
    picks = draw(st.lists(st.sampled_from([e.entry_id for e in entries]), max_size=3,
                          unique=draw(st.integers(0, 9)) > 0))
    category = {e.entry_id: e.category for e in entries}
    fitting = {eid: [None, *(t.key for t in structure.tiers if t.category in (None, category[eid]))]
               for eid in picks}
    keys = [None, *(t.key for t in structure.tiers)]
    positions = st.integers(min_value=1, max_value=len(entries)) if draw(st.integers(0, 9)) \
        else st.integers(min_value=0, max_value=len(entries) + 1)
    return [Override(entry_id=eid, tier_key=draw(st.sampled_from(fitting[eid] if draw(st.integers(0, 9)) else keys)),
                     position=draw(st.none() | positions),
                     reason="Quyết định của Hội đồng sau khi xem xét lại hồ sơ", by="Ban tổ chức", at=AT)
            for eid in picks]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), entries_lists(), structures())
def test_the_verifier_and_the_service_agree_on_any_contest(
        data: st.DataObject, entries: list[EntryScores], structure: PrizeStructure) -> None:
    overrides = data.draw(overrides_for(entries, structure))
    inputs = canonical_inputs(entries, 2, structure, overrides)
    try:
        expected, digest = compute_result(inputs)
    except ValueError:
        try:
            verify_result.compute(inputs)
        except verify_result.Invalid:
            event("both refuse")
            return
        raise AssertionError("the service refused inputs the verifier accepted") from None
    result, recomputed = verify_result.compute(inputs)
    event("overrides applied" if overrides else "rules only")
    event("tie on total" if any(r["tied_with_count"] for r in expected["rows"]) else "no tie")
    event("unfilled places" if any(t["unfilled"] for t in expected["tiers"]) else "all places filled")
    assert recomputed == digest
    assert canonical_json(result) == canonical_json(expected)


def test_the_command_line_verifier_runs_without_the_platform_and_catches_a_changed_result(tmp_path: Path) -> None:
    inputs, result, digest = compute_official(
        [EntryScores("E1", "tthc", AT, (80.0, 82.0), {"effectiveness": 35.0}, 81.0, "Một"),
         EntryScores("E2", "tthc", AT, (81.0, 81.0), {"effectiveness": 36.0}, 81.0, "Hai"),
         EntryScores("E3", "cds", AT, (60.0,), {"effectiveness": 20.0}, 60.0, "Ba")],
        1, standard_structure(),
        [Override("E3", "honourable", None, "Khuyến khích nhân rộng ở cấp xã", "Ban tổ chức", AT)])
    (tmp_path / "inputs.json").write_bytes(inputs)
    (tmp_path / "result.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    # -I: isolated mode, no site-packages and not the project's directory: only the standard library.
    run = subprocess.run([sys.executable, "-I", str(VERIFIER), str(tmp_path / "inputs.json"),
                          str(tmp_path / "result.json"), "--hash", digest], capture_output=True, text=True,
                         cwd=tmp_path, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert digest in run.stdout and "DOES NOT MATCH" not in run.stdout

    result["rows"][0]["tier_key"], result["rows"][1]["tier_key"] = result["rows"][1]["tier_key"], "first"
    (tmp_path / "result.json").write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    run = subprocess.run([sys.executable, "-I", str(VERIFIER), str(tmp_path / "inputs.json"),
                          str(tmp_path / "result.json")], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert run.returncode == 1 and "DOES NOT MATCH" in run.stdout
    (tmp_path / "bad.json").write_bytes(b"{not json")
    run = subprocess.run([sys.executable, "-I", str(VERIFIER), str(tmp_path / "bad.json")], capture_output=True,
                         text=True, check=False)
    assert run.returncode == 2


def test_building_a_result_pauses_the_cycle_collector_and_restores_it() -> None:
    import gc

    from services.awards.domain import result_hash

    assert gc.isenabled()
    with result_hash._no_cycle_collection():
        assert not gc.isenabled()
        with result_hash._no_cycle_collection():  # nested (or another thread's) pause
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with result_hash._no_cycle_collection():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()
