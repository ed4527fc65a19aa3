"""Notifications' collections.

- ``people``: who can be written to, from identity's account events, plus each person's own
  choices (language, categories turned off), which only this service holds;
- ``contests``, ``entries``, ``reviews``: the little it needs to word messages (names, receipt
  codes, titles, owners, who judges what);
- ``mails``: every message planned, its text as sent, and its delivery state — the e-mail outbox;
- ``digest_items``: judges' assignments waiting to be gathered into one message;
- ``plans``: replication plans (adoption's events): title, units, lead unit, date, their organiser;
- ``unit_directory``: the province's units (``shared.unit_copy``), to find a unit's coordinators;
- ``parked``: events that name a person or entry not known yet (topics are not ordered with each
  other), planned again when it arrives.
"""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Doc


class NotificationsStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.people = db["people"]
        self.contests = db["contests"]
        self.entries = db["entries"]
        self.reviews = db["reviews"]
        self.mails = db["mails"]
        self.digest_items = db["digest_items"]
        self.parked = db["parked"]
        self.plans = db["plans"]
        self.unit_directory = db["unit_directory"]

    async def ensure_indexes(self) -> None:
        await self.mails.create_index([("status", ASCENDING), ("next_at", ASCENDING)])
        await self.mails.create_index([("created_at", DESCENDING)])
        await self.mails.create_index("to_account")
        await self.digest_items.create_index([("batch", ASCENDING), ("at", ASCENDING)])
        await self.parked.create_index("waits_for")
        await self.reviews.create_index([("contest_id", ASCENDING), ("round_no", ASCENDING)])
