"""Judges' assignments gathered into one message per judge instead of one each.

An assignment becomes a ``digest_items`` record. Once the oldest of a judge's waiting items is
``digest_wait_s`` old, they are stamped with one batch id (derived from their ids), then one
message is planned for the batch (its id is the batch id). Both steps are idempotent, in this
order, so a crash between them is finished by the next pass and no assignment is told twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from services.notifications.domain.delivery import batch_id
from services.notifications.store import NotificationsStore
from shared.mongo import Doc

PlanDigest = Callable[[str, str, list[Doc]], Awaitable[None]]


class Digests:
    def __init__(self, store: NotificationsStore, wait_s: float) -> None:
        self.store = store
        self.wait = timedelta(seconds=wait_s)
        self.plan: PlanDigest | None = None  # set by the service: (batch id, judge id, items) -> plan the message

    async def gather(self, now: datetime) -> None:
        await self._stamp(now)
        await self._plan_stamped()

    async def _stamp(self, now: datetime) -> None:
        waiting = await self.store.digest_items.find({"batch": None}).to_list()
        by_judge: dict[str, list[Doc]] = defaultdict(list)
        for item in waiting:
            by_judge[item["judge_id"]].append(item)
        for items in by_judge.values():
            if min(i["at"] for i in items) > now - self.wait:
                continue
            ids = [i["_id"] for i in items]
            await self.store.digest_items.update_many({"_id": {"$in": ids}, "batch": None},
                                                      {"$set": {"batch": batch_id(ids)}})

    async def _plan_stamped(self) -> None:
        stamped = await self.store.digest_items.find({"batch": {"$ne": None}, "planned": {"$ne": True}}).to_list()
        batches: dict[str, list[Doc]] = defaultdict(list)
        for item in stamped:
            batches[item["batch"]].append(item)
        for bid, items in batches.items():
            if self.plan is not None:
                await self.plan(bid, items[0]["judge_id"], sorted(items, key=lambda i: (i["round_no"], i["code"])))
            await self.store.digest_items.update_many({"batch": bid}, {"$set": {"planned": True}})
