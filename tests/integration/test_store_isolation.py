"""FerretDB 1.24 does not isolate concurrent updates of one document; the gated database the
services use must make them atomic again (counter increments and compare-and-set)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from shared.mongo import connect, database
from tests.conftest import PROFILE

pytestmark = pytest.mark.integration


async def test_concurrent_updates_of_one_document_are_all_applied() -> None:
    client = connect(PROFILE.mongo_url)
    name = f"contest_test_isolation_{uuid.uuid4().hex[:6]}"
    db = database(client, name, store="ferretdb")
    coll = db["counters"]
    try:
        await coll.insert_one({"_id": "c", "n": 0, "rev": 0})

        async def increments() -> None:
            for _ in range(25):
                await coll.update_one({"_id": "c"}, {"$inc": {"n": 1}})

        await asyncio.gather(*(increments() for _ in range(8)))
        assert (await coll.find_one({"_id": "c"}) or {})["n"] == 200

        wins = 0

        async def compare_and_set() -> None:
            nonlocal wins
            for _ in range(15):
                while True:
                    doc = await coll.find_one({"_id": "c"})
                    assert doc is not None
                    res = await coll.update_one({"_id": "c", "rev": doc["rev"]}, {"$set": {"rev": doc["rev"] + 1}})
                    if res.modified_count:
                        wins += 1
                        break

        await asyncio.gather(*(compare_and_set() for _ in range(4)))
        assert (await coll.find_one({"_id": "c"}) or {})["rev"] == wins == 60, "no compare-and-set matched twice"

        async def many() -> None:
            await coll.update_many({"n": {"$gte": 0}}, {"$inc": {"n": 1}})

        await asyncio.gather(many(), increments(), many())
        assert (await coll.find_one({"_id": "c"}) or {})["n"] == 227
    finally:
        await client.drop_database(name)
        await client.close()
