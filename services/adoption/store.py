"""Adoption's collections.

- ``initiatives``: the little it knows of each initiative (title, summary, unit, authors, prize),
  from submission's ``EntryAuthorsRecorded`` and awards' ``ResultsAnnounced``;
- ``plans``: replication plans, with the outbox of their events;
- ``assignments``: one per plan and target unit: answer, stage, latest values and every report
  version (audit), with the outbox of the unit's events;
- ``evidence``: the evidence files of units' reports, one document each with its bytes;
- ``units``: the copy of the province's unit directory (``shared.unit_copy``).
"""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Doc


class AdoptionStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.initiatives = db["initiatives"]
        self.plans = db["plans"]
        self.assignments = db["assignments"]
        self.evidence = db["evidence"]
        self.units = db["units"]

    async def ensure_indexes(self) -> None:
        await self.assignments.create_index("plan_id")
        await self.assignments.create_index("unit_key")
