"""Awards' statistics of an earlier version (one ``participation`` document per entry) carried
over to status facts at start-up, against the real FerretDB."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.awards.domain.participation import tally
from services.awards.store import AwardsStore
from shared.mongo import connect
from tests.conftest import PROFILE

pytestmark = pytest.mark.integration


async def test_participation_documents_become_facts_that_later_statuses_override() -> None:
    client = connect(PROFILE.mongo_url)
    db = client[f"contest_test_awards_migration_{uuid.uuid4().hex[:8]}"]
    try:
        await db["participation"].insert_many([
            {"_id": "e1", "contest_id": "c1", "category": "tthc", "unit": "UBND xã A", "status": "submitted"},
            {"_id": "e2", "contest_id": "c1", "category": "so", "unit": "Sở Tư pháp", "status": "eligible"},
        ])
        store = AwardsStore(db)
        await store.migrate()
        await store.migrate()  # a second start changes nothing
        assert "participation" not in await db.list_collection_names()
        await store.statuses.insert_one({"_id": "ev-later", "entry_id": "e1", "contest_id": "c1", "category": "tthc",
                                         "unit": "UBND xã A", "status": "eligible", "at": datetime.now(UTC)})
        out = tally(await store.statuses.find({"contest_id": "c1"}).to_list())
        assert out["by_status"] == [("eligible", 2)]
        assert out["by_unit"] == [("Sở Tư pháp", 1), ("UBND xã A", 1)]
    finally:
        await client.drop_database(db.name)
        await client.close()
