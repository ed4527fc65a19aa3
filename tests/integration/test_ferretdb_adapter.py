"""The FerretDB adapter (``shared.mongo.SerialCollection`` + ``shared.docmatch``) must answer
exactly as the server would: for random documents and random ``{_id, ...}`` filters, the
adapter's Python check and FerretDB's own evaluation agree, and compare-and-set updates match
or miss alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.mongo import Doc, connect, database
from tests.conftest import PROFILE

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
scalars = st.one_of(st.none(), st.integers(-3, 3), st.sampled_from(["a", "b", "Đ"]), st.booleans(),
                    st.sampled_from([T0, T0 + timedelta(microseconds=400), T0 + timedelta(seconds=1)]),
                    st.sampled_from([1.0, 2.5]))
values = st.one_of(scalars, st.lists(scalars, max_size=3), st.fixed_dictionaries({"x": scalars}))
documents = st.fixed_dictionaries({}, optional={"a": values, "b": values, "n": st.fixed_dictionaries({"x": values})})
conditions = st.one_of(
    scalars,
    st.fixed_dictionaries({"$eq": scalars}), st.fixed_dictionaries({"$ne": scalars}),
    st.fixed_dictionaries({"$in": st.lists(scalars, max_size=3)}),
    st.fixed_dictionaries({"$nin": st.lists(scalars, max_size=3)}),
    st.fixed_dictionaries({"$exists": st.booleans()}),
)
projections = st.sampled_from([None, {"_id": 1}, {"a": 1}, {"a": 0}, {"b": 1, "_id": 0}, {"n": 0, "b": 0}])
filters = st.dictionaries(st.sampled_from(["a", "b", "n.x", "missing"]), conditions, min_size=1, max_size=2)


@pytest.fixture(scope="module")
def loop() -> AsyncIterator[asyncio.AbstractEventLoop]:
    lp = asyncio.new_event_loop()
    yield lp
    lp.close()


@pytest.fixture(scope="module")
def colls(loop: asyncio.AbstractEventLoop) -> AsyncIterator[tuple[Any, Any]]:
    client = connect(PROFILE.mongo_url)
    name = "contest_test_adapter"
    yield database(client, name, store="mongodb")["docs"], database(client, name, store="ferretdb")["docs"]
    loop.run_until_complete(client.drop_database(name))
    loop.run_until_complete(client.close())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=documents, flt=filters, projection=projections)
def test_the_adapter_matches_as_the_server_does(loop: asyncio.AbstractEventLoop, colls: tuple[Any, Any],
                                                doc: Doc, flt: Doc, projection: Doc | None) -> None:
    plain, adapted = colls

    async def check() -> None:
        await plain.delete_many({})
        await plain.insert_one({"_id": "d", **doc})
        query = {"_id": "d", **flt}
        server = await plain.find_one(query, projection)
        ours = await adapted.find_one(query, projection)
        assert ours == server, f"{query} {projection} on {doc}"

    loop.run_until_complete(check())


def test_compare_and_set_updates_match_or_miss_as_on_the_server(loop: asyncio.AbstractEventLoop,
                                                                colls: tuple[Any, Any]) -> None:
    plain, adapted = colls

    async def check() -> None:
        await plain.delete_many({})
        await plain.insert_one({"_id": "e", "rev": 2, "status": "submitted", "files": ["f1", "f2"]})
        miss = await adapted.update_one({"_id": "e", "rev": 1}, {"$set": {"status": "eligible"}})
        assert (miss.matched_count, miss.modified_count) == (0, 0)
        hit = await adapted.update_one({"_id": "e", "rev": 2, "files": "f2"}, {"$set": {"status": "eligible"},
                                                                               "$inc": {"rev": 1}})
        assert hit.matched_count == 1
        assert await plain.find_one({"_id": "e"}, {"rev": 1, "status": 1}) == {"_id": "e", "rev": 3,
                                                                               "status": "eligible"}
        assert await adapted.find_one({"_id": "e", "rev": {"$exists": False}}) is None
        projected = await adapted.find_one({"_id": "e", "status": "eligible"}, {"rev": 1})
        assert projected == {"_id": "e", "rev": 3}, "fields fetched only to check the filter are not returned"
        gone = await adapted.delete_one({"_id": "e", "rev": 2})
        assert gone.deleted_count == 0
        assert (await adapted.delete_one({"_id": "e", "rev": 3})).deleted_count == 1

    loop.run_until_complete(check())
