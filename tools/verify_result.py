#!/usr/bin/env python3
"""Recompute an official contest result and its SHA-256 from the published inputs.

    python3 verify_result.py inputs.json [result.json] [--hash SHA256]

Anyone can run this: it needs Python 3.11+ and nothing else (standard library only), and it
does not use the platform's code. It reads the inputs file published with a result
(``/awards/api/public/contests/{id}/inputs.json``), applies the contest rules written below
(the README, "A result anyone can recompute", states them too), prints the SHA-256 of the
result and, given the published ``result.json`` and/or hash, says whether they match.
Exit status: 0 match (or nothing to compare), 1 mismatch, 2 unreadable or invalid inputs.

The rules (result format ``contest-awards-result/2``):

1. Ranking. Entries are ordered by a key made of the tie-break chain (``total`` first, then
   the contest's keys) and finally the entry id. Every score is compared rounded to 2
   decimals (Python's ``round(x, 2)``), higher first: ``total`` is the official total,
   ``criterion:<k>`` the mean of criterion k, ``median`` the median of the judges' totals
   (0 without judges). ``submitted_at`` is earlier first, to the microsecond. Positions are
   1, 2, 3, ... Entries with the same rounded total form a tie group.
2. Allocation. Walking the ranking from the top, each entry takes the first tier, in the
   declared order, that still has a place, whose minimum score (rounded to 2 decimals) its
   rounded total meets and whose category (if any) is the entry's. Places nobody qualifies
   for stay empty.
3. Overrides (the organiser's written decisions, at most one per entry) replace the tier of
   their entry (null: no prize); a tier's category still applies, and no tier may then hold
   more entries than its count. An override with a position (distinct, 1..n) moves its entry
   there: the other entries keep their order, moved entries are inserted at their positions
   in increasing order, and everyone is numbered 1..n again.
4. The result document (built in ``compute`` below) is written as canonical JSON: UTF-8, keys sorted, no
   spaces, strings NFC, floats as Python's ``repr`` of ``round(x, 6)`` (-0.0 as 0.0), and its
   SHA-256 is the published hash. It names the SHA-256 of the exact inputs file.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import sys
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

INPUTS_FORMAT = "contest-awards-inputs/2"
RESULT_FORMAT = "contest-awards-result/2"
ALGORITHM = "awards-domain/2"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


class Invalid(ValueError):
    """The inputs cannot give a result (unreadable, or against the rules)."""


def canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {unicodedata.normalize("NFC", str(k)): canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, float):
        return round(value, 6) + 0.0
    return value


def dump(value: Any) -> bytes:
    return json.dumps(canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return 0.0
    return float(ordered[n // 2]) if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def sort_key(entry: dict[str, Any], chain: list[str]) -> tuple[Any, ...]:
    key: list[Any] = []
    for k in chain:
        if k == "total":
            key.append(-round(entry["official_total"], 2))
        elif k == "median":
            key.append(-round(median(entry["judge_totals"]), 2))
        elif k == "submitted_at":
            at = datetime.fromisoformat(entry["submitted_at"].replace("Z", "+00:00"))
            key.append((at - EPOCH) // MICROSECOND)
        elif k.startswith("criterion:"):
            try:
                key.append(-round(entry["criterion_means"][k[len("criterion:"):]], 2))
            except KeyError:
                raise Invalid(f"entry {entry['entry_id']} has no score for {k}") from None
        else:
            raise Invalid(f"unknown tie-break key {k!r}")
    key.append(entry["entry_id"])
    return tuple(key)


def compute(inputs_json: bytes) -> tuple[dict[str, Any], str]:
    """The result document and its SHA-256, from the bytes of the inputs file."""
    try:
        doc = json.loads(inputs_json)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Invalid(f"not JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != INPUTS_FORMAT:
        raise Invalid(f"not a {INPUTS_FORMAT} file")
    tiers: list[dict[str, Any]] = doc["structure"]["tiers"]
    chain = [str(k) for k in doc["structure"]["tie_break"]]
    if chain[:1] != ["total"]:
        chain = ["total", *chain]
    entries: list[dict[str, Any]] = doc["entries"]
    if len({e["entry_id"] for e in entries}) != len(entries):
        raise Invalid("an entry id appears twice")

    # 1. Ranking.
    ranking = sorted(entries, key=lambda e: sort_key(e, chain))
    group_size: dict[float, int] = {}
    for e in ranking:
        group_size[round(e["official_total"], 2)] = group_size.get(round(e["official_total"], 2), 0) + 1

    # 2. Allocation by the rules alone.
    left = [int(t["count"]) for t in tiers]
    computed: dict[str, int] = {}
    for e in ranking:
        total = round(e["official_total"], 2)
        for j, t in enumerate(tiers):
            if left[j] and total >= round(t["min_score"], 2) and t["category"] in (None, e["category"]):
                left[j] -= 1
                computed[e["entry_id"]] = j
                break

    # 3. Overrides.
    index = {t["key"]: j for j, t in enumerate(tiers)}
    final = dict(computed)
    moves: dict[str, int] = {}
    overrides: list[dict[str, Any]] = doc["overrides"]
    known = {e["entry_id"]: e for e in entries}
    if len({o["entry_id"] for o in overrides}) != len(overrides):
        raise Invalid("two overrides of one entry")
    targets = [o["position"] for o in overrides if o["position"] is not None]
    if len(set(targets)) != len(targets) or any(not 1 <= p <= len(entries) for p in targets):
        raise Invalid("override positions must be distinct and within 1..number of entries")
    for o in overrides:
        entry = known.get(o["entry_id"])
        if entry is None:
            raise Invalid(f"override of an unknown entry {o['entry_id']}")
        if o["tier_key"] is None:
            final.pop(o["entry_id"], None)
        elif o["tier_key"] not in index or tiers[index[o["tier_key"]]]["category"] not in (None, entry["category"]):
            raise Invalid(f"override of {o['entry_id']} to a tier it cannot have")
        else:
            final[o["entry_id"]] = index[o["tier_key"]]
        if o["position"] is not None:
            moves[o["entry_id"]] = int(o["position"])
    holders = [0] * len(tiers)
    for j in final.values():
        holders[j] += 1
    if any(h > int(t["count"]) for h, t in zip(holders, tiers, strict=True)):
        raise Invalid("after the overrides a tier holds more entries than its count")
    order = [e for e in ranking if e["entry_id"] not in moves]
    for entry_id, position in sorted(moves.items(), key=lambda m: m[1]):
        order.insert(position - 1, known[entry_id])

    # 4. The result document.
    overridden = {o["entry_id"] for o in overrides}
    rows = [{
        "position": i,
        "entry_id": e["entry_id"],
        "official_total": e["official_total"],
        "tied_with_count": group_size[round(e["official_total"], 2)] - 1,
        "tier_key": tiers[final[e["entry_id"]]]["key"] if e["entry_id"] in final else None,
        "computed_tier_key": tiers[computed[e["entry_id"]]]["key"] if e["entry_id"] in computed else None,
        "overridden": e["entry_id"] in overridden,
    } for i, e in enumerate(order, start=1)]
    result = {
        "format": RESULT_FORMAT,
        "algorithm": ALGORITHM,
        "inputs_sha256": hashlib.sha256(inputs_json).hexdigest(),
        "rubric_version": doc["rubric_version"],
        "tie_break": chain,
        "tiers": [{**t, "min_score": float(t["min_score"]), "awarded": h, "unfilled": int(t["count"]) - h}
                  for t, h in zip(tiers, holders, strict=True)],
        "overrides": sorted(overrides, key=lambda o: str(o["entry_id"])),
        "rows": rows,
    }
    return result, hashlib.sha256(dump(result)).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", help="the published inputs.json")
    parser.add_argument("result", nargs="?", help="the published result.json (optional)")
    parser.add_argument("--hash", help="the published SHA-256 of the result (optional)")
    args = parser.parse_args(argv)
    with open(args.inputs, "rb") as f:
        inputs_json = f.read()
    gc.disable()  # a one-shot command building 100,000s of objects: the cycle collector only slows it
    try:
        result, digest = compute(inputs_json)
    except (Invalid, KeyError, TypeError, ValueError) as exc:
        print(f"INVALID inputs: {exc}", file=sys.stderr)
        return 2
    print(f"inputs SHA-256  {result['inputs_sha256']}")
    print(f"result SHA-256  {digest}")
    ok = True
    if args.hash is not None:
        same = args.hash.strip().lower() == digest
        ok &= same
        print(f"published hash  {'matches' if same else 'DOES NOT MATCH'}")
    if args.result is not None:
        with open(args.result, "rb") as f:
            try:
                published = json.loads(f.read())
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                print(f"INVALID result file: {exc}", file=sys.stderr)
                return 2
        same = dump(published) == dump(result)
        ok &= same
        print(f"result.json     {'matches' if same else 'DOES NOT MATCH'}")
        if not same:
            for a, b in zip(published.get("rows", []), result["rows"], strict=False):
                if a != b:
                    print(f"  first different row: published {a}\n                      recomputed {b}")
                    break
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
