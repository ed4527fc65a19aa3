"""Canonical, reproducible official result.

The organiser exports the *inputs* (scores, rubric version, prize structure, overrides) as
canonical JSON.  :func:`compute_result` is a pure function of those bytes: anyone holding
them can rerun it and must get the same result document and the same SHA-256, which is what
the award decision cites.  The service itself computes the official result through
:func:`compute_official` (inputs -> bytes -> result), never from in-memory objects, so that
what was published and what can be recomputed are the same thing.

Canonical JSON: UTF-8, keys sorted, no whitespace, text NFC-normalised (Vietnamese typed
with different keyboards may be composed or decomposed), floats written as the ``repr`` of
``round(x, 6)`` (``-0.0`` as ``0.0``; NaN/infinity refused), datetimes as UTC ISO-8601 with
microseconds (``2026-10-20T01:15:00.000000Z``).  Entries and overrides are sorted by entry
id, so the order in which they were collected does not matter; tiers keep their declared
order because it is meaningful.

The result (format 2) is **pure data**: every entry's rank, tier and figures, no sentences.
Explanations are rendered from it and the inputs (:mod:`.ranking`, :mod:`.allocation`), so
their wording can improve without changing a published hash, and an outsider can recompute
the hash with ``tools/verify_result.py`` (standard library only; the README specifies the
computation).  Inputs of format 1 (results announced before) still compute their format-1
result, explanations included, so a hash published then stays verifiable.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from shared.coded import CodedError

from . import formatting as fmt
from .allocation import (
    Allocation,
    Override,
    PrizeStructure,
    Tier,
    apply_overrides,
    rank_and_allocate,
)
from .explanations import Param
from .ranking import DEFAULT_CRITERION_LABELS, EntryScores

#: Words an explanation in a language (``services.awards.explanations.render``).
Render = Callable[[Param, str], str]

INPUTS_FORMAT = "contest-awards-inputs/2"
RESULT_FORMAT = "contest-awards-result/2"
#: Bumped whenever a rule changes (a change of rules changes the hash).
ALGORITHM = "awards-domain/2"
#: Results announced before format 2 carried explanations; their inputs still compute them.
LEGACY_INPUTS_FORMAT = "contest-awards-inputs/1"
LEGACY_RESULT_FORMAT = "contest-awards-result/1"
LEGACY_ALGORITHM = "awards-domain/1"


class ResultInputError(CodedError):
    """The exported inputs (or a result) cannot be read: wrong format or a malformed field, as a
    code and its values (``inputs.*``, worded by ``services/awards/messages.py``)."""


# --- canonical JSON ---------------------------------------------------------------------


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def _text(value: str) -> str:
    return value if value.isascii() else unicodedata.normalize("NFC", value)


def _canon(value: object) -> object:
    """Canonical form of a JSON-like value; exact-type checks first because this walks
    every field of a 100,000-entry contest."""
    kind = type(value)
    if kind is dict:
        return {_text(str(k)): _canon(v) for k, v in value.items()}  # type: ignore[attr-defined]
    if kind is float:
        number = float(value)  # type: ignore[arg-type]
        if not math.isfinite(number):
            raise ResultInputError("inputs.not_finite")
        return round(number, 6) + 0.0  # + 0.0 turns -0.0 into 0.0
    if kind is str:
        return _text(value)  # type: ignore[arg-type]
    if kind is int or kind is bool or value is None:
        return value
    if isinstance(value, Mapping):
        return {_text(str(k)): _canon(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canon(v) for v in value]
    if isinstance(value, bool | int):  # subclasses such as IntEnum
        return int(value)
    if isinstance(value, float):
        return _canon(float(value))
    if isinstance(value, str):
        return _canon(str(value))
    raise TypeError(f"cannot canonicalise a {type(value).__name__}")


def _dump(canonical_value: object) -> bytes:
    return json.dumps(
        canonical_value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def canonical_json(value: object) -> bytes:
    """Serialise ``value`` canonically (see module docstring)."""
    return _dump(_canon(value))


def _num(value: float) -> float:
    """Canonical float (same as :func:`_canon` on a float), for the large per-entry parts."""
    number = float(value)
    if not math.isfinite(number):
        raise ResultInputError("inputs.not_finite")
    return round(number, 6) + 0.0


class _Rounded(dict[float, float]):
    """``round(v, 6) + 0.0`` remembered per value: scores repeat (two decimals on a 0–100 scale),
    so 1.3 million roundings for 100,000 entries become a few thousand and dictionary hits."""

    def __missing__(self, value: float) -> float:
        rounded = self[value] = round(value, 6) + 0.0
        return rounded


def _entry_doc(entry: EntryScores, r6: _Rounded) -> tuple[dict[str, object], EntryScores]:
    """The entry's canonical document, already canonical (built directly rather than walked:
    100,000 of these, so the text checks are inlined), and the entry as reading that document
    back gives it (rounded numbers, NFC text), so the service need not decode its own bytes.
    The numbers need no finiteness check: :class:`EntryScores` refuses NaN and infinity."""
    title, category, entry_id = entry.title, entry.category, entry.entry_id
    title = title if title.isascii() else _nfc(title)
    category = category if category.isascii() else _nfc(category)
    entry_id = entry_id if entry_id.isascii() else _nfc(entry_id)
    means = {k if k.isascii() else _nfc(k): r6[v] for k, v in entry.criterion_means.items()}
    totals = [r6[t] for t in entry.judge_totals]
    official = r6[entry.official_total]
    at = entry.submitted_at.astimezone(UTC)  # once: a zone's utcoffset() is slow, UTC's is not
    # fmt.utc_iso(at), inlined: ``at`` is already in UTC (and EntryScores checked it has a zone).
    when = at.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    doc = {"category": category, "criterion_means": means, "entry_id": entry_id, "judge_totals": totals,
           "official_total": official, "submitted_at": when, "title": title}
    return doc, EntryScores(entry_id, category, at, tuple(totals), means, official, title)


def _tier_doc(tier: Tier) -> dict[str, object]:
    return {
        "key": tier.key,
        "name": tier.name,
        "name_en": tier.name_en,
        "count": tier.count,
        "prize_vnd": tier.prize_vnd,
        "min_score": float(tier.min_score),
        "category": tier.category,
    }


def _override_doc(override: Override) -> dict[str, object]:
    return {
        "entry_id": override.entry_id,
        "tier_key": override.tier_key,
        "position": override.position,
        "reason": override.reason,
        "by": override.by,
        "at": fmt.utc_iso(override.at),
    }


def canonical_inputs(
    entries: Iterable[EntryScores],
    rubric_version: int,
    structure: PrizeStructure,
    overrides: Sequence[Override] = (),
    *,
    criterion_labels: Mapping[str, tuple[str, str]] | None = None,
) -> bytes:
    """Canonical JSON of everything the official result depends on.

    Criterion labels are included so that explanations rendered later quote the rubric the
    judges used; they do not change the ranking."""
    return _dump(_inputs_doc(entries, rubric_version, structure, overrides, criterion_labels)[0])


def _inputs_doc(
    entries: Iterable[EntryScores],
    rubric_version: int,
    structure: PrizeStructure,
    overrides: Sequence[Override],
    criterion_labels: Mapping[str, tuple[str, str]] | None,
) -> tuple[dict[str, Any], tuple[EntryScores, ...]]:
    """The inputs as a canonical document, ``json.loads(_dump(doc)) == doc`` (strings NFC,
    floats that ``repr`` writes and reads back exactly, lists, ints, ``None``), and its entries
    as parsing it gives them."""
    labels = DEFAULT_CRITERION_LABELS if criterion_labels is None else criterion_labels
    head = _canon(
        {
            "format": INPUTS_FORMAT,
            "rubric_version": rubric_version,
            "criterion_labels": {k: list(v) for k, v in labels.items()},
            "structure": {
                "tiers": [_tier_doc(t) for t in structure.tiers],
                "tie_break": list(structure.tie_break),
            },
            "overrides": sorted((_override_doc(o) for o in overrides), key=lambda d: str(d["entry_id"])),
        }
    )
    assert isinstance(head, dict)
    r6 = _Rounded()
    pairs = sorted((_entry_doc(e, r6) for e in entries), key=lambda p: str(p[0]["entry_id"]))
    head["entries"] = [d for d, _ in pairs]
    return head, tuple(e for _, e in pairs)


# --- parsing ----------------------------------------------------------------------------


def _field(doc: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    try:
        value = doc[key]
    except KeyError:
        raise ResultInputError("inputs.missing_field", key=key) from None
    if isinstance(value, bool) or not isinstance(value, kind):  # no field of the format is a bool
        raise ResultInputError("inputs.field_type", key=key)
    return value


def _float(doc: Mapping[str, Any], key: str) -> float:
    return float(_field(doc, key, (int, float)))


@dataclass(frozen=True, slots=True)
class ResultInputs:
    """The parsed inputs of an official result."""

    rubric_version: int
    structure: PrizeStructure
    entries: tuple[EntryScores, ...]
    overrides: tuple[Override, ...]
    criterion_labels: Mapping[str, tuple[str, str]]
    legacy: bool = False  # format-1 inputs: the result carries explanations


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ResultInputError("inputs.score_not_number")
    return float(value)


def parse_inputs(inputs_json: bytes) -> ResultInputs:
    """Read canonical inputs back into domain objects (validating them).

    Raises :class:`ResultInputError` for unreadable data, and the domain's own errors
    (``RankingError``/``AllocationError``, both ``ValueError``) for invalid content."""
    try:
        doc = json.loads(inputs_json)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultInputError("inputs.not_json", detail=str(exc)) from exc
    return _parse_inputs_doc(doc)


def _parse_inputs_doc(doc: Any, entries: tuple[EntryScores, ...] | None = None) -> ResultInputs:
    if not isinstance(doc, dict) or doc.get("format") not in (INPUTS_FORMAT, LEGACY_INPUTS_FORMAT):
        raise ResultInputError("inputs.format", format=INPUTS_FORMAT)
    try:
        return _parse_doc(doc, entries)
    except (TypeError, AttributeError, IndexError, KeyError) as exc:  # wrong shapes deep inside
        raise ResultInputError("inputs.shape", detail=repr(exc)) from exc


_NUMBER_TYPES = frozenset({float, int})


def _numbers(values: Any, key: str) -> Any:
    if not _NUMBER_TYPES.issuperset(map(type, values)):  # exact types: a bool is not a score
        raise ResultInputError("inputs.numbers_only", key=key)
    return values


def _entry(e: Any) -> EntryScores:
    """One entry of the inputs (the hot loop of a recomputation: exact type checks, no helpers)."""
    if type(e) is not dict:
        raise ResultInputError("inputs.entry_not_object")
    totals, means = e["judge_totals"], e["criterion_means"]
    if type(totals) is not list or type(means) is not dict:
        raise ResultInputError("inputs.entry_scores_type")
    entry_id, category, title, at = e["entry_id"], e["category"], e["title"], e["submitted_at"]
    if not (type(entry_id) is str and type(category) is str and type(title) is str and type(at) is str):
        raise ResultInputError("inputs.entry_text_type")
    official = e["official_total"]
    if type(official) is not float and type(official) is not int:
        raise ResultInputError("inputs.entry_total_type")
    return EntryScores(
        entry_id=entry_id, category=category, submitted_at=fmt.parse_utc_iso(at),
        judge_totals=tuple(map(float, _numbers(totals, "judge_totals"))),
        criterion_means={str(k): float(v) for k, v in _numbers(means.values(), "criterion_means") and means.items()},
        official_total=float(official), title=title)


def _parse_doc(doc: Mapping[str, Any], entries: tuple[EntryScores, ...] | None = None) -> ResultInputs:
    labels_doc = _field(doc, "criterion_labels", dict)
    labels = {str(k): (str(v[0]), str(v[1])) for k, v in labels_doc.items()}
    structure_doc = _field(doc, "structure", dict)
    tiers = tuple(
        Tier(
            key=_field(t, "key", str),
            name=_field(t, "name", str),
            count=_field(t, "count", int),
            prize_vnd=_field(t, "prize_vnd", int),
            min_score=_float(t, "min_score"),
            category=_field(t, "category", (str, type(None))),
            name_en=_field(t, "name_en", str),
        )
        for t in _field(structure_doc, "tiers", list)
    )
    structure = PrizeStructure(tiers, tuple(str(k) for k in _field(structure_doc, "tie_break", list)))
    if entries is None:
        entries = tuple(_entry(e) for e in _field(doc, "entries", list))
    overrides = tuple(
        Override(
            entry_id=_field(o, "entry_id", str),
            tier_key=_field(o, "tier_key", (str, type(None))),
            position=_field(o, "position", (int, type(None))),
            reason=_field(o, "reason", str),
            by=_field(o, "by", str),
            at=fmt.parse_utc_iso(_field(o, "at", str)),
        )
        for o in _field(doc, "overrides", list)
    )
    return ResultInputs(_field(doc, "rubric_version", int), structure, entries, overrides, labels,
                        legacy=doc["format"] == LEGACY_INPUTS_FORMAT)


# --- result -----------------------------------------------------------------------------


def _result_doc(inputs: ResultInputs, allocation: Allocation, inputs_sha256: str,
                render: Render | None = None) -> dict[str, Any]:
    """The result document, already in canonical form (rows built directly, see :func:`_entry_doc`),
    so that ``json.loads(canonical_json(doc)) == doc``."""
    awards = {a.entry_id: a for a in allocation.awards}
    computed = {a.entry_id: a.tier.key for a in allocation.computed}
    overridden = {o.entry_id for o in allocation.overrides}
    if inputs.legacy:
        if render is None:
            raise ResultInputError("inputs.render_needed")
        awarded_groups = {id(a.ranked.tie_group) for a in allocation.awards if a.ranked.tie_group}
    rows: list[dict[str, object]] = []
    append = rows.append
    if not inputs.legacy:
        # Format 2: the decisions only (keys in sorted order); figures are in the inputs.
        for ranked in allocation.ranking:
            entry_id = ranked.entry.entry_id
            award = awards.get(entry_id)
            append({
                "computed_tier_key": computed.get(entry_id),
                "entry_id": _text(entry_id),
                "official_total": _num(ranked.entry.official_total),
                "overridden": entry_id in overridden,
                "position": ranked.position,
                "tied_with_count": max(len(ranked.tie_group) - 1, 0),
                "tier_key": _text(award.tier.key) if award else None,
            })
    for ranked in allocation.ranking if inputs.legacy else ():
        entry = ranked.entry
        entry_id = entry.entry_id
        award = awards.get(entry_id)
        explain = award is not None or entry_id in overridden or (
            bool(ranked.tie_group) and id(ranked.tie_group) in awarded_groups)
        append({
            "position": ranked.position,
            "entry_id": _text(entry_id),
            "title": _text(entry.title),
            "category": _text(entry.category),
            "official_total": _num(entry.official_total),
            "judges_count": len(entry.judge_totals),
            "mean_total": _num(entry.mean_total),
            "median_total": _num(entry.median_total),
            "criterion_means": {_text(k): _num(v) for k, v in entry.criterion_means.items()},
            "tied_with_count": max(len(ranked.tie_group) - 1, 0),
            "tier_key": _text(award.tier.key) if award else None,
            "tier_name": _text(award.tier.name) if award else None,
            "prize_vnd": award.tier.prize_vnd if award else 0,
            "computed_tier_key": computed.get(entry_id),
            "overridden": entry_id in overridden,
            "explanation_vi": _explained(render, ranked.explanation, allocation.explain(entry_id), "vi")
            if explain else None,
            "explanation_en": _explained(render, ranked.explanation, allocation.explain(entry_id), "en")
            if explain else None,
        })
    structure = allocation.structure
    head = _canon(
        {
            "format": LEGACY_RESULT_FORMAT if inputs.legacy else RESULT_FORMAT,
            "algorithm": LEGACY_ALGORITHM if inputs.legacy else ALGORITHM,
            "inputs_sha256": inputs_sha256,
            "rubric_version": inputs.rubric_version,
            "tie_break": list(structure.chain),
            "tiers": [
                {
                    **_tier_doc(t),
                    "awarded": t.count - allocation.unfilled.get(t.key, 0),
                    "unfilled": allocation.unfilled.get(t.key, 0),
                }
                for t in structure.tiers
            ],
            "overrides": [_override_doc(o) for o in sorted(allocation.overrides, key=lambda o: o.entry_id)],
        }
    )
    assert isinstance(head, dict)
    head["rows"] = rows
    return head


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while a result is built: it would walk the hundreds of
    thousands of new dicts, lists and tuples again and again as they are made (measured: 0.8 of
    3.4 s for 100,000 entries). Reference counting still frees everything that is not in a
    cycle; with pauses nested or in several threads, the last one to end turns it back on, and
    only if it was on before the first began."""
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def _explained(render: Render | None, ranked: Param, allocated: Param, lang: str) -> str:
    assert render is not None  # checked once in _result_doc
    return _text(f"{render(ranked, lang)} {render(allocated, lang)}")


def compute_result(inputs_json: bytes, *, render: Render | None = None) -> tuple[dict[str, Any], str]:
    """Pure: parse the inputs, rank, allocate, apply overrides; return (result, SHA-256 hex).

    ``render`` words explanations (``services.awards.explanations.render``); only format-1
    inputs need it, since their result embeds the sentences.

    The hash is taken over :func:`canonical_json` of the result, which embeds the SHA-256 of
    ``inputs_json`` itself: the result names the exact file it was computed from, so it must
    be recomputed from the exported bytes (as :func:`canonical_inputs` wrote them), not from
    a re-formatted copy."""
    with _no_cycle_collection():
        return _compute(parse_inputs(inputs_json), hashlib.sha256(inputs_json).hexdigest(), render)


def _compute(inputs: ResultInputs, inputs_sha256: str,
             render: Render | None = None) -> tuple[dict[str, Any], str]:
    allocation = rank_and_allocate(inputs.entries, inputs.structure, criterion_labels=inputs.criterion_labels)
    if inputs.overrides:
        allocation = apply_overrides(allocation, inputs.overrides)
    result = _result_doc(inputs, allocation, inputs_sha256, render)
    return result, hashlib.sha256(_dump(result)).hexdigest()


def compute_official(
    entries: Iterable[EntryScores],
    rubric_version: int,
    structure: PrizeStructure,
    overrides: Sequence[Override] = (),
    *,
    criterion_labels: Mapping[str, tuple[str, str]] | None = None,
) -> tuple[bytes, dict[str, Any], str]:
    """The service's entry point: (canonical inputs to publish, result, result SHA-256)."""
    with _no_cycle_collection():
        doc, canonical_entries = _inputs_doc(entries, rubric_version, structure, overrides, criterion_labels)
        inputs_json = _dump(doc)
        # The same as compute_result(inputs_json) without decoding the bytes again: the document
        # is what decoding them gives and the entries are what parsing it gives (see _entry_doc;
        # the property tests compare both ways).
        inputs = _parse_inputs_doc(doc, canonical_entries)
        result, digest = _compute(inputs, hashlib.sha256(inputs_json).hexdigest())
    return inputs_json, result, digest


def verify_result(inputs_json: bytes, expected_sha256: str, *, render: Render | None = None) -> bool:
    """Recompute from exported inputs and compare with a published hash."""
    return compute_result(inputs_json, render=render)[1] == expected_sha256.strip().lower()


# --- rows for exports -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One row of the official result, as exports need it."""

    position: int
    entry_id: str
    title: str
    category: str
    official_total: float
    judges_count: int
    mean_total: float
    criterion_means: Mapping[str, float]
    tier_key: str | None
    tier_name: str | None
    prize_vnd: int
    overridden: bool = False


def tiers_by_key(result: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The result's tiers by key (names and prize amounts of the rows' ``tier_key``)."""
    return {str(t["key"]): t for t in result.get("tiers", [])}


def result_rows(result: Mapping[str, Any], inputs_json: bytes | None = None) -> list[ResultRow]:
    """Typed rows of a result from :func:`compute_result`, with each entry's figures: a
    format-2 result holds decisions only, so its figures are read from the inputs it names."""
    fmt_ = result.get("format")
    if fmt_ == LEGACY_RESULT_FORMAT:
        return [
            ResultRow(
                position=int(row["position"]),
                entry_id=str(row["entry_id"]),
                title=str(row["title"]),
                category=str(row["category"]),
                official_total=float(row["official_total"]),
                judges_count=int(row["judges_count"]),
                mean_total=float(row["mean_total"]),
                criterion_means={str(k): float(v) for k, v in row["criterion_means"].items()},
                tier_key=None if row["tier_key"] is None else str(row["tier_key"]),
                tier_name=None if row["tier_name"] is None else str(row["tier_name"]),
                prize_vnd=int(row["prize_vnd"]),
                overridden=bool(row["overridden"]),
            )
            for row in result["rows"]
        ]
    if fmt_ != RESULT_FORMAT:
        raise ResultInputError("inputs.result_format", format=RESULT_FORMAT)
    if inputs_json is None or hashlib.sha256(inputs_json).hexdigest() != result.get("inputs_sha256"):
        raise ResultInputError("inputs.mismatch")
    entries = {e.entry_id: e for e in parse_inputs(inputs_json).entries}
    tiers = tiers_by_key(result)
    out = []
    for row in result["rows"]:
        e = entries[str(row["entry_id"])]
        tier = tiers.get(str(row["tier_key"])) if row["tier_key"] is not None else None
        out.append(ResultRow(
            position=int(row["position"]), entry_id=e.entry_id, title=e.title, category=e.category,
            official_total=float(row["official_total"]), judges_count=len(e.judge_totals),
            mean_total=_num(e.mean_total), criterion_means=dict(e.criterion_means),
            tier_key=None if tier is None else str(tier["key"]), tier_name=None if tier is None else str(tier["name"]),
            prize_vnd=0 if tier is None else int(tier["prize_vnd"]), overridden=bool(row["overridden"])))
    return out
