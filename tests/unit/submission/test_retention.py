"""Bounded history: the versions an entry keeps, and the files they still need."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.submission.domain.retention import KEEP_LATEST, MAX_KEPT, kept_versions, referenced_files


@given(st.lists(st.booleans(), min_size=1, max_size=200))
def test_history_is_bounded_and_keeps_the_first_the_first_submitted_and_the_latest(submitted: list[bool]) -> None:
    versions = [{"number": i + 1, "submitted": s, "attachments": [{"file_id": f"f{i}"}]}
                for i, s in enumerate(submitted)]
    kept = kept_versions(versions)
    numbers = [v["number"] for v in kept]
    assert len(kept) <= MAX_KEPT and numbers == sorted(numbers)
    assert {v["number"] for v in kept} <= {v["number"] for v in versions}
    assert 1 in numbers and len(versions) in numbers, "the first and the latest (the deadline's) stay"
    assert all(n in numbers for n in range(max(1, len(versions) - KEEP_LATEST + 1), len(versions) + 1))
    if any(submitted):
        assert submitted.index(True) + 1 in numbers, "the text as first handed in stays"
    files = referenced_files(kept, [{"file_id": "current"}])
    assert files == {f"f{n - 1}" for n in numbers} | {"current"}
