"""How an entry stores its versions: the latest version's text is the entry's own ``fields``
(no second copy in the rush), and every earlier version keeps its text when a new one comes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.submission.domain.initiative import InitiativeForm, next_version
from services.submission.service import version_doc, versions_of, with_version

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def form(title: str) -> InitiativeForm:
    return InitiativeForm.from_mapping({"title": title, "category": "tthc", "solution": f"Giải pháp: {title}"})


@given(st.lists(st.sampled_from(["Bản đầu", "Bản sửa", "Bản cuối", "Thêm tệp"]), min_size=1, max_size=8))
def test_every_version_reads_back_as_it_was_saved(titles: list[str]) -> None:
    first = next_version([], form(titles[0]), T0)
    assert first is not None
    entry = {"fields": first.fields.to_dict(), "versions": [version_doc(first, [], submitted=True)]}
    saved = [first]
    for i, title in enumerate(titles[1:], start=1):
        v = next_version(versions_of(entry), form(title), T0 + timedelta(minutes=i))
        if v is None:
            continue  # same text: nothing new to keep
        entry = {"fields": v.fields.to_dict(), "versions": with_version(entry, v, [], submitted=True)}
        saved.append(v)
    assert versions_of(entry) == saved
    stored = entry["versions"]
    assert "fields" not in stored[-1], "the latest text is stored once, as the entry's fields"
    assert all("fields" in v for v in stored[:-1])
