"""The season report's computation (``domain.season_report``): examples and properties."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.awards.domain.season_report import (
    AdoptionFact,
    SeasonInputs,
    StatusFact,
    TierFact,
    canonical_inputs,
    season_report,
)

PROPS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DEADLINE = datetime(2026, 3, 31, 16, 59, tzinfo=UTC)  # 23:59 on 31/03 in Vietnam


def fact(n: int, entry: str, status: str, *, unit: str = "Sở Y tế", category: str = "tthc", group: str = "",
         minutes: int = 0) -> StatusFact:
    return StatusFact(f"s{n:03d}", entry, status, DEADLINE + timedelta(minutes=minutes), unit, category, group)


def adopt(n: int, kind: str, plan: str, **kw: object) -> AdoptionFact:
    return AdoptionFact(f"a{n:03d}", kind, plan, DEADLINE + timedelta(days=60, hours=n), **kw)  # type: ignore[arg-type]


def example() -> SeasonInputs:
    statuses = [
        fact(1, "e1", "submitted", minutes=-600, group="Cán bộ, công chức"),
        fact(2, "e1", "eligible", minutes=60 * 24 * 3, group="Cán bộ, công chức"),
        fact(3, "e2", "submitted", minutes=-500, unit="UBND huyện Tiên Du", group="Doanh nghiệp"),
        fact(4, "e2", "eligible", minutes=60 * 24 * 5, unit="UBND huyện Tiên Du", group="Doanh nghiệp"),
        fact(5, "e3", "submitted", minutes=-400, category="y-te"),
        fact(6, "e3", "ineligible", minutes=60 * 24 * 4, category="y-te"),
        fact(7, "e4", "submitted", minutes=-300, unit="UBND huyện Tiên Du"),
        fact(8, "e4", "withdrawn", minutes=-200, unit="UBND huyện Tiên Du"),
    ]
    adoption = [
        adopt(1, "published", "p1", initiative_id="e1", units=("A", "B", "C")),
        adopt(2, "answered", "p1", unit="A", accepted=True),
        adopt(3, "answered", "p1", unit="B", accepted=False),
        adopt(4, "reported", "p1", unit="A", stage="piloting", version=1),
        adopt(5, "reported", "p1", unit="A", stage="applied", version=2),
        adopt(6, "published", "p2", initiative_id="e2", units=("A",)),
        adopt(7, "withdrawn", "p2"),
        adopt(8, "published", "p3", initiative_id="other-contest", units=("Z",)),
    ]
    return SeasonInputs(
        contest_id="c1", closes_at=DEADLINE, judging_closed_at=DEADLINE + timedelta(days=20),
        announced_at=DEADLINE + timedelta(days=30, hours=2),
        categories={"tthc": "Thủ tục hành chính", "y-te": "Y tế"},
        headcounts={"Sở Y tế": 200, "UBND huyện Tiên Du": 0}, statuses=statuses,
        tiers=[TierFact("first", "Giải Nhất", 10_000_000, "First Prize"),
               TierFact("second", "Giải Nhì", 5_000_000)],
        awarded={"e1": "first", "e2": "second"}, adoption=adoption)


def test_participation_counts_each_entry_once_without_withdrawn_ones() -> None:
    p = season_report(example()).participation
    assert (p.total, p.eligible, p.ineligible, p.waiting) == (3, 2, 1, 0)
    assert [(u.unit, u.entries, u.headcount, u.per_100_staff) for u in p.by_unit] == [
        ("Sở Y tế", 2, 200, 1.0), ("UBND huyện Tiên Du", 1, None, None)]  # headcount 0: no rate
    assert [(c.key, c.name, c.entries) for c in p.by_category] == [
        ("tthc", "Thủ tục hành chính", 2), ("y-te", "Y tế", 1)]
    assert [(g.key, g.entries) for g in p.by_group] == [("", 1), ("Cán bộ, công chức", 1), ("Doanh nghiệp", 1)]


def test_timeliness_counts_calendar_days_in_vietnam_from_the_deadline() -> None:
    t = season_report(example()).timeliness
    days = {m.key: m.days for m in t.milestones}
    # The last decision (e2, 5 days after 16:59 UTC = 23:59 ICT) falls on the 5th day in Vietnam.
    assert days == {"screening_done": 5, "judging_closed": 20, "announced": 31}


def test_screening_is_not_done_while_an_entry_waits() -> None:
    inputs = example()
    waiting = SeasonInputs(**{**inputs.__dict__, "statuses": [*inputs.statuses, fact(9, "e5", "submitted")]})
    t = season_report(waiting).timeliness
    assert t.milestones[0].at is None and t.milestones[0].days is None
    assert season_report(waiting).participation.waiting == 1


def test_prizes_by_tier_with_amounts_and_total() -> None:
    p = season_report(example()).prizes
    assert [(t.key, t.count, t.amount_vnd) for t in p.tiers] == [("first", 1, 10_000_000), ("second", 1, 5_000_000)]
    assert (p.announced, p.count, p.amount_vnd) == (True, 2, 15_000_000)


def test_adoption_counts_live_plans_latest_answers_and_stages_of_the_contest_only() -> None:
    a = season_report(example()).adoption
    [row] = a.initiatives  # p2 was withdrawn, p3 is another contest's initiative
    assert (row.entry_id, row.plans, row.assigned, row.accepted, row.declined, row.applied) == ("e1", 1, 3, 1, 1, 1)
    assert (a.assigned, a.accepted, a.declined, a.applied, a.units_applying) == (3, 1, 1, 1, 1)
    assert a.as_of == DEADLINE + timedelta(days=60, hours=7)  # the withdrawal, the latest fact counted


def test_a_lower_report_version_arriving_late_does_not_undo_a_stage() -> None:
    inputs = example()
    late = AdoptionFact("a099", "reported", "p1", DEADLINE + timedelta(days=90), unit="A", stage="piloting",
                        version=1)
    report = season_report(SeasonInputs(**{**inputs.__dict__, "adoption": [*inputs.adoption, late]}))
    assert report.adoption.applied == 1


def test_a_republished_plan_counts_again_and_a_stopped_unit_no_longer_applies() -> None:
    inputs = example()
    more = [adopt(9, "published", "p2", initiative_id="e2", units=("A", "D")),
            adopt(10, "reported", "p1", unit="A", stage="stopped", version=3)]
    a = season_report(SeasonInputs(**{**inputs.__dict__, "adoption": [*inputs.adoption, *more]})).adoption
    assert {r.entry_id: (r.assigned, r.applied) for r in a.initiatives} == {"e1": (3, 0), "e2": (2, 0)}


def test_nothing_known_gives_an_empty_report_with_a_hash() -> None:
    r = season_report(SeasonInputs(contest_id="c0"))
    assert r.participation.total == 0 and r.prizes.amount_vnd == 0 and r.adoption.as_of is None
    assert all(m.at is None for m in r.timeliness.milestones) and len(r.inputs_sha256) == 64


# ---------------------------------------------------------------- properties

UNITS = ["Sở Y tế", "Sở Tư pháp", "UBND huyện Quế Võ", "UBND xã Đông Tiến", ""]
statuses_st = st.lists(st.tuples(st.integers(0, 15), st.sampled_from(["submitted", "withdrawn", "eligible",
                                                                        "ineligible"]),
                                 st.sampled_from(UNITS), st.sampled_from(["a", "b", ""]),
                                 st.sampled_from(["Người dân", "Doanh nghiệp", ""]), st.integers(-5000, 50000)),
                       max_size=40)
adoption_st = st.lists(st.tuples(st.sampled_from(["published", "withdrawn", "answered", "reported"]),
                                 st.sampled_from(["p1", "p2", "p3"]), st.integers(0, 15),
                                 st.lists(st.sampled_from("ABCDE"), max_size=4), st.sampled_from("ABCDE"),
                                 st.booleans(), st.sampled_from(["planned", "piloting", "applied",
                                                                 "institutionalised", "stopped"]),
                                 st.integers(1, 4), st.integers(0, 1000)), max_size=30)


def build(statuses: list[tuple[int, str, str, str, str, int]],
          adoption: list[tuple[str, str, int, list[str], str, bool, str, int, int]],
          headcounts: dict[str, int]) -> SeasonInputs:
    return SeasonInputs(
        contest_id="c1", closes_at=DEADLINE, headcounts=headcounts,
        statuses=[StatusFact(f"s{i}", f"e{e}", s, DEADLINE + timedelta(minutes=m), u, c, g)
                  for i, (e, s, u, c, g, m) in enumerate(statuses)],
        adoption=[AdoptionFact(f"a{i}", k, p, DEADLINE + timedelta(hours=h), initiative_id=f"e{e}",  # type: ignore[arg-type]
                               units=tuple(us), unit=u, accepted=acc, stage=stage, version=v)
                  for i, (k, p, e, us, u, acc, stage, v, h) in enumerate(adoption)])


@PROPS
@given(statuses_st, adoption_st, st.dictionaries(st.sampled_from(UNITS), st.integers(-3, 5000)))
def test_counts_add_up_and_rates_exist_only_over_known_staff(statuses: list, adoption: list,  # type: ignore[type-arg]
                                                            headcounts: dict[str, int]) -> None:
    r = season_report(build(statuses, adoption, headcounts))
    p = r.participation
    assert sum(u.entries for u in p.by_unit) == p.total
    assert sum(c.entries for c in p.by_category) == p.total == sum(g.entries for g in p.by_group)
    assert p.eligible + p.ineligible + p.waiting == p.total
    for u in p.by_unit:
        staff = headcounts.get(u.unit)
        assert (u.per_100_staff is not None) == (staff is not None and staff > 0)
        if u.per_100_staff is not None:
            assert u.per_100_staff == round(100 * u.entries / staff, 2)  # type: ignore[operator]
    a = r.adoption
    for row in a.initiatives:
        assert row.accepted + row.declined <= row.assigned and row.applied <= row.assigned
    assert a.applied == sum(x.applied for x in a.initiatives) and a.units_applying <= 5


@PROPS
@given(statuses_st, adoption_st, st.randoms(use_true_random=False))
def test_same_facts_in_any_order_give_the_same_report_and_hash(statuses: list, adoption: list,  # type: ignore[type-arg]
                                                               rnd: random.Random) -> None:
    inputs = build(statuses, adoption, {"Sở Y tế": 120})
    shuffled_s, shuffled_a = list(inputs.statuses), list(inputs.adoption)
    rnd.shuffle(shuffled_s)
    rnd.shuffle(shuffled_a)
    again = SeasonInputs(**{**inputs.__dict__, "statuses": shuffled_s, "adoption": shuffled_a})
    assert season_report(again) == season_report(inputs)
    assert canonical_inputs(again) == canonical_inputs(inputs)


@PROPS
@given(statuses_st.filter(bool))
def test_a_changed_fact_changes_the_inputs_hash(statuses: list) -> None:  # type: ignore[type-arg]
    inputs = build(statuses, [], {})
    first = inputs.statuses[0]
    changed = StatusFact(first.fact_id, first.entry_id, first.status, first.at + timedelta(seconds=1), first.unit,
                         first.category, first.author_group)
    other = SeasonInputs(**{**inputs.__dict__, "statuses": [changed, *inputs.statuses[1:]]})
    assert season_report(other).inputs_sha256 != season_report(inputs).inputs_sha256
