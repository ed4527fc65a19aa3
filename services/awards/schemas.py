"""What awards' API answers (``services.awards.api``): one model per kind of answer.

The official result keeps its canonical form (``services.awards.domain.result_hash``): its
head is declared here, each row's figures beyond those named pass through as they are."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from services.awards.domain.allocation import Override as Override  # answered as the domain holds it
from services.awards.domain.season_report import TierRow
from shared.schemas import Number, Out

#: A downloaded file: its bytes, named in ``Content-Disposition``.
FILE_HEADERS = {"Content-Disposition": {"description": "attachment; filename=\"...\"", "schema": {"type": "string"}}}


def file_response(media: str, what: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entry of a route answering a file of type ``media``."""
    return {200: {"description": what, "headers": FILE_HEADERS,
                  "content": {media: {"schema": {"type": "string", "format": "binary"}}}}}


#: The exported inputs of a result: a JSON file (its format: ``services.awards.domain.result_hash``).
INPUTS_FILE: dict[int | str, dict[str, Any]] = {200: {
    "description": "The inputs the result was computed from (canonical JSON).", "headers": FILE_HEADERS,
    "content": {"application/json": {"schema": {"type": "object", "required": ["format"],
                                                "properties": {"format": {"type": "string"}}}}}}}


# ---------------------------------------------------------------- organisers


class RankedEntry(Out):
    position: int
    entry_id: str
    code: str | None
    title: str | None
    official_total: Number
    round_no: int = Field(description="The round the entry's total comes from (its last).")
    explanation: str


class RankingOut(Out):
    contest_id: str
    provisional: bool = Field(description="True until judging is closed.")
    as_of: datetime | None
    tie_break: list[str]
    entries: list[RankedEntry]


class Tier(Out):
    key: str
    name: str
    name_en: str = ""
    count: int
    prize_vnd: int
    min_score: Number
    category: str | None = None


class Prizes(Out):
    tiers: list[Tier]
    tie_break: list[str] = Field(default_factory=list)
    place: str = ""
    signer_name: str = ""
    signer_title: str = ""


class PrizesOut(Out):
    contest_id: str
    prizes: Prizes | None = Field(description="null until the organisers set the prizes.")
    locked: bool = Field(description="True once the result is announced.")


class Approval(Out):
    by: str
    by_id: str
    at: datetime
    result_hash: str
    inputs_sha256: str


class AllocationRow(Out):
    position: int
    entry_id: str
    code: str
    title: str
    unit: str
    category: str
    official_total: Number
    judges_count: int
    criterion_means: dict[str, Number]
    tier_key: str | None
    tier_name: str | None
    computed_tier_key: str | None
    overridden: bool
    tied_with: list[str]
    explanation: str = Field(description="Why the entry has its place and prize, in the user's language.")


class LateScore(Out):
    entry_id: str
    code: str | None
    rounds: list[str]


class AllocationOut(Out):
    contest_id: str
    ready: bool = Field(description="Whether the allocation can be approved now.")
    error: str
    waiting: list[str] = Field(description="Codes of entries whose scores have not arrived yet.")
    result_hash: str
    inputs_sha256: str
    announced: bool
    approval: Approval | None
    overrides: list[Override]
    audit: list[dict[str, Any]]
    tiers: list[Tier]
    rows: list[AllocationRow]
    unfilled: dict[str, int] = Field(description="Places of each tier left unfilled, by tier key.")
    unfilled_named: list[tuple[str, int]]
    late_scores: list[LateScore]


class Announced(Out):
    contest_id: str
    announced_at: datetime
    result_hash: str


class OfficialResult(Out):
    """The official result in its canonical form (what ``result_hash`` is the SHA-256 of)."""

    format: str
    algorithm: str
    inputs_sha256: str
    tie_break: list[str]
    tiers: list[dict[str, Any]]
    overrides: list[dict[str, Any]]
    rows: list[dict[str, Any]] = Field(description="One per ranked entry, in order of position.")


class ResultOut(Out):
    contest_id: str
    announced: bool
    result_hash: str
    result: OfficialResult


# ---------------------------------------------------------------- winners


class CertificateLink(Out):
    index: int
    full_name: str
    url: str


class MyCertificate(Out):
    contest_name: str
    entry_id: str
    code: str
    title: str
    tier_name: str | None
    authors: list[CertificateLink]


# ---------------------------------------------------------------- public


class PublicContest(Out):
    contest_id: str
    name: str | None
    announced_at: datetime | None


class Winner(Out):
    position: int
    entry_id: str
    official_total: Number
    title: str
    code: str
    unit: str
    summary: str
    authors: list[str]


class TierWinners(Out):
    tier: dict[str, Any]
    winners: list[Winner]


class Statistics(Out):
    """Entries by unit, category and status (withdrawn ones excluded): ``[name, count]`` pairs."""

    by_unit: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    by_status: list[tuple[str, int]]
    total: int
    units: int
    eligible: int


class PublicResults(Out):
    contest_id: str
    name: str | None
    announced_at: datetime | None
    result_hash: str
    inputs_sha256: str
    tiers: list[TierWinners]
    statistics: Statistics


class CertificateCheck(Out):
    valid: bool
    code: str
    contest_id: str
    contest_name: str
    author_name: str
    unit: str
    title: str
    entry_code: str
    tier_name: str | None


class ResultCheck(Out):
    valid: bool = Field(description="Whether the inputs give the published hash.")
    computed_hash: str
    expected_hash: str


# ---------------------------------------------------------------- the season report


class SeasonUnit(Out):
    unit: str
    entries: int
    headcount: int | None = Field(description="Staff, where the unit directory has a positive headcount.")
    per_100_staff: Number | None = Field(description="Entries per 100 staff (only where headcount is known).")


class SeasonCount(Out):
    key: str = Field(description="The category key, or the author group ('' when the entry named none).")
    name: str
    entries: int


class SeasonParticipation(Out):
    total: int = Field(description="Entries whose latest status is not withdrawn.")
    eligible: int
    ineligible: int
    waiting: int = Field(description="Entries not screened yet.")
    by_unit: list[SeasonUnit]
    by_category: list[SeasonCount]
    by_group: list[SeasonCount]


class SeasonMilestone(Out):
    key: str = Field(description="screening_done, judging_closed or announced.")
    at: datetime | None
    days: int | None = Field(description="Calendar days (Vietnam time) after the deadline's day.")


class SeasonTimeliness(Out):
    closes_at: datetime | None
    milestones: list[SeasonMilestone]


class SeasonPrizes(Out):
    announced: bool
    tiers: list[TierRow]
    count: int
    amount_vnd: int


class SeasonInitiative(Out):
    entry_id: str
    code: str
    title: str
    plans: int
    assigned: int
    accepted: int
    declined: int
    applied: int = Field(description="Units at stage applied or institutionalised.")


class SeasonAdoption(Out):
    as_of: datetime | None = Field(description="The time of the latest adoption fact counted.")
    assigned: int
    accepted: int
    declined: int
    applied: int
    units_applying: int
    initiatives: list[SeasonInitiative]


class SeasonReportOut(Out):
    """One contest's season report, computed from events; ``inputs_sha256`` identifies its inputs."""

    contest_id: str
    contest_name: str
    inputs_sha256: str
    participation: SeasonParticipation
    timeliness: SeasonTimeliness
    prizes: SeasonPrizes
    adoption: SeasonAdoption
