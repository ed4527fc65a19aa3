from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.awards.domain.allocation import Override
from services.awards.domain.ranking import EntryScores
from services.awards.domain.result_hash import (
    ResultInputError,
    canonical_inputs,
    canonical_json,
    compute_official,
    compute_result,
    parse_inputs,
    result_rows,
    verify_result,
)
from services.awards.explanations import render

from .factories import entry, standard_structure

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def sample_entries() -> list[EntryScores]:
    return [
        entry("E1", 92.0, title="Số hoá quy trình tiếp nhận hồ sơ đất đai"),
        entry("E2", 85.333333, effectiveness=36.0, title="Một cửa điện tử cấp xã"),
        entry("E3", 85.333334, effectiveness=35.0, title="Chữ ký số cho cán bộ cấp xã"),
        entry("E4", 72.5, minutes=5),
        entry("E5", 68.5),
    ]


def test_canonical_json_format() -> None:
    assert canonical_json({"b": 1, "a": [1.0, 85.3333333333, -0.0], "c": "Việt"}) == (
        '{"a":[1.0,85.333333,0.0],"b":1,"c":"Việt"}'.encode()
    )
    with pytest.raises(ResultInputError):
        canonical_json({"x": float("nan")})


def test_canonical_inputs_shape() -> None:
    data = canonical_inputs(sample_entries(), 3, standard_structure())
    doc = json.loads(data)
    assert list(doc) == sorted(doc)
    assert doc["rubric_version"] == 3
    assert [e["entry_id"] for e in doc["entries"]] == ["E1", "E2", "E3", "E4", "E5"]
    assert doc["entries"][0]["submitted_at"] == "2026-10-01T01:00:00.000000Z"
    assert doc["entries"][1]["official_total"] == 85.333333
    assert data == canonical_json(doc)  # already canonical: no whitespace, sorted keys


def test_datetimes_in_any_timezone_are_written_in_utc() -> None:
    e = sample_entries()[0]
    local = replace(e, submitted_at=e.submitted_at.astimezone(timezone(timedelta(hours=7))))
    assert canonical_inputs([local], 1, standard_structure()) == canonical_inputs([e], 1, standard_structure())


def test_recomputation_from_exported_bytes_gives_same_hash() -> None:
    overrides = [Override("E5", "honourable", None, "Hội đồng đề nghị khuyến khích nhân rộng", "BTC", AT)]
    inputs, result, digest = compute_official(sample_entries(), 3, standard_structure(), overrides)
    exported = bytes(inputs)  # what a third party downloads
    again, digest_again = compute_result(exported)
    assert digest_again == digest
    assert again == result
    assert verify_result(exported, digest.upper())
    assert digest == hashlib.sha256(canonical_json(result)).hexdigest()
    assert json.loads(canonical_json(result)) == result  # the returned dict is what was hashed
    assert result["inputs_sha256"] == hashlib.sha256(exported).hexdigest()


def test_input_order_does_not_matter() -> None:
    entries = sample_entries()
    overrides = [
        Override("E5", "honourable", None, "Hội đồng đề nghị khuyến khích nhân rộng", "BTC", AT),
        Override("E4", None, None, "Tác giả xin rút sáng kiến sau khi chấm", "BTC", AT),
    ]
    a = canonical_inputs(entries, 3, standard_structure(), overrides)
    b = canonical_inputs(list(reversed(entries)), 3, standard_structure(), list(reversed(overrides)))
    assert a == b
    assert compute_result(a)[1] == compute_result(b)[1]


def test_unicode_normalisation_does_not_change_the_hash() -> None:
    entries = sample_entries()
    decomposed = [replace(e, title=unicodedata.normalize("NFD", e.title)) for e in entries]
    assert canonical_inputs(entries, 1, standard_structure()) == canonical_inputs(decomposed, 1, standard_structure())


def test_any_change_changes_the_hash() -> None:
    entries = sample_entries()
    base = compute_official(entries, 3, standard_structure())[2]
    bumped = [replace(entries[3], official_total=72.51), *entries[:3], entries[4]]
    assert compute_official(bumped, 3, standard_structure())[2] != base
    assert compute_official(entries, 4, standard_structure())[2] != base


def test_result_content() -> None:
    inputs, result, _ = compute_official(sample_entries(), 3, standard_structure())
    rows = result["rows"]
    assert [r["entry_id"] for r in rows] == ["E1", "E2", "E3", "E4", "E5"]
    assert [r["tier_key"] for r in rows] == ["first", "second", "second", "third", None]
    assert rows[1]["tied_with_count"] == 1
    assert result["format"] == "contest-awards-result/2"
    assert not any(k.startswith("explanation") for r in rows for k in r), "pure data: no sentences"
    assert result["tie_break"] == ["total", "criterion:effectiveness", "submitted_at"]
    third = next(t for t in result["tiers"] if t["key"] == "third")
    assert (third["awarded"], third["unfilled"]) == (1, 2)
    typed = result_rows(result, inputs)
    with pytest.raises(ResultInputError):
        result_rows(result, inputs + b" ")  # figures only from the very inputs the result names
    assert typed[0].tier_name == "Giải Nhất" and typed[0].prize_vnd == 10_000_000
    assert typed[1].official_total == 85.333333


def test_parse_inputs_round_trip() -> None:
    overrides = [Override("E5", "honourable", 4, "Hội đồng đề nghị khuyến khích nhân rộng", "BTC", AT)]
    data = canonical_inputs(sample_entries(), 3, standard_structure(), overrides)
    parsed = parse_inputs(data)
    assert parsed.overrides == tuple(overrides)
    assert parsed.structure == standard_structure()
    assert canonical_inputs(parsed.entries, 3, parsed.structure, parsed.overrides) == data


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("entries"),
        lambda d: d.update(format="other/1"),
        lambda d: d["entries"][0].update(official_total="85"),
        lambda d: d["entries"][0].update(official_total=True),
        lambda d: d["entries"][0].update(submitted_at="2026-10-01T01:00:00"),
    ],
)
def test_malformed_inputs_rejected(mutate: object) -> None:
    doc = json.loads(canonical_inputs(sample_entries(), 3, standard_structure()))
    mutate(doc)  # type: ignore[operator]
    with pytest.raises(ValueError):
        compute_result(json.dumps(doc).encode())


def test_not_json_rejected() -> None:
    with pytest.raises(ResultInputError):
        compute_result(b"\xff not json")


def test_wrong_shapes_deep_inside_are_input_errors() -> None:
    doc = json.loads(canonical_inputs(sample_entries(), 3, standard_structure()))
    doc["entries"][0] = "not an object"
    with pytest.raises(ResultInputError):
        compute_result(json.dumps(doc).encode())
    doc = json.loads(canonical_inputs(sample_entries(), 3, standard_structure()))
    doc["entries"][0]["judge_totals"] = ["80"]
    with pytest.raises(ResultInputError):
        compute_result(json.dumps(doc).encode())


def test_inputs_of_a_result_announced_in_format_1_still_give_its_format_1_result() -> None:
    """A hash published before the pure-data format stays verifiable: format-1 inputs compute
    the format-1 result, explanations included."""
    data = canonical_inputs(sample_entries(), 3, standard_structure())
    legacy = data.replace(b'"format":"contest-awards-inputs/2"', b'"format":"contest-awards-inputs/1"')
    assert legacy != data
    result, digest = compute_result(legacy, render=render)
    assert result["format"] == "contest-awards-result/1" and result["algorithm"] == "awards-domain/1"
    assert "xếp trên nhờ điểm tiêu chí Tính hiệu quả (36,00 so với 35,00)" in result["rows"][1]["explanation_vi"]
    assert result["rows"][4]["explanation_vi"] is None  # nothing to explain: no prize, no tie with a winner
    assert digest != compute_result(data)[1]
