"""Fair assignment of K judges to every entry, with recusal and mid-round rebalancing.

Hard rules, never broken by any function here:

* every entry gets exactly K distinct judges;
* a judge never gets an entry of their own unit (units are compared after
  :func:`normalise_unit`: Unicode NFC, casefold, trimmed and collapsed whitespace);
* an *excluded* pair (declared conflict of interest, earlier recusal) is never assigned;
* a *locked* pair (already scored) never moves.

Balance guarantee (exact, not heuristic). Among all assignments that obey the hard rules
(and keep the locked pairs and the ``base_loads`` offsets), the result has both the smallest
possible maximum judge load and the largest possible minimum judge load. So
``max(load) - min(load) <= 1`` holds *if and only if* some valid assignment with that spread
exists; no further condition is needed. What can make balance impossible is the own-unit
rule (plus exclusions, locks and base loads), e.g. when the entries of a unit ``u`` (``n_u``
of ``N``) need more than the ``J - m_u`` outside judges can take
(``K*n_u > (J - m_u) * ceil(K*N/J)``), or when the ``m_u`` judges of ``u`` cannot be kept
busy with outside entries (``m_u * floor(K*N/J) > K*(N - n_u)``). The result is then still
the most balanced one possible.

Method: a seeded greedy gives each entry the least-loaded eligible judges (a judge whose
categories include the entry's category is preferred within the same load level only, so
the preference never costs balance; an entry that would have to skip judges of its own unit
left on the lowest level waits until other entries have used them); then a repair loop
moves single loads along augmenting paths ``h -> e1 -> j1 -> e2 -> ... -> t``: judge ``j1``
takes entry ``e1`` from ``h``, ``j2`` takes ``e2`` from ``j1``, ... so only ``h`` loses one
and ``t`` gains one. Phase 1 moves load
from maximum-load judges to judges at least 2 lower; phase 2 from judges at least 2 above
the minimum to minimum-load judges. Why it is optimal: when phase 1 finds no path, let ``R``
be the judges reachable from the maximum-load judges. Any other valid assignment differs
from ours by alternating walks (a judge drops an entry, the entry gains a judge, ...); every
walk that starts in ``R`` stays in ``R`` (each step is an edge of the search), so the total
load of ``R`` cannot decrease. All of ``R`` is at ``max - 1`` or more and some of it at
``max``, so no valid assignment has a lower maximum. Phase 2 never raises the maximum and
the mirror argument shows the minimum cannot be raised further.

Cost: about O(N*K) with small constants (100,000 entries x 3 over 2,000 judges in about a
second); inputs where one unit holds a large share of both judges and entries need more
repair searches (a few seconds at that size).

Determinism: inputs are sorted by id (and set-valued arguments sorted) before any decision,
all internal work uses integer indices, and every random tie-break comes from
``random.Random(seed)``; the same inputs and seed give the same output in any process,
whatever the input order.
"""

from __future__ import annotations

import random
from bisect import insort
from collections import deque
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from types import MappingProxyType

from shared.coded import CodedError
from shared.units import unit_key

__all__ = [
    "Assignment",
    "AssignmentError",
    "EntryRef",
    "JudgeRef",
    "assign_judges",
    "normalise_unit",
    "reassign_on_recusal",
    "rebalance",
    "swap_problem",
]

Pair = tuple[str, str]
"""(entry_id, judge_id)."""

# Below this many judges at a load level, candidates are found by a full scan (exact category
# preference); above it, by random probes, which is what keeps 100k entries fast.
_SCAN_LIMIT = 48
_PROBES_PER_PICK = 4


def normalise_unit(unit: str) -> str:
    """Canonical unit name, so 'Sở Nội vụ', ' SỞ  NỘI VỤ ' and decomposed diacritics match.

    Free-text units are typed by people; a conflict of interest must not slip through because
    of case, spacing or how the Vietnamese diacritics were encoded. The platform's one rule
    (:func:`shared.units.unit_key`), so statistics and conflicts count units alike.
    """
    return unit_key(unit)


@dataclass(frozen=True, slots=True)
class EntryRef:
    """What assignment needs to know about an entry (nothing that identifies the authors)."""

    entry_id: str
    unit: str
    category: str


@dataclass(frozen=True, slots=True)
class JudgeRef:
    """A judge, their unit (for conflicts) and the categories they know (empty = all)."""

    judge_id: str
    unit: str
    categories: frozenset[str] = frozenset()


def swap_problem(entry: EntryRef | None, judge: JudgeRef | None, current: Sequence[str],
                 excluded: Sequence[str]) -> str:
    """Why an organiser may not hand this entry to this judge by hand, as a code ('' when they
    may): the same conflict and expertise rules as automatic assignment, and no judge twice."""
    if entry is None:
        return "swap.no_entry"
    if judge is None:
        return "swap.not_on_panel"
    if judge.judge_id in current:
        return "swap.already_on_entry"
    if judge.judge_id in excluded:
        return "swap.excluded"
    if normalise_unit(judge.unit) == normalise_unit(entry.unit):
        return "swap.same_unit"
    if judge.categories and normalise_unit(entry.category) not in {normalise_unit(c) for c in judge.categories}:
        return "swap.other_category"
    return ""


class AssignmentError(CodedError):
    """The request breaks a hard rule or cannot be satisfied (a code and its values, worded by
    the service); ``entry_ids`` names the entries."""

    def __init__(self, code: str, /, entry_ids: Iterable[str] = (), **params: object) -> None:
        super().__init__(code, **params)
        self.entry_ids: tuple[str, ...] = tuple(entry_ids)


@dataclass(frozen=True, slots=True)
class Assignment(Mapping[str, tuple[str, ...]]):
    """Entry id -> sorted tuple of judge ids, for one round with ``k`` judges per entry.

    Behaves as a read-only mapping. Judges that have left the panel may still appear on
    entries they had already scored (see :func:`rebalance`).
    """

    k: int
    by_entry: Mapping[str, tuple[str, ...]]

    def __post_init__(self) -> None:
        if isinstance(self.k, bool) or not isinstance(self.k, int) or self.k < 1:
            raise AssignmentError("k_invalid", k=repr(self.k))
        frozen = {entry: tuple(sorted(judges)) for entry, judges in self.by_entry.items()}
        object.__setattr__(self, "by_entry", MappingProxyType(frozen))

    @classmethod
    def _trusted(cls, k: int, by_entry: dict[str, tuple[str, ...]]) -> Assignment:
        """Build without re-sorting: the planner already produced sorted tuples."""
        self = object.__new__(cls)
        object.__setattr__(self, "k", k)
        object.__setattr__(self, "by_entry", MappingProxyType(by_entry))
        return self

    def __getitem__(self, entry_id: str) -> tuple[str, ...]:
        return self.by_entry[entry_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_entry)

    def __len__(self) -> int:
        return len(self.by_entry)

    def pairs(self) -> Iterator[Pair]:
        """All (entry_id, judge_id) pairs."""
        for entry_id, judge_ids in self.by_entry.items():
            for judge_id in judge_ids:
                yield entry_id, judge_id

    def loads(self, judge_ids: Iterable[str] = ()) -> dict[str, int]:
        """Entries per judge; ``judge_ids`` adds judges with no entry so they show as 0."""
        counts = dict.fromkeys(judge_ids, 0)
        for judge_ids_of_entry in self.by_entry.values():
            for judge_id in judge_ids_of_entry:
                counts[judge_id] = counts.get(judge_id, 0) + 1
        return counts

    def entries_of(self, judge_id: str) -> tuple[str, ...]:
        """Sorted ids of the entries assigned to ``judge_id``."""
        return tuple(sorted(e for e, judges in self.by_entry.items() if judge_id in judges))


def assign_judges(
    entries: Sequence[EntryRef],
    judges: Sequence[JudgeRef],
    k: int,
    seed: int,
    *,
    existing: Assignment | None = None,
    base_loads: Mapping[str, int] | None = None,
    excluded: Collection[Pair] = (),
) -> Assignment:
    """Give every entry ``k`` judges, balanced as well as the units allow (see module doc).

    ``existing`` pairs are kept as they are (manual choices by the organiser; one that breaks
    a hard rule or names a judge not on the panel raises); entries only get the judges they
    still lack. ``base_loads`` adds work a judge already has elsewhere
    (e.g. another round), so balance is on the combined load. ``excluded`` pairs are
    declared conflicts. Raises :class:`AssignmentError` naming every entry that has fewer
    than ``k`` eligible judges.
    """
    pinned = sorted(existing.pairs()) if existing is not None else []
    planner = _Planner(entries, judges, k, seed, base_loads, excluded, locked=pinned, movable=[], strict=True)
    return planner.solve()


def reassign_on_recusal(
    assignment: Assignment,
    entry_id: str,
    judge_id: str,
    judges: Sequence[JudgeRef],
    entries: Sequence[EntryRef],
    seed: int,
    locked: Collection[Pair] = frozenset(),
    *,
    excluded: Collection[Pair] = (),
    base_loads: Mapping[str, int] | None = None,
) -> Assignment:
    """Replace ``judge_id`` on ``entry_id`` after a recusal, keeping every rule and the balance.

    The replacement is the least-loaded eligible judge not already on the entry. Dropping a
    judge can leave them two below the busiest judges; then an unlocked pair elsewhere (rarely
    a short chain of them) moves to them, never a ``locked`` one, so the balance guarantee
    still holds. Callers must keep the recusal in ``excluded`` for later calls so the judge
    never comes back to that entry. A judge cannot recuse from a pair that is already
    ``locked`` (scored).
    """
    current = assignment.by_entry.get(entry_id)
    if current is None or judge_id not in current:
        raise AssignmentError("not_assigned", [entry_id], judge=judge_id, entry=entry_id)
    recusal = (entry_id, judge_id)
    locked = set(locked)
    if recusal in locked:
        raise AssignmentError("already_scored", [entry_id], judge=judge_id, entry=entry_id)
    if all(e.entry_id != entry_id for e in entries):
        raise AssignmentError("unknown_entry", [entry_id], entry=entry_id)
    pairs = sorted(p for p in assignment.pairs() if p != recusal)
    keep = [p for p in pairs if p in locked]
    movable = [p for p in pairs if p not in locked]
    planner = _Planner(
        entries, judges, assignment.k, seed, base_loads, [*excluded, recusal], locked=keep, movable=movable
    )
    return planner.solve()


def rebalance(
    assignment: Assignment,
    judges: Sequence[JudgeRef],
    entries: Sequence[EntryRef],
    scored: Collection[Pair],
    seed: int,
    *,
    excluded: Collection[Pair] = (),
    base_loads: Mapping[str, int] | None = None,
) -> Assignment:
    """Re-fit an assignment to a changed panel (judge added or removed) or entry list mid-round.

    ``judges`` is the panel now. Scored pairs stay put, even for a judge who has left (their
    scores stand). Unscored pairs of a removed judge are redistributed; unscored pairs that
    now break a rule are replaced; entries no longer listed are dropped, new ones are filled.
    Then unscored pairs move from the most loaded judges to the least loaded (a new judge
    starts at 0) until the balance guarantee of the module holds again; nothing else moves.
    Scored pairs that are not in ``assignment`` are ignored.
    """
    scored = set(scored)
    pairs = sorted(assignment.pairs())
    keep = [p for p in pairs if p in scored]
    movable = [p for p in pairs if p not in scored]
    planner = _Planner(entries, judges, assignment.k, seed, base_loads, excluded, locked=keep, movable=movable)
    return planner.solve()


class _Planner:
    """Integer-indexed working state shared by assignment, recusal and rebalancing."""

    def __init__(
        self,
        entries: Sequence[EntryRef],
        judges: Sequence[JudgeRef],
        k: int,
        seed: int,
        base_loads: Mapping[str, int] | None,
        excluded: Collection[Pair],
        *,
        locked: Sequence[Pair],
        movable: Sequence[Pair],
        strict: bool = False,
    ) -> None:
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise AssignmentError("k_invalid", k=repr(k))
        self.k = k
        self.rng = random.Random(seed)

        entry_list = sorted(entries, key=lambda e: e.entry_id)
        judge_list = sorted(judges, key=lambda j: j.judge_id)
        self.entry_ids = [e.entry_id for e in entry_list]
        self.judge_ids = [j.judge_id for j in judge_list]
        for kind, ids in (("entry", self.entry_ids), ("judge", self.judge_ids)):
            dupes = sorted({a for a, b in pairwise(ids) if a == b})
            if dupes:
                named = dupes if kind == "entry" else []
                raise AssignmentError(f"duplicate_{kind}_ids", named, ids=", ".join(dupes))
        entry_index = {e: i for i, e in enumerate(self.entry_ids)}
        judge_index = {j: i for i, j in enumerate(self.judge_ids)}
        n_entries, n_judges = len(entry_list), len(judge_list)
        self.n_entries, self.n_judges = n_entries, n_judges

        e_units = [normalise_unit(e.unit) for e in entry_list]
        j_units = [normalise_unit(j.unit) for j in judge_list]
        unit_code = {u: i for i, u in enumerate(sorted(set(e_units) | set(j_units)))}
        self.e_unit = [unit_code[u] for u in e_units]
        self.j_unit = [unit_code[u] for u in j_units]

        e_cats = [normalise_unit(e.category) for e in entry_list]
        cat_code = {c: i for i, c in enumerate(sorted(set(e_cats)))}
        self.e_cat = [cat_code[c] for c in e_cats]
        self.j_cats: list[frozenset[int] | None] = [
            frozenset(cat_code[c] for c in map(normalise_unit, j.categories) if c in cat_code) if j.categories else None
            for j in judge_list
        ]

        self.excl: dict[int, set[int]] = {}
        for entry_id, judge_id in sorted(excluded):
            e, j = entry_index.get(entry_id), judge_index.get(judge_id)
            if e is not None and j is not None:
                self.excl.setdefault(e, set()).add(j)

        load = [0] * n_judges
        if base_loads:
            for judge_id, extra in sorted(base_loads.items()):
                j = judge_index.get(judge_id)
                if j is None:
                    continue
                if isinstance(extra, bool) or not isinstance(extra, int) or extra < 0:
                    raise AssignmentError("base_load_invalid", judge=judge_id)
                load[j] = extra
        self.load = load

        # ej: judges on each entry (indexed, active); je: each judge's *movable* entries, with the
        # entries of big units (over 1/20 of the panel) in their own group and the rest in group
        # -1: when only a big unit's judges remain unreached, the repair search skips that
        # unit's entries wholesale; gone: locked pairs of judges no longer on the panel.
        judges_per_unit = [0] * len(unit_code)
        for u in self.j_unit:
            judges_per_unit[u] += 1
        self.e_group = [u if judges_per_unit[u] * 20 > n_judges else -1 for u in self.e_unit]
        ej: list[list[int]] = [[] for _ in range(n_entries)]
        je: list[dict[int, set[int]]] = [{} for _ in range(n_judges)]
        gone: dict[int, list[str]] = {}
        # Locked pairs are facts (scores given) and are kept even if they would now break a
        # rule; pinned pairs of a fresh assignment (strict) must obey the rules.
        if strict:
            broken: set[str] = set()
            for entry_id, judge_id in locked:
                e, j = entry_index.get(entry_id), judge_index.get(judge_id)
                if e is not None and (j is None or self.j_unit[j] == self.e_unit[e] or j in self.excl.get(e, ())):
                    broken.add(entry_id)
            if broken:
                named = sorted(broken)
                raise AssignmentError("pinned_broken", named, entries=", ".join(named))
        for entry_id, judge_id in locked:
            e = entry_index.get(entry_id)
            if e is None:
                continue
            j = judge_index.get(judge_id)
            if j is None:
                if judge_id not in gone.setdefault(e, []):
                    gone[e].append(judge_id)
            elif j not in ej[e]:
                ej[e].append(j)
                load[j] += 1
        for entry_id, judge_id in movable:
            e, j = entry_index.get(entry_id), judge_index.get(judge_id)
            if e is None or j is None or j in ej[e] or self.j_unit[j] == self.e_unit[e]:
                continue
            if j in self.excl.get(e, ()):
                continue
            ej[e].append(j)
            je[j].setdefault(self.e_group[e], set()).add(e)
            load[j] += 1
        self.ej, self.je, self.gone = ej, je, gone

        need = [0] * n_entries
        for e in range(n_entries):
            held = len(ej[e]) + len(gone.get(e, ()))
            while held > k:
                # More judges than a round needs (k lowered): drop the busiest movable ones.
                droppable = [j for j in ej[e] if e in je[j].get(self.e_group[e], ())]
                if not droppable:
                    break
                j = max(droppable, key=lambda x: (load[x], x))
                ej[e].remove(j)
                self._release(j, e)
                load[j] -= 1
                held -= 1
            need[e] = max(0, k - held)
        self.need = need
        self._check_feasible()

    def _check_feasible(self) -> None:
        """Raise naming every entry that lacks enough eligible judges (no capacity limits apply)."""
        per_unit: dict[int, int] = {}
        for u in self.j_unit:
            per_unit[u] = per_unit.get(u, 0) + 1
        short: list[str] = []
        for e, missing in enumerate(self.need):
            if not missing:
                continue
            u = self.e_unit[e]
            blocked = set(self.ej[e]) | self.excl.get(e, set())
            outside_blocked = sum(1 for j in blocked if self.j_unit[j] != u)
            if self.n_judges - per_unit.get(u, 0) - outside_blocked < missing:
                short.append(self.entry_ids[e])
        if short:
            shown = ", ".join(short[:20]) + (f" … (+{len(short) - 20})" if len(short) > 20 else "")
            raise AssignmentError("not_enough_judges", short, k=self.k, count=len(short), entries=shown)

    def solve(self) -> Assignment:
        """Fill missing slots greedily, repair the balance, and export sorted id tuples."""
        self._fill()
        self._repair()
        judge_ids, gone = self.judge_ids, self.gone
        out: dict[str, tuple[str, ...]] = {}
        for e, entry_id in enumerate(self.entry_ids):
            ids = [judge_ids[j] for j in self.ej[e]]
            if e in gone:
                ids.extend(gone[e])
            ids.sort()
            out[entry_id] = tuple(ids)
        return Assignment._trusted(self.k, out)

    # -- greedy -------------------------------------------------------------------------------

    def _fill(self) -> None:
        """Give each entry, in seeded order, its missing judges from the lowest load levels."""
        need = self.need
        order = [e for e in range(self.n_entries) if need[e]]
        if not order:
            return
        self.rng.shuffle(order)
        load, j_unit = self.load, self.j_unit
        members: dict[int, list[int]] = {}
        unit_count: dict[int, dict[int, int]] = {}
        pos = [0] * self.n_judges
        for j in range(self.n_judges):
            bucket = members.setdefault(load[j], [])
            pos[j] = len(bucket)
            bucket.append(j)
            counts = unit_count.setdefault(load[j], {})
            counts[j_unit[j]] = counts.get(j_unit[j], 0) + 1
        levels = sorted(members)
        ej, je, e_group = self.ej, self.je, self.e_group
        # An entry that could only be served by skipping judges stranded on the lowest level
        # (all of its own unit) waits until other entries have used them up; this keeps the
        # greedy almost always balanced so the repair has little to do. Bounded to N retries.
        pending = deque(order)
        deferred: list[int] = []
        retries = len(order)
        while pending or deferred:
            if not pending:
                pending.extend(deferred)
                deferred.clear()
                retries = 0
            e = pending.popleft()
            floor = levels[0]
            chosen = self._pick(e, need[e], members, unit_count, levels)
            if len(chosen) < need[e]:  # pragma: no cover - excluded by _check_feasible
                entry_id = self.entry_ids[e]
                raise AssignmentError("no_judge_for_entry", [entry_id], entry=entry_id)
            if retries > 0:
                at_floor = sum(1 for j in chosen if load[j] == floor)
                if at_floor < len(chosen) and len(members[floor]) > at_floor:
                    deferred.append(e)
                    retries -= 1
                    continue
            for j in chosen:
                level = load[j]
                bucket = members[level]
                last = bucket.pop()
                if last != j:
                    bucket[pos[j]] = last
                    pos[last] = pos[j]
                unit_count[level][j_unit[j]] -= 1
                if not bucket:
                    del members[level], unit_count[level]
                    levels.remove(level)
                level += 1
                if level not in members:
                    members[level] = []
                    unit_count[level] = {}
                    insort(levels, level)
                bucket = members[level]
                pos[j] = len(bucket)
                bucket.append(j)
                counts = unit_count[level]
                counts[j_unit[j]] = counts.get(j_unit[j], 0) + 1
                load[j] = level
                ej[e].append(j)
                held = je[j].get(e_group[e])
                if held is None:
                    je[j][e_group[e]] = {e}
                else:
                    held.add(e)
            need[e] = 0
            if deferred and levels[0] != floor:
                pending.extendleft(reversed(deferred))
                deferred.clear()

    def _pick(
        self,
        e: int,
        wanted: int,
        members: dict[int, list[int]],
        unit_count: dict[int, dict[int, int]],
        levels: list[int],
    ) -> list[int]:
        """Up to ``wanted`` eligible judges, lowest load level first, category matches first."""
        unit, cat, on, ex = self.e_unit[e], self.e_cat[e], self.ej[e], self.excl.get(e)
        j_unit, j_cats, rng = self.j_unit, self.j_cats, self.rng
        chosen: list[int] = []
        for level in levels:
            bucket = members[level]
            size = len(bucket)
            open_slots = size - unit_count[level].get(unit, 0)
            if open_slots <= 0:
                continue
            missing = wanted - len(chosen)
            take: list[int] | None = None
            # Probes are scaled by how much of the level this entry's own unit blocks, so about
            # 4 per missing judge land on eligible ones; a full scan is used once that is cheaper.
            probes = (_PROBES_PER_PICK * missing + 4) * size // open_slots
            if size > _SCAN_LIMIT and 2 * probes < size:
                rand = rng.random
                pref: list[int] = []
                other: list[int] = []
                for _ in range(probes):
                    j = bucket[int(rand() * size)]
                    if j_unit[j] == unit or j in on or j in chosen or j in pref or j in other:
                        continue
                    if ex is not None and j in ex:
                        continue
                    cats = j_cats[j]
                    if cats is None or cat in cats:
                        pref.append(j)
                        if len(pref) >= missing:
                            break
                    else:
                        other.append(j)
                if len(pref) + len(other) >= missing:
                    take = (pref + other)[:missing]
            if take is None:
                pref, other = [], []
                for j in bucket:
                    if j_unit[j] == unit or j in on or j in chosen or (ex is not None and j in ex):
                        continue
                    cats = j_cats[j]
                    (pref if cats is None or cat in cats else other).append(j)
                take = rng.sample(pref, min(missing, len(pref)))
                if len(take) < missing:
                    take += rng.sample(other, min(missing - len(take), len(other)))
            chosen += take
            if len(chosen) >= wanted:
                break
        return chosen

    # -- repair -------------------------------------------------------------------------------

    def _repair(self) -> None:
        """Lower the maximum, then raise the minimum, by augmenting paths (see module doc)."""
        load, n = self.load, self.n_judges
        if n < 2:
            return
        while True:
            high, low = max(load), min(load)
            if high - low <= 1:
                return
            sources = [j for j in range(n) if load[j] == high]
            targets = bytearray(load[j] <= high - 2 for j in range(n))
            if not self._augment(sources, targets):
                break
        while True:
            high, low = max(load), min(load)
            if high - low <= 1:
                return
            sources = [j for j in range(n) if load[j] >= low + 2]
            targets = bytearray(load[j] == low for j in range(n))
            if not self._augment(sources, targets):
                return

    def _augment(self, sources: list[int], targets: bytearray) -> bool:
        """Breadth-first search from ``sources`` to any target through movable pairs; apply it.

        Judges not yet reached are kept per unit, so expanding an entry costs the number of
        units plus the few judges that cannot take it, not the size of the panel.
        """
        self.rng.shuffle(sources)
        j_unit, e_unit, ej, je, excl = self.j_unit, self.e_unit, self.ej, self.je, self.excl
        reached = bytearray(self.n_judges)
        for s in sources:
            reached[s] = 1
        unvisited: dict[int, set[int]] = {}
        for j in range(self.n_judges):
            if not reached[j]:
                unvisited.setdefault(j_unit[j], set()).add(j)
        parent: dict[int, tuple[int, int]] = {}
        seen = bytearray(self.n_entries)
        queue = deque(sources)
        while queue and unvisited:
            h = queue.popleft()
            for key, group in je[h].items():
                for e in group:
                    if not unvisited or (len(unvisited) == 1 and key in unvisited):
                        break  # every judge still unreached is of this big unit: none can take it
                    unit = e_unit[e]
                    if seen[e] or (len(unvisited) == 1 and unit in unvisited):
                        continue
                    seen[e] = 1
                    on, ex = ej[e], excl.get(e)
                    for u in list(unvisited):
                        if u == unit:
                            continue
                        bucket = unvisited[u]
                        hit = [j for j in bucket if j not in on and (ex is None or j not in ex)]
                        if not hit:
                            continue
                        bucket.difference_update(hit)
                        if not bucket:
                            del unvisited[u]
                        for j in hit:
                            parent[j] = (e, h)
                            if targets[j]:
                                self._apply(j, parent)
                                return True
                            queue.append(j)
        return False

    def _release(self, j: int, e: int) -> None:
        """Forget that judge ``j`` holds entry ``e`` as a movable pair."""
        groups = self.je[j]
        key = self.e_group[e]
        group = groups[key]
        group.discard(e)
        if not group:
            del groups[key]

    def _apply(self, target: int, parent: dict[int, tuple[int, int]]) -> None:
        """Shift each entry on the path to its new judge; only the two ends change load."""
        ej, je = self.ej, self.je
        j = target
        while j in parent:
            e, h = parent[j]
            on = ej[e]
            on[on.index(h)] = j
            self._release(h, e)
            je[j].setdefault(self.e_group[e], set()).add(e)
            j = h
        self.load[target] += 1
        self.load[j] -= 1
