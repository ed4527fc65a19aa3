"""The service's pure helpers: moving a review between judges, and which totals count."""

from __future__ import annotations

import pytest

from services.judging.domain.aggregation import EntryResult
from services.judging.mongo_repositories import judges_update
from services.judging.repositories import fresh_sheet
from services.judging.service import JudgingService, counted_totals


def result(entry_id: str, totals: dict[str, float]) -> EntryResult:
    mean = sum(totals.values()) / len(totals)
    return EntryResult(entry_id=entry_id, judge_totals=totals, mean_total=mean, trimmed_mean=None,
                       official_total=mean, criterion_means={}, spread=max(totals.values()) - min(totals.values()),
                       disagreement=False, judge_count=len(totals))


def test_judges_update_keeps_stayers_sheets_and_touches_one_path_each() -> None:
    review = {"judge_ids": ["a", "b"], "sheets": {"a": {"status": "submitted", "scores": {"x": 1.0}},
                                                  "b": fresh_sheet()}}
    update = judges_update(review, ["a", "c"])
    assert update == {"$set": {"judge_ids": ["a", "c"], "sheets.c": fresh_sheet()}, "$unset": {"sheets.b": ""}}
    assert "sheets.a" not in update["$set"], "a judge who stays keeps their sheet untouched"
    assert "$unset" not in judges_update(review, ["a", "b", "c"])


def test_counted_totals_raw_or_standardised() -> None:
    # Judge h is harsh (always 20 below g); standardising each judge removes that offset.
    results = [result("e1", {"g": 90.0, "h": 70.0}), result("e2", {"g": 80.0}), result("e3", {"h": 62.0}),
               result("e4", {"g": 70.0, "h": 50.0})]
    raw = counted_totals(results, standardised=False)
    assert raw == {"e1": 80.0, "e2": 80.0, "e3": 62.0, "e4": 60.0}
    z = counted_totals(results, standardised=True)
    assert set(z) == set(raw)
    assert z["e3"] > z["e4"], "the harsh judge's entry is no longer pushed below"
    assert z["e1"] == pytest.approx(max(z.values()))
    assert counted_totals([], standardised=True) == {}


def test_a_pinned_judge_on_the_panel_is_locked_to_the_entry_and_rebalancing_keeps_them() -> None:
    reviews = [{"entry_id": "e1", "sheets": {"j1": {"status": "assigned"}, "j2": {"status": "assigned"}},
                "pinned": ["j1"]},
               {"entry_id": "e2", "sheets": {"j3": {"status": "submitted"}, "j4": {"status": "draft"}}}]
    assert JudgingService._locked(reviews, {"j1", "j2", "j3", "j4"}) == {("e1", "j1"), ("e2", "j3"), ("e2", "j4")}
    # A pinned judge who has left the panel is not held on the entry (their work must move).
    assert JudgingService._locked(reviews, {"j2", "j3"}) == {("e2", "j3")}
