"""Judging in process: the service over in-memory repositories, fed the events it hears (each
to the use case ``services.judging.consumers`` routes it to), its outbox read as the relay
would."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from services.judging.memory_repositories import memory_repositories
from services.judging.service import JudgingService
from services.judging.settings import JudgingSettings
from shared.auth import Principal
from shared.envelope import EventPayload
from shared.events.accounts import AccountRegistered, AccountUpdated
from shared.events.awards import ResultsAnnounced
from shared.events.contests import (
    Category,
    ContestClosed,
    ContestDeadlineExtended,
    ContestOpened,
    ContestUpdated,
)
from shared.events.entries import EntryBecameEligible, EntryWithdrawnFromJudging, Sections
from shared.memory_outbox import MemoryOutbox

T0 = datetime(2026, 3, 1, tzinfo=UTC)
ORGANISER = Principal(account_id="org", email="btc@sonoivu.example", full_name="Ban Tổ chức", unit="Sở Nội vụ",
                      roles=frozenset({"organiser"}))
FULL = {"novelty": 25.0, "effectiveness": 30.0, "applicability": 15.0, "presentation": 8.0}  # 78 of 100


def scores(total_off: float = 0.0) -> dict[str, float | None]:
    """A complete sheet: ``FULL`` with ``total_off`` taken from effectiveness."""
    return {**FULL, "effectiveness": FULL["effectiveness"] - total_off}


@dataclass
class World:
    settings: JudgingSettings = field(default_factory=JudgingSettings)
    outbox: MemoryOutbox = field(default_factory=MemoryOutbox)
    svc: JudgingService = field(init=False)

    def __post_init__(self) -> None:
        self.repos = memory_repositories(self.outbox)
        self.svc = JudgingService(self.repos, self.settings)

    async def event(self, *payloads: EventPayload) -> None:
        """Hand events to the use cases ``consumers.py`` maps them to, in order; a run of
        eligible entries at once, as the consumer's batch route does."""
        svc, run = self.svc, [p for p in payloads if isinstance(p, EntryBecameEligible)]
        if run:
            assert len(run) == len(payloads), "a run of eligible entries comes alone"
            await svc.on_eligible_many(run)
            return
        for p in payloads:
            match p:
                case AccountRegistered() | AccountUpdated():
                    await svc.on_account(p)
                case ContestOpened() | ContestUpdated() | ContestDeadlineExtended() | ContestClosed():
                    await svc.on_contest(p)
                case EntryWithdrawnFromJudging():
                    await svc.on_withdrawn(p)
                case ResultsAnnounced():
                    await svc.on_announced(p.contest_id)
                case _:
                    raise AssertionError(f"judging does not hear {p.event_type}")

    # ---------------------------------------------------------------- what others announce

    async def judges(self, *units: str, categories: list[str] | None = None) -> list[Principal]:
        """Judges j1, j2, ... of the given units."""
        out = []
        for n, unit in enumerate(units, 1):
            j = Principal(account_id=f"j{n}", email=f"giamkhao{n}@demo.example", full_name=f"Giám khảo {n}",
                          unit=unit, roles=frozenset({"judge"}))
            await self.event(AccountRegistered(account_id=j.account_id, email=j.email, full_name=j.full_name,
                                               unit=unit, roles=["judge"], categories=categories or []))
            out.append(j)
        return out

    async def judge_leaves(self, j: Principal) -> None:
        await self.event(AccountUpdated(account_id=j.account_id, email=j.email, full_name=j.full_name, unit=j.unit,
                                        roles=["judge"], active=False))

    def contest_event(self, contest_id: str = "c1", revision: int = 1, name: str = "Sáng kiến CCHC 2026",
                      **extra: Any) -> ContestOpened:
        return ContestOpened(contest_id=contest_id, code="CCHC-2026", name=name, issuing_body="Sở Nội vụ tỉnh Bắc Ninh",
                             categories=[Category(key="tthc", name="Thủ tục hành chính")], opens_at=T0,
                             closes_at=T0 + timedelta(days=30), status="closed", max_coauthors=5, revision=revision,
                             **extra)

    async def contest(self, contest_id: str = "c1") -> None:
        await self.event(self.contest_event(contest_id))

    @staticmethod
    def eligible(entry_id: str, unit: str, contest_id: str = "c1", minutes: int = 0) -> EntryBecameEligible:
        return EntryBecameEligible(
            entry_id=entry_id, contest_id=contest_id, code=f"CCHC-{entry_id.upper()}", title=f"Sáng kiến {entry_id}",
            category="tthc", sections=Sections(current_situation="Hiện trạng", solution="Giải pháp", novelty="Mới",
                                               effectiveness="Hiệu quả", applicability="Nhân rộng"),
            attachments=[], version=1, submitted_at=T0 + timedelta(minutes=minutes), conflict_unit=unit)

    async def entries(self, *units: str, contest_id: str = "c1") -> list[str]:
        """Eligible entries e1, e2, ... from the given units, arriving as one run."""
        ids = [f"e{n}" for n in range(1, len(units) + 1)]
        await self.event(*(self.eligible(i, u, contest_id, n) for n, (i, u) in enumerate(zip(ids, units, strict=True))))
        return ids

    # ---------------------------------------------------------------- reading what happened

    def review_of(self, entry_id: str, round_no: int = 1, contest_id: str = "c1") -> dict[str, Any]:
        """The review as stored now (a copy)."""
        return copy.deepcopy(self.repos.reviews.docs[f"{contest_id}:{round_no}:{entry_id}"])  # type: ignore[attr-defined]

    async def score_all(self, entry_id: str, round_no: int = 1, off: dict[str, float] | None = None) -> None:
        """Every judge of the entry declares and submits (``off``: points below ``FULL`` per judge)."""
        r = self.review_of(entry_id, round_no)
        for jid in list(r["judge_ids"]):
            j = Principal(account_id=jid, email="", full_name=jid, unit="", roles=frozenset({"judge"}))
            await self.svc.declare(j, r["_id"])
            await self.svc.save_sheet(j, r["_id"], scores((off or {}).get(jid, 0.0)), {}, "", True)
