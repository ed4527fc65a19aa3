"""The organiser's set-up checklist: every step of a contest from opening to announcement,
which are done, which one is next, and why a step cannot be done yet.

Pure: it reads facts awards already keeps (its copy of the contest, the entries' latest
statuses, judging's set-up snapshot, prizes, approval, announcement). The wording lives in the
page; steps are named by key so tests and both languages agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

State = Literal["done", "next", "todo"]


@dataclass(frozen=True)
class Step:
    key: str  # contest, deadline, screening, rubric, panel, prizes, release, close, approve, announce
    state: State
    round_no: int | None = None
    # Figures the page shows with the step (counts, dates); keys are fixed per step.
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Facts:
    status: str  # draft / open / closed (submission's contest status)
    closes_at: datetime | None
    statuses: Mapping[str, str]  # entry id -> latest status
    judging: Mapping[str, Any] | None  # the newest JudgingSetupChanged payload, as stored
    prizes_saved: bool
    judging_closed: bool
    approved: bool
    announced: bool


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def steps(f: Facts, now: datetime) -> list[Step]:
    """The steps in the order a contest runs; the first step not done is ``next``."""
    counts = Counter(f.statuses.values())
    submitted = sum(n for s, n in counts.items() if s != "withdrawn")
    deadline_passed = f.status == "closed" or (f.closes_at is not None and _aware(f.closes_at) <= now)
    judging = f.judging or {}
    rounds: Sequence[Mapping[str, Any]] = judging.get("rounds") or []
    need = max((int(r.get("judges_per_entry", 1)) for r in rounds), default=1)
    done: list[tuple[str, bool, int | None, dict[str, Any]]] = [
        ("contest", f.status in ("open", "closed"), None, {"status": f.status}),
        ("deadline", deadline_passed, None, {"closes_at": f.closes_at, "submitted": submitted}),
        ("screening", deadline_passed and counts["submitted"] == 0 and counts["eligible"] > 0, None,
         {"pending": counts["submitted"], "eligible": counts["eligible"], "ineligible": counts["ineligible"]}),
        ("rubric", bool(judging) and int(judging.get("criteria", 0)) > 0, None,
         {"version": judging.get("rubric_version"), "criteria": judging.get("criteria", 0),
          "max_total": judging.get("max_total"), "default": judging.get("rubric_version") == 1}),
        ("panel", bool(judging) and int(judging.get("panel_size", 0)) >= need, None,
         {"size": judging.get("panel_size", 0), "chosen": bool(judging.get("panel_chosen")), "need": need}),
        ("prizes", f.prizes_saved, None, {}),
    ]
    for r in rounds:
        done.append(("release", bool(r.get("released")), int(r["round_no"]),
                     {"deadline": r.get("deadline"), "judges_per_entry": r.get("judges_per_entry")}))
        done.append(("close", bool(r.get("closed")), int(r["round_no"]), {"final": bool(r.get("final"))}))
    if not rounds:  # judging has not told us yet: one round to release and close
        done += [("release", False, 1, {}), ("close", False, 1, {"final": True})]
    done += [("approve", f.approved, None, {}), ("announce", f.announced, None, {})]
    out: list[Step] = []
    seen_next = False
    for key, ok, n, facts in done:
        # Judging closed (the final round's close was heard) or the result announced: what came
        # before is history, even if a later snapshot is missing or an entry changed since.
        ok = ok or f.announced or (f.judging_closed and key in ("release", "close"))
        state: State = "done" if ok else ("todo" if seen_next else "next")
        seen_next = seen_next or not ok
        out.append(Step(key, state, n, facts))
    return out
