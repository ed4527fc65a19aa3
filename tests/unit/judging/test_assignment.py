"""Judge assignment: hard rules, exact balance (checked against an independent max-flow oracle),
determinism, recusal and rebalancing."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import unicodedata
from collections import deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from services.judging.domain.assignment import (
    Assignment,
    AssignmentError,
    EntryRef,
    JudgeRef,
    assign_judges,
    normalise_unit,
    reassign_on_recusal,
    rebalance,
)

UNITS = ["Sở Nội vụ", "Sở Tài chính", "UBND huyện Tiên Du", "UBND xã Đại Đồng", "Văn phòng UBND tỉnh"]
CATEGORIES = ["thủ tục hành chính", "chuyển đổi số", "tài chính công", "dịch vụ công trực tuyến"]
PROPERTY = settings(max_examples=150, deadline=None)


def norm(unit: str) -> str:
    """The test's own unit normalisation, written independently of the code under test."""
    return " ".join(unicodedata.normalize("NFC", unit).casefold().split())


def spelling(base: str, variant: int) -> str:
    """The same unit as different people might type it."""
    return [
        base,
        base.upper(),
        f"  {base.lower()} ",
        base.replace(" ", "   "),
        unicodedata.normalize("NFD", base),
    ][variant]


# -- independent oracle: max flow on the per-judge network ------------------------------------


class _Flow:
    """Edmonds-Karp on a small dense graph."""

    def __init__(self, n: int) -> None:
        self.cap = [[0] * n for _ in range(n)]
        self.n = n

    def run(self, s: int, t: int) -> int:
        total = 0
        while True:
            prev = [-1] * self.n
            prev[s] = s
            queue = deque([s])
            while queue and prev[t] == -1:
                u = queue.popleft()
                for v in range(self.n):
                    if prev[v] == -1 and self.cap[u][v] > 0:
                        prev[v] = u
                        queue.append(v)
            if prev[t] == -1:
                return total
            v = t
            while v != s:
                u = prev[v]
                self.cap[u][v] -= 1
                self.cap[v][u] += 1
                v = u
            total += 1


@dataclass
class Oracle:
    """Best achievable max and min load over the active judges, by exhaustive flow checks."""

    best_max: int
    best_min: int
    balanced_possible: bool


def oracle(
    entries: Sequence[EntryRef],
    judges: Sequence[JudgeRef],
    k: int,
    locked: Collection[tuple[str, str]] = (),
    excluded: Collection[tuple[str, str]] = (),
    base: Mapping[str, int] | None = None,
) -> Oracle:
    entry_ids = [e.entry_id for e in entries]
    active = {j.judge_id: j for j in judges}
    fixed = {j: (base or {}).get(j, 0) for j in active}
    held: dict[str, set[str]] = {e: set() for e in entry_ids}
    for e, j in locked:
        if e in held:
            held[e].add(j)
            if j in active:
                fixed[j] += 1
    need = {e: k - len(held[e]) for e in entry_ids}
    unit_of = {e.entry_id: norm(e.unit) for e in entries}
    edges = [
        (e, j)
        for e in entry_ids
        for j, judge in active.items()
        if norm(judge.unit) != unit_of[e] and j not in held[e] and (e, j) not in excluded
    ]
    judge_ids = sorted(active)

    def feasible(low: int, high: int) -> bool:
        lower = {j: max(0, low - fixed[j]) for j in judge_ids}
        upper = {j: high - fixed[j] for j in judge_ids}
        if any(upper[j] < lower[j] for j in judge_ids):
            return False
        node = {("e", e): 2 + i for i, e in enumerate(entry_ids)}
        node.update({("j", j): 2 + len(entry_ids) + i for i, j in enumerate(judge_ids)})
        flow = _Flow(2 + len(node))
        for e in entry_ids:
            flow.cap[0][node["e", e]] = need[e]
        for e, j in edges:
            flow.cap[node["e", e]][node["j", j]] = 1
        for j in judge_ids:
            flow.cap[node["j", j]][1] = lower[j]
        # Lower bounds only sit on the judge->sink edges, and an augmenting path never
        # lowers the flow into the sink, so: saturate the lower bounds, then raise the caps.
        if flow.run(0, 1) < sum(lower.values()):
            return False
        first = sum(lower.values())
        for j in judge_ids:
            flow.cap[node["j", j]][1] += upper[j] - lower[j]
        return first + flow.run(0, 1) == sum(need.values())

    total = sum(need.values())
    big = max(fixed.values()) + total + 1
    best_max = next(b for b in range(max(fixed.values()), big) if feasible(0, b))
    best_min = 0  # feasibility is monotone in the lower bound: stop at the first failure
    while feasible(best_min + 1, big):
        best_min += 1
    return Oracle(best_max, best_min, best_max - best_min <= 1)


# -- strategies ---------------------------------------------------------------------------------


@st.composite
def instances(
    draw: st.DrawFn, max_entries: int = 14, max_judges: int = 8
) -> tuple[list[EntryRef], list[JudgeRef], int]:
    n_units = draw(st.integers(1, len(UNITS)))
    units = UNITS[:n_units]
    judges = [
        JudgeRef(
            f"gk{i:02d}",
            spelling(draw(st.sampled_from(units)), draw(st.integers(0, 4))),
            frozenset(draw(st.sets(st.sampled_from(CATEGORIES), max_size=2))),
        )
        for i in range(draw(st.integers(1, max_judges)))
    ]
    entries = [
        EntryRef(
            f"hs{i:03d}",
            spelling(draw(st.sampled_from(units)), draw(st.integers(0, 4))),
            draw(st.sampled_from(CATEGORIES)),
        )
        for i in range(draw(st.integers(0, max_entries)))
    ]
    k = draw(st.integers(1, 3))
    return entries, judges, k


def short_entries(entries: Iterable[EntryRef], judges: Sequence[JudgeRef], k: int) -> set[str]:
    return {e.entry_id for e in entries if sum(norm(j.unit) != norm(e.unit) for j in judges) < k}


def check_hard_rules(assignment: Assignment, entries: Sequence[EntryRef], judges: Sequence[JudgeRef], k: int) -> None:
    units = {j.judge_id: norm(j.unit) for j in judges}
    assert sorted(assignment) == sorted(e.entry_id for e in entries)
    for entry in entries:
        on = assignment[entry.entry_id]
        assert len(on) == k and len(set(on)) == k, (entry.entry_id, on)
        assert list(on) == sorted(on)
        for judge_id in on:
            assert units[judge_id] != norm(entry.unit), (entry, judge_id)


def active_loads(
    assignment: Assignment, judges: Sequence[JudgeRef], base: Mapping[str, int] | None = None
) -> dict[str, int]:
    loads = assignment.loads(j.judge_id for j in judges)
    return {j.judge_id: loads[j.judge_id] + (base or {}).get(j.judge_id, 0) for j in judges}


# -- assignment ---------------------------------------------------------------------------------


def test_normalise_unit_ignores_case_spacing_and_diacritic_encoding() -> None:
    forms = {spelling("Sở Nội vụ", v) for v in range(5)}
    assert len(forms) == 5
    assert {normalise_unit(f) for f in forms} == {"sở nội vụ"}
    assert normalise_unit("UBND  huyện\u00a0Tiên Du") == "ubnd huyện tiên du"


@PROPERTY
@given(instances(), st.integers(0, 2**32))
def test_assignment_obeys_hard_rules_and_is_optimally_balanced(
    instance: tuple[list[EntryRef], list[JudgeRef], int], seed: int
) -> None:
    entries, judges, k = instance
    short = short_entries(entries, judges, k)
    if short:
        with pytest.raises(AssignmentError) as info:
            assign_judges(entries, judges, k, seed)
        assert set(info.value.entry_ids) == short
        return
    assignment = assign_judges(entries, judges, k, seed)
    check_hard_rules(assignment, entries, judges, k)
    loads = active_loads(assignment, judges)
    best = oracle(entries, judges, k)
    assert max(loads.values()) == best.best_max
    assert min(loads.values()) == best.best_min
    # the documented guarantee: spread <= 1 exactly when some valid assignment achieves it
    assert (max(loads.values()) - min(loads.values()) <= 1) == best.balanced_possible


@PROPERTY
@given(instances(), st.integers(0, 2**32), st.randoms(use_true_random=False))
def test_same_seed_same_result_whatever_the_input_order(
    instance: tuple[list[EntryRef], list[JudgeRef], int], seed: int, rnd: random.Random
) -> None:
    entries, judges, k = instance
    assume(not short_entries(entries, judges, k))
    first = assign_judges(entries, judges, k, seed)
    entries2, judges2 = entries[:], judges[:]
    rnd.shuffle(entries2)
    rnd.shuffle(judges2)
    again = assign_judges(entries2, judges2, k, seed)
    assert again == first
    assert dict(again) == dict(first)


def test_output_is_identical_across_processes_with_different_hash_seeds() -> None:
    script = (
        "import json, random\n"
        "from services.judging.domain.assignment import EntryRef, JudgeRef, assign_judges\n"
        "rng = random.Random(5)\n"
        "units = [f'Đơn vị {i}' for i in range(12)]\n"
        "cats = ['chuyển đổi số', 'tài chính công', 'thủ tục hành chính']\n"
        "judges = [JudgeRef(f'gk{i}', rng.choice(units), frozenset(rng.sample(cats, rng.randint(0, 2))))"
        " for i in range(40)]\n"
        "entries = [EntryRef(f'hs{i}', rng.choice(units), rng.choice(cats)) for i in range(700)]\n"
        "print(json.dumps(dict(assign_judges(entries, judges, 3, 11))))\n"
    )
    outputs = set()
    for hash_seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert len(json.loads(outputs.pop())) == 700


def test_realistic_round_is_balanced_within_one() -> None:
    rng = random.Random(2024)
    units = [f"UBND xã số {i}" for i in range(30)] + ["Sở Nội vụ", "Sở Tư pháp"]
    judges = [
        JudgeRef(f"gk{i:03d}", rng.choice(units), frozenset(rng.sample(CATEGORIES, rng.randint(0, 2))))
        for i in range(70)
    ]
    entries = [EntryRef(f"hs{i:05d}", rng.choice(units), rng.choice(CATEGORIES)) for i in range(2500)]
    assignment = assign_judges(entries, judges, 3, seed=1)
    check_hard_rules(assignment, entries, judges, 3)
    loads = active_loads(assignment, judges)
    assert max(loads.values()) - min(loads.values()) <= 1
    # the category preference is honoured almost everywhere it can be
    knows = {j.judge_id: j.categories for j in judges}
    matched = sum(not knows[j] or e.category in knows[j] for e in entries for j in assignment[e.entry_id])
    assert matched / (3 * len(entries)) > 0.85


def test_when_one_unit_dominates_the_result_is_still_the_best_possible() -> None:
    # 6 of 8 judges are from the Sở Nội vụ, and so are most entries: its entries can only go to
    # the 2 outside judges, so perfect balance is impossible; hard rules still hold.
    judges = [JudgeRef(f"gk{i}", "Sở Nội vụ" if i < 6 else f"UBND huyện {i}") for i in range(8)]
    entries = [EntryRef(f"hs{i:02d}", "SỞ NỘI VỤ" if i < 9 else "UBND huyện 6", "chuyển đổi số") for i in range(12)]
    assignment = assign_judges(entries, judges, 2, seed=3)
    check_hard_rules(assignment, entries, judges, 2)
    loads = active_loads(assignment, judges)
    best = oracle(entries, judges, 2)
    assert not best.balanced_possible
    assert (max(loads.values()), min(loads.values())) == (best.best_max, best.best_min)


def test_category_match_is_preferred_among_equally_loaded_judges() -> None:
    judges = [
        JudgeRef("a", "Sở Tài chính", frozenset({"tài chính công"})),
        JudgeRef("b", "Sở Tư pháp", frozenset({"thủ tục hành chính"})),
        JudgeRef("c", "Sở Y tế", frozenset()),  # knows every category
        JudgeRef("d", "Sở Xây dựng", frozenset({"chuyển đổi số"})),
    ]
    entry = EntryRef("hs1", "UBND tỉnh", "Tài chính  công")  # matched after normalisation
    for seed in range(20):
        assert assign_judges([entry], judges, 2, seed)["hs1"] == ("a", "c")


def test_category_preference_never_costs_balance() -> None:
    judges = [JudgeRef("expert", "A", frozenset({"chuyển đổi số"})), JudgeRef("other", "B", frozenset({"x"}))]
    entries = [EntryRef(f"hs{i}", "C", "chuyển đổi số") for i in range(4)]
    loads = assign_judges(entries, judges, 1, seed=0).loads()
    assert loads == {"expert": 2, "other": 2}


def test_existing_pairs_and_base_loads_are_respected() -> None:
    judges = [JudgeRef(j, f"Đơn vị {j}") for j in ("a", "b", "c")]
    entries = [EntryRef(f"hs{i}", "UBND xã", "x") for i in range(4)]
    # a already has 2 entries in another round: the 4 new ones go to b and c
    assignment = assign_judges(entries, judges, 1, seed=9, base_loads={"a": 2})
    assert assignment.loads(["a", "b", "c"]) == {"a": 0, "b": 2, "c": 2}
    pinned = Assignment(1, {"hs0": ("a",)})
    assignment = assign_judges(entries, judges, 1, seed=9, existing=pinned, base_loads={"a": 2})
    assert assignment["hs0"] == ("a",)
    # a pinned pair must obey the rules too: judge a is from the entry's own unit here
    own_unit = [EntryRef("hs0", " đơn  vị A", "x")]
    with pytest.raises(AssignmentError, match="hs0"):
        assign_judges(own_unit, judges, 1, seed=9, existing=pinned)
    with pytest.raises(AssignmentError, match="hs0"):
        assign_judges(entries, judges, 1, seed=9, existing=Assignment(1, {"hs0": ("ghost",)}))


def test_excluded_pairs_are_never_assigned() -> None:
    judges = [JudgeRef(j, f"Đơn vị {j}") for j in ("a", "b", "c")]
    entries = [EntryRef("hs1", "X", "x")]
    assert assign_judges(entries, judges, 2, 0, excluded={("hs1", "a")})["hs1"] == ("b", "c")
    with pytest.raises(AssignmentError) as info:
        assign_judges(entries, judges, 3, 0, excluded={("hs1", "a")})
    assert info.value.entry_ids == ("hs1",)


def test_infeasible_request_names_every_short_entry() -> None:
    judges = [JudgeRef("a", "Sở Nội vụ"), JudgeRef("b", " sở nội  vụ"), JudgeRef("c", "Sở Tài chính")]
    entries = [EntryRef("hs2", "SỞ NỘI VỤ", "x"), EntryRef("hs1", "Sở Nội vụ", "x"), EntryRef("hs3", "Khác", "x")]
    with pytest.raises(AssignmentError, match="hs1, hs2") as info:
        assign_judges(entries, judges, 2, seed=0)
    assert info.value.entry_ids == ("hs1", "hs2")
    assert isinstance(info.value, ValueError)


def test_bad_arguments_raise() -> None:
    judges = [JudgeRef("a", "A"), JudgeRef("b", "B")]
    with pytest.raises(AssignmentError):
        assign_judges([EntryRef("e", "C", "x")], judges, 0, 0)
    with pytest.raises(AssignmentError, match="duplicate_entry_ids"):
        assign_judges([EntryRef("e", "C", "x"), EntryRef("e", "D", "x")], judges, 1, 0)
    with pytest.raises(AssignmentError, match="duplicate_judge_ids"):
        assign_judges([EntryRef("e", "C", "x")], [*judges, JudgeRef("a", "Z")], 1, 0)
    with pytest.raises(AssignmentError):
        assign_judges([EntryRef("e", "C", "x")], judges, 1, 0, base_loads={"a": -1})
    assert dict(assign_judges([], judges, 3, 0)) == {}


def test_assignment_mapping_helpers() -> None:
    assignment = Assignment(2, {"e2": ("b", "a"), "e1": ("a", "c")})
    assert assignment["e2"] == ("a", "b")  # stored sorted
    assert len(assignment) == 2 and "e1" in assignment
    assert sorted(assignment.pairs()) == [("e1", "a"), ("e1", "c"), ("e2", "a"), ("e2", "b")]
    assert assignment.loads(["d"]) == {"d": 0, "a": 2, "b": 1, "c": 1}
    assert assignment.entries_of("a") == ("e1", "e2")


# -- recusal ------------------------------------------------------------------------------------


@PROPERTY
@given(instances(), st.integers(0, 2**32), st.data())
def test_recusal_replaces_the_judge_and_keeps_every_property(
    instance: tuple[list[EntryRef], list[JudgeRef], int], seed: int, data: st.DataObject
) -> None:
    entries, judges, k = instance
    assume(entries and not short_entries(entries, judges, k))
    before = assign_judges(entries, judges, k, seed)
    entry = data.draw(st.sampled_from(entries))
    judge_id = data.draw(st.sampled_from(before[entry.entry_id]))
    others = sorted(p for p in before.pairs() if p != (entry.entry_id, judge_id))
    locked = set(data.draw(st.lists(st.sampled_from(others), unique=True))) if others else set()
    recusal = {(entry.entry_id, judge_id)}
    eligible = [j for j in judges if norm(j.unit) != norm(entry.unit) and j.judge_id not in before[entry.entry_id]]
    if not eligible:
        with pytest.raises(AssignmentError):
            reassign_on_recusal(before, entry.entry_id, judge_id, judges, entries, seed, locked)
        return
    after = reassign_on_recusal(before, entry.entry_id, judge_id, judges, entries, seed, locked)
    check_hard_rules(after, entries, judges, k)
    assert judge_id not in after[entry.entry_id]
    assert locked <= set(after.pairs())
    loads = active_loads(after, judges)
    best = oracle(entries, judges, k, locked=locked, excluded=recusal)
    assert (max(loads.values()), min(loads.values())) == (best.best_max, best.best_min)
    again = reassign_on_recusal(before, entry.entry_id, judge_id, list(reversed(judges)), entries, seed, locked)
    assert again == after


def test_recusal_by_a_busiest_judge_changes_only_that_entry() -> None:
    judges = [JudgeRef(f"gk{i}", f"Sở {i}") for i in range(6)]
    entries = [EntryRef(f"hs{i}", "UBND xã", "x") for i in range(7)]  # 21 slots: loads 4,4,4,3,3,3
    before = assign_judges(entries, judges, 3, seed=4)
    loads = before.loads()
    entry_id, judge_id = next(
        (e, j)
        for e, on in sorted(before.items())
        for j in on
        if loads[j] == 4 and any(loads[x] == 3 and x not in on for x in loads)
    )
    after = reassign_on_recusal(before, entry_id, judge_id, judges, entries, seed=4)
    changed = {e for e in before if before[e] != after[e]}
    assert changed == {entry_id}
    (replacement,) = set(after[entry_id]) - set(before[entry_id])
    assert loads[replacement] == 3
    assert max(after.loads().values()) - min(after.loads().values()) <= 1


def test_recusal_errors() -> None:
    judges = [JudgeRef(f"gk{i}", f"Sở {i}") for i in range(4)]
    entries = [EntryRef("hs1", "UBND", "x")]
    before = assign_judges(entries, judges, 2, seed=0)
    on = before["hs1"]
    off = next(j.judge_id for j in judges if j.judge_id not in on)
    with pytest.raises(AssignmentError):
        reassign_on_recusal(before, "hs1", off, judges, entries, 0)
    with pytest.raises(AssignmentError, match="already_scored"):
        reassign_on_recusal(before, "hs1", on[0], judges, entries, 0, locked={("hs1", on[0])})
    with pytest.raises(AssignmentError):
        reassign_on_recusal(before, "nope", on[0], judges, entries, 0)


# -- rebalancing --------------------------------------------------------------------------------


@PROPERTY
@given(instances(), st.integers(0, 2**32), st.data())
def test_rebalance_after_panel_change_keeps_scored_pairs_and_every_rule(
    instance: tuple[list[EntryRef], list[JudgeRef], int], seed: int, data: st.DataObject
) -> None:
    entries, judges, k = instance
    assume(not short_entries(entries, judges, k))
    before = assign_judges(entries, judges, k, seed)
    pairs = sorted(before.pairs())
    scored = set(data.draw(st.lists(st.sampled_from(pairs), unique=True))) if pairs else set()
    if data.draw(st.booleans()) or len(judges) == 1:
        newcomer = JudgeRef("gk-new", spelling(data.draw(st.sampled_from(UNITS)), data.draw(st.integers(0, 4))))
        panel = [*judges, newcomer]
        removed = None
    else:
        removed = data.draw(st.sampled_from(judges)).judge_id
        panel = [j for j in judges if j.judge_id != removed]
    units = {j.judge_id: norm(j.unit) for j in judges + panel}
    # feasibility after the change: each entry still needs k minus its scored judges
    short = set()
    for entry in entries:
        kept = {j for e, j in scored if e == entry.entry_id}
        free = [j for j in panel if norm(j.unit) != norm(entry.unit) and j.judge_id not in kept]
        if len(free) < k - len(kept):
            short.add(entry.entry_id)
    if short:
        with pytest.raises(AssignmentError) as info:
            rebalance(before, panel, entries, scored, seed)
        assert set(info.value.entry_ids) == short
        return
    after = rebalance(before, panel, entries, scored, seed)
    assert scored <= set(after.pairs())
    for entry in entries:
        on = after[entry.entry_id]
        assert len(on) == len(set(on)) == k
        for judge_id in on:
            if (entry.entry_id, judge_id) not in scored:
                assert judge_id != removed
                assert units[judge_id] != norm(entry.unit)
    if removed is not None:
        assert {(e, j) for e, j in after.pairs() if j == removed} <= scored
    loads = active_loads(after, panel)
    best = oracle(entries, panel, k, locked=scored)
    assert (max(loads.values()), min(loads.values())) == (best.best_max, best.best_min)


def test_new_judge_takes_unscored_work_from_the_busiest() -> None:
    rng = random.Random(8)
    judges = [JudgeRef(f"gk{i:02d}", f"Sở {i % 5}") for i in range(10)]
    entries = [EntryRef(f"hs{i:03d}", f"UBND xã {rng.randrange(20)}", "x") for i in range(200)]
    before = assign_judges(entries, judges, 3, seed=1)  # 600 slots: 60 each
    scored = {p for p in before.pairs() if rng.random() < 0.5}
    after = rebalance(before, [*judges, JudgeRef("gk-new", "Sở Tư pháp")], entries, scored, seed=1)
    loads = after.loads()
    assert loads["gk-new"] in (54, 55)  # 600 / 11 = 54.5
    assert max(loads.values()) - min(loads.values()) <= 1
    assert scored <= set(after.pairs())
    moved = set(before.pairs()) - set(after.pairs())
    assert len(moved) == loads["gk-new"]  # nothing moves that did not need to


def test_removed_judge_keeps_scored_pairs_and_loses_the_rest() -> None:
    judges = [JudgeRef(f"gk{i}", f"Sở {i}") for i in range(5)]
    entries = [EntryRef(f"hs{i}", "UBND", "x") for i in range(10)]
    before = assign_judges(entries, judges, 2, seed=2)
    leaving = "gk0"
    mine = sorted(e for e, j in before.pairs() if j == leaving)
    scored = {(mine[0], leaving)}
    after = rebalance(before, judges[1:], entries, scored, seed=2)
    assert {e for e, j in after.pairs() if j == leaving} == {mine[0]}
    loads = after.loads(j.judge_id for j in judges[1:])
    del loads[leaving]
    assert max(loads.values()) - min(loads.values()) <= 1
    assert sum(loads.values()) == 20 - 1


def test_rebalance_follows_a_changed_entry_list_and_carried_recusals() -> None:
    judges = [JudgeRef(f"gk{i}", f"Sở {i}") for i in range(4)]
    entries = [EntryRef(f"hs{i}", "UBND", "x") for i in range(6)]
    before = assign_judges(entries, judges, 2, seed=5)
    recused = before["hs1"][0]
    after_recusal = reassign_on_recusal(before, "hs1", recused, judges, entries, seed=5)
    withdrawn, late = entries[0], EntryRef("hs9", "UBND", "x")
    now = [*entries[1:], late]
    after = rebalance(after_recusal, judges, now, scored=set(), seed=5, excluded={("hs1", recused)})
    assert sorted(after) == sorted(e.entry_id for e in now)
    assert withdrawn.entry_id not in after
    assert len(after["hs9"]) == 2
    assert recused not in after["hs1"]
    loads = after.loads()
    assert max(loads.values()) - min(loads.values()) <= 1
