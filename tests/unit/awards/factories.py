"""Builders and hypothesis strategies shared by the awards tests (fictional data only)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import strategies as st

from services.awards.domain.allocation import PrizeStructure, Tier
from services.awards.domain.ranking import EntryScores
from services.awards.explanations import CATALOG
from services.awards.messages import text
from shared.coded import CodedError

BASE = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)
CATEGORIES = ("thu-tuc-hanh-chinh", "chuyen-doi-so", "tai-chinh-cong")


def entry(
    entry_id: str,
    total: float,
    *,
    effectiveness: float = 30.0,
    category: str = "thu-tuc-hanh-chinh",
    minutes: int = 0,
    judges: tuple[float, ...] | None = None,
    title: str = "",
    criteria: Mapping[str, float] | None = None,
) -> EntryScores:
    means = dict(criteria) if criteria is not None else {"effectiveness": effectiveness, "novelty": 20.0}
    return EntryScores(
        entry_id=entry_id,
        category=category,
        submitted_at=BASE + timedelta(minutes=minutes),
        judge_totals=judges if judges is not None else (total, total, total),
        criterion_means=means,
        official_total=total,
        title=title,
    )


def standard_structure(min_score: float = 70.0) -> PrizeStructure:
    return PrizeStructure(
        (
            Tier("first", "Giải Nhất", 1, 10_000_000, min_score),
            Tier("second", "Giải Nhì", 2, 7_000_000, min_score),
            Tier("third", "Giải Ba", 3, 5_000_000, min_score),
            Tier("honourable", "Giải Khuyến khích", 5, 2_000_000, min_score),
        ),
        ("criterion:effectiveness", "submitted_at"),
    )


# Few distinct values so that ties (also "invisible" ones below 2 decimals) are frequent.
_totals = st.sampled_from([60.0, 68.5, 70.0, 72.25, 85.333333, 85.333334, 85.33, 90.0, 99.999])
_criterion = st.sampled_from([30.0, 35.0, 35.004, 36.0])
_minutes = st.integers(min_value=0, max_value=3)


@st.composite
def entries_lists(draw: st.DrawFn, max_size: int = 25) -> list[EntryScores]:
    n = draw(st.integers(min_value=0, max_value=max_size))
    out = []
    for i in range(n):
        judges = tuple(draw(st.lists(_totals, min_size=0, max_size=4)))
        out.append(
            EntryScores(
                entry_id=f"E{i:03d}",
                category=draw(st.sampled_from(CATEGORIES)),
                submitted_at=BASE + timedelta(minutes=draw(_minutes)),
                judge_totals=judges,
                criterion_means={"effectiveness": draw(_criterion), "novelty": draw(_criterion)},
                official_total=draw(_totals),
                title=f"Sáng kiến số {i}",
            )
        )
    return out


@st.composite
def structures(draw: st.DrawFn) -> PrizeStructure:
    n = draw(st.integers(min_value=1, max_value=5))
    tiers = tuple(
        Tier(
            key=f"t{i}",
            name=f"Giải {i}",
            count=draw(st.integers(min_value=0, max_value=4)),
            prize_vnd=draw(st.integers(min_value=0, max_value=10_000_000)),
            min_score=draw(st.sampled_from([0.0, 60.0, 70.0, 85.33, 90.0])),
            category=draw(st.none() | st.sampled_from(CATEGORIES)),
        )
        for i in range(n)
    )
    chain = draw(
        st.sampled_from(
            [
                (),
                ("criterion:effectiveness",),
                ("criterion:effectiveness", "submitted_at"),
                ("median", "criterion:novelty"),
                ("total", "submitted_at", "median"),
            ]
        )
    )
    return PrizeStructure(tiers, chain)


@contextmanager
def refused(kind: type[CodedError], fragment: str) -> Iterator[None]:
    """Like ``pytest.raises(kind, match=fragment)``, matching the error as a Vietnamese reader
    reads it (its code worded by ``services/awards/messages.py`` through the catalogue)."""
    with pytest.raises(kind) as info:
        yield
    worded = CATALOG.word(text(info.value), "vi")
    assert re.search(fragment, worded), (fragment, worded)
