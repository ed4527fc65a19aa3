"""The service layer's pure helpers, and the English catalogue's coverage of every UI text."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.awards.domain.allocation import apply_overrides, rank_and_allocate
from services.awards.publication import place_of
from services.awards.service import Proposal, gunzip, gz, override_from, structure_from
from services.awards.views import proposal_view
from shared.web.i18n import service_catalog
from tests.unit.awards.factories import entry

SERVICE = Path(__file__).resolve().parents[3] / "services" / "awards"
PRIZES: dict[str, Any] = {
    "tiers": [{"key": "first", "name": "Giải Nhất", "count": 1, "prize_vnd": 10_000_000, "min_score": 70},
              {"key": "third", "name": "Giải Ba", "count": 1, "prize_vnd": 5_000_000, "min_score": 70,
               "category": "chuyen-doi-so"}],
    "tie_break": ["criterion:effectiveness", "submitted_at"]}


def test_stored_prize_structure_reads_back_into_the_domain() -> None:
    s = structure_from(PRIZES)
    assert [t.key for t in s.tiers] == ["first", "third"]
    assert s.tiers[1].category == "chuyen-doi-so" and s.chain[0] == "total"


@pytest.mark.parametrize(("body", "place"), [("Sở Nội vụ tỉnh Bắc Ninh", "Bắc Ninh"),
                                            ("Sở Nội vụ thành phố Hà Nội", "Hà Nội"),
                                            ("Ban tổ chức", "Việt Nam")])
def test_the_certificate_place_comes_from_the_issuing_body(body: str, place: str) -> None:
    assert place_of({"issuing_body": body}) == place
    assert place_of({"issuing_body": body, "prizes": {"place": "Từ Sơn"}}) == "Từ Sơn"


def test_stored_blobs_round_trip_and_are_deterministic() -> None:
    data = "Kết quả chính thức".encode() * 100
    assert gunzip(gz(data)) == data and bytes(gz(data)) == bytes(gz(data))


def test_the_approval_view_explains_every_row_and_marks_overrides() -> None:
    entries = [entry("e1", 90, title="Một"), entry("e2", 85, title="Hai"), entry("e3", 85, title="Ba", minutes=5)]
    structure = structure_from({**PRIZES, "tiers": PRIZES["tiers"][:1]})
    doc = {"entry_id": "e1", "tier_key": None, "position": None, "reason": "Vi phạm cam kết về tính mới",
           "by": "Ban Tổ chức", "at": datetime(2026, 11, 20, tzinfo=UTC)}
    alloc = apply_overrides(rank_and_allocate(entries, structure), [override_from(doc)])
    contest = {"_id": "c1", "prizes": {**PRIZES, "tiers": PRIZES["tiers"][:1]}, "overrides": [doc]}
    view = proposal_view(Proposal(contest, {"e1": {"code": "X-1"}}, [], alloc, b"", {"inputs_sha256": "ab"}, "cd"),
                         "vi")
    assert view["ready"] and [r["entry_id"] for r in view["rows"]] == ["e1", "e2", "e3"]
    first = view["rows"][0]
    assert first["overridden"] and first["tier_key"] is None and first["computed_tier_key"] == "first"
    assert "Vi phạm cam kết" in first["explanation"]
    assert "Bằng điểm với «Ba»" in view["rows"][1]["explanation"]
    assert all(r["explanation"] for r in view["rows"])
    english = proposal_view(Proposal(contest, {}, [], alloc), "en")
    assert "Tied with" in english["rows"][1]["explanation"]


def test_every_vietnamese_text_of_the_service_has_an_english_translation() -> None:
    catalogue = service_catalog(SERVICE)
    texts: set[str] = set()
    for path in (SERVICE / "templates").glob("*.html"):
        texts |= {m.group(2) for m in re.finditer(r"""_\((["'])(.*?)\1\)""", path.read_text(encoding="utf-8"))}
    for name in ("service.py", "publication.py", "api.py"):
        source = (SERVICE / name).read_text(encoding="utf-8")
        texts |= set(re.findall(r'(?:NotFound|Forbidden|Conflict|Gone|Invalid|TooLarge|Busy)\(\s*"([^"]+)"', source))
        texts |= set(re.findall(r'errors\[f?"[^"]+"\] = "([^"]+)"', source))
    assert texts and not catalogue.missing(sorted(texts))
