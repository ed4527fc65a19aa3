"""What follows an approval: the public results page, participation statistics, certificates,
exports and the verification of certificate codes and result hashes.

Nothing here shows a result before it is announced, except to organisers (exports of the
approved result, for the award decision); every public read starts from ``announced``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from cachetools import LRUCache

from services.awards.domain import certificates as certs
from services.awards.domain import formatting as fmt
from services.awards.domain import participation
from services.awards.domain.exports import EntryDetails, export_csv, export_xlsx
from services.awards.domain.result_hash import ResultInputError, compute_result, result_rows, tiers_by_key
from services.awards.explanations import render
from services.awards.messages import text
from services.awards.repositories import AwardsRepositories
from services.awards.service import not_found
from services.awards.settings import AwardsSettings
from shared.auth import Principal
from shared.coded import CodedError
from shared.errors import Conflict, Forbidden, Invalid, NotFound, Refused, TooLarge
from shared.mongo import Doc
from shared.unit_copy import UnitCopy
from shared.web.i18n import N_

MAX_INPUTS_BYTES = 8 * 1024 * 1024  # a province's contest is a few hundred KB; 20,000 entries fit
#: More authors than any contest allows (the main author and up to 20 co-authors): certificate
#: codes are tried for these positions of each winning entry.
MAX_AUTHORS = 21


@dataclass(frozen=True)
class Official:
    """A stored official result: the contest, the result document and its canonical inputs."""

    contest: Doc
    result: dict[str, Any]
    inputs_json: bytes
    result_hash: str

    @property
    def awarded(self) -> list[dict[str, Any]]:
        """Rows with a prize, with the tier's name and amount (format 2 stores only its key)."""
        tiers = tiers_by_key(self.result)
        return [{"title": "", **r, "tier_name": tiers[r["tier_key"]]["name"],
                 "prize_vnd": tiers[r["tier_key"]]["prize_vnd"]} for r in self.result["rows"] if r["tier_key"]]


def place_of(contest: Doc) -> str:
    """The date line's place: configured, else the province named in the issuing body."""
    configured = (contest.get("prizes") or {}).get("place", "").strip()
    if configured:
        return str(configured)
    m = re.search(r"(?:tỉnh|thành phố|TP\.?)\s+(.+)$", contest.get("issuing_body", ""), re.IGNORECASE)
    return m.group(1).strip() if m else "Việt Nam"


@dataclass
class Publication:
    repos: AwardsRepositories
    settings: AwardsSettings
    units: UnitCopy
    #: Each announced result's prize rows by (contest, result hash): a result never changes under
    #: its hash, and checking a certificate code walks every announced contest's winners.
    _awarded: LRUCache[tuple[str, str], list[dict[str, Any]]] = field(
        default_factory=lambda: LRUCache(maxsize=1024))

    @property
    def secret(self) -> bytes:
        """Certificate codes are an HMAC under a key derived from the service's secret."""
        return hashlib.sha256(b"awards-certificate/" + self.settings.secret_key.encode()).digest()

    # ------------------------------------------------------------ stored results

    async def _load(self, contest: Doc, result_hash: str) -> Official:
        stored = await self.repos.results.get(contest["_id"], result_hash)
        if stored is None:
            raise Conflict("Không tìm thấy kết quả đã lưu; vui lòng phê duyệt lại.")
        result, inputs = stored
        return Official(contest, await asyncio.to_thread(json.loads, result), inputs, result_hash)

    async def awarded_of(self, contest: Doc) -> list[dict[str, Any]]:
        """An announced contest's prize rows (``Official.awarded``), read once per result hash."""
        key = (contest["_id"], contest["result_hash"])
        rows = self._awarded.get(key)
        if rows is None:
            rows = self._awarded[key] = (await self._load(contest, contest["result_hash"])).awarded
        return rows

    async def announced(self, contest_id: str) -> Official:
        """The announced result; 404 (exactly as for an unknown contest) before the announcement."""
        contest = await self.repos.contests.get(contest_id)
        if contest is None or contest.get("announced") is not True or not contest.get("result_hash"):
            raise not_found()
        return await self._load(contest, contest["result_hash"])

    async def official(self, contest_id: str) -> Official:
        """For organisers: the announced result, else the approved one."""
        contest = await self.repos.contests.get(contest_id)
        if contest is None:
            raise not_found()
        if contest.get("announced"):
            return await self._load(contest, contest["result_hash"])
        if contest.get("approval"):
            return await self._load(contest, contest["approval"]["result_hash"])
        raise Conflict("Chưa có kết quả được phê duyệt.")

    async def announced_contests(self) -> list[Doc]:
        return await self.repos.contests.announced()

    async def entry_docs(self, ids: list[str]) -> dict[str, Doc]:
        return await self.repos.entries.public(ids)

    # ------------------------------------------------------------ public page

    async def winners(self, off: Official) -> list[dict[str, Any]]:
        """Tiers in declared order, each with its winners' public details."""
        docs = await self.entry_docs([r["entry_id"] for r in off.awarded])
        out = []
        for tier in off.result["tiers"]:
            rows = [r for r in off.awarded if r["tier_key"] == tier["key"]]
            out.append({"tier": tier, "winners": [{
                "position": r["position"], "entry_id": r["entry_id"], "official_total": r["official_total"],
                "title": docs.get(r["entry_id"], {}).get("title", r["title"]),
                "code": docs.get(r["entry_id"], {}).get("code", ""),
                "unit": docs.get(r["entry_id"], {}).get("unit", ""),
                "summary": docs.get(r["entry_id"], {}).get("summary", ""),
                "authors": [a["full_name"] for a in docs.get(r["entry_id"], {}).get("authors", [])],
            } for r in rows]})
        return out

    async def statistics(self, contest: Doc) -> dict[str, Any]:
        """Entries by unit and category (withdrawn ones excluded), for the charts."""
        names = {c["key"]: c["name"] for c in contest.get("categories", [])}
        facts = await self.repos.statuses.of_contest(contest["_id"])
        out: dict[str, Any] = participation.tally(facts, units=self.units.directory)
        out["by_category"] = [(names.get(k, k), n) for k, n in out["by_category"]]
        out["total"] = sum(n for _, n in out["by_unit"])
        out["units"] = len(out["by_unit"])
        out["eligible"] = dict(out["by_status"]).get("eligible", 0)
        return out

    # ------------------------------------------------------------ certificates

    def code_for(self, contest_id: str, entry_id: str, author_index: int) -> str:
        return certs.verification_code(self.secret, contest_id, entry_id, author_index)

    def certificate_data(self, off: Official, row: Mapping[str, Any], doc: Doc, author_index: int,
                         ) -> certs.CertificateData:
        contest = off.contest
        author = doc["authors"][author_index]
        announced = contest.get("announced_at") or contest.get("approval", {}).get("at")
        issued: date = announced.astimezone(fmt.VN_TZ).date() if announced else date.today()
        prizes = contest.get("prizes") or {}
        return certs.CertificateData(
            issuing_body=str(contest.get("issuing_body", "")).upper(), author_name=author["full_name"],
            unit=author.get("unit") or doc.get("unit", ""), title=doc.get("title", row["title"]),
            tier_name=str(row["tier_name"]), contest_name=str(contest.get("name", "")), place=place_of(contest),
            issued_on=issued, verification_code=self.code_for(contest["_id"], row["entry_id"], author_index),
            verify_url=f"{self.settings.public_base_url.rstrip('/')}/awards/verify",
            entry_code=doc.get("code", ""), signer_name=prizes.get("signer_name", ""),
            signer_title=prizes.get("signer_title") or certs.DEFAULT_SIGNER_TITLE,
            document_number=f"{int(row.get('position') or 0):03d}-{author_index + 1}/GCN-{contest.get('code', '')}")

    async def certificate(self, entry_id: str, author_index: int, user: Principal) -> tuple[bytes, str]:
        """One certificate: for the entry's owner or an organiser, once announced."""
        doc = await self.repos.entries.public_one(entry_id)
        if doc is None:
            raise NotFound("Không tìm thấy giấy chứng nhận.")
        if not user.has("organiser") and doc.get("owner_account_id") != user.account_id:
            raise Forbidden("Bạn chỉ được tải giấy chứng nhận của sáng kiến mình.")
        off = await self.announced(doc["contest_id"])
        row = next((r for r in off.awarded if r["entry_id"] == entry_id), None)
        if row is None or not 0 <= author_index < len(doc.get("authors", [])):
            raise NotFound("Không tìm thấy giấy chứng nhận.")
        data = self.certificate_data(off, row, doc, author_index)
        return await asyncio.to_thread(certs.render_certificate, data), certs.certificate_filename(data)

    async def my_certificates(self, user: Principal) -> list[dict[str, Any]]:
        """The signed-in participant's awarded entries of announced contests, with their certificates."""
        out = []
        mine = await self.repos.entries.owned_by(user.account_id)
        for cid in sorted({d["contest_id"] for d in mine}):
            try:
                off = await self.announced(cid)
            except Refused:
                continue
            awarded = {r["entry_id"]: r for r in off.awarded}
            for d in mine:
                row = awarded.get(d["_id"]) if d["contest_id"] == cid else None
                if row is None:
                    continue
                out.append({"contest_name": off.contest.get("name", ""), "entry_id": d["_id"],
                            "code": d.get("code", ""), "title": d.get("title", ""), "tier_name": row["tier_name"],
                            "authors": [{"index": i, "full_name": a["full_name"],
                                         "url": f"/awards/api/entries/{d['_id']}/certificates/{i}.pdf"}
                                        for i, a in enumerate(d.get("authors", []))]})
        return out

    async def bulk(self, contest_id: str) -> bytes:
        off = await self.announced(contest_id)
        docs = await self.entry_docs([r["entry_id"] for r in off.awarded])
        items = [self.certificate_data(off, r, docs[r["entry_id"]], i)
                 for r in off.awarded if r["entry_id"] in docs
                 for i in range(len(docs[r["entry_id"]].get("authors", [])))]
        return await asyncio.to_thread(certs.bulk_zip, items)

    async def verify_code(self, code: str) -> dict[str, Any] | None:
        """Who a certificate code belongs to, among announced results (HMACs: nothing to look up)."""
        typed = certs.normalise_code(code)
        if typed is None:
            return None
        # Codes are recomputed, not looked up: every winner's possible author positions first (an
        # HMAC each, no reads), then the one entry whose code matched.
        for c in await self.announced_contests():
            for r in await self.awarded_of(c):
                i = next((i for i in range(MAX_AUTHORS)
                          if certs.verify_code(self.secret, c["_id"], r["entry_id"], i, typed)), None)
                if i is None:
                    continue
                doc = (await self.entry_docs([r["entry_id"]])).get(r["entry_id"], {})
                authors = doc.get("authors", [])
                if i >= len(authors):
                    return None
                return {"valid": True, "code": typed, "contest_id": c["_id"], "contest_name": c["name"],
                        "author_name": authors[i]["full_name"], "unit": authors[i].get("unit", ""),
                        "title": doc.get("title", ""), "entry_code": doc.get("code", ""), "tier_name": r["tier_name"]}
        return None

    # ------------------------------------------------------------ exports and hashes

    async def export(self, contest_id: str, kind: str) -> bytes:
        off = await self.official(contest_id)
        docs = await self.entry_docs([r["entry_id"] for r in off.result["rows"]])
        details = {k: EntryDetails(code=d.get("code", ""), unit=d.get("unit", ""),
                                   authors=tuple(a["full_name"] for a in d.get("authors", [])))
                   for k, d in docs.items()}
        rows = await asyncio.to_thread(result_rows, off.result, off.inputs_json)
        if kind == "xlsx":
            return await asyncio.to_thread(export_xlsx, rows, details)
        return await asyncio.to_thread(export_csv, rows, details)

    @staticmethod
    async def verify_inputs(inputs_json: bytes, expected: str) -> dict[str, Any]:
        """Recompute a result from exported inputs and compare with a published hash."""
        if len(inputs_json) > MAX_INPUTS_BYTES:
            raise TooLarge("Tệp dữ liệu đầu vào quá lớn.")
        try:
            _, digest = await asyncio.to_thread(partial(compute_result, inputs_json, render=render))
        except RecursionError as exc:  # nesting deeper than any inputs file has
            raise Invalid("Tệp dữ liệu đầu vào không hợp lệ.", field="inputs",
                          errors={"inputs": N_("JSON lồng nhau quá sâu.")}) from exc
        except (ResultInputError, ValueError) as exc:
            raise Invalid("Tệp dữ liệu đầu vào không hợp lệ.", field="inputs",
                          errors={"inputs": text(exc) if isinstance(exc, CodedError) else str(exc)}) from exc
        return {"valid": digest == expected.strip().lower(), "computed_hash": digest,
                "expected_hash": expected.strip().lower()}
