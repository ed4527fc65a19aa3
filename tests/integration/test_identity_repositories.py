"""Identity's MongoDB repositories answer as the in-memory twins the use-case tests run on.

Every scenario of ``tests/unit/identity/test_use_cases.py`` runs again with each repository call
made on both: the in-memory answer drives the scenario (so its assertions hold as in the unit
run) and the store's answer must be the same (times to the millisecond BSON keeps). The store is
the profile's FerretDB, through the adapter, or on the plain MongoDB path with
``CONTEST_STORE=mongodb``; each scenario gets a database of its own, dropped afterwards. The
unique e-mail, a link used once and the directory's compare-and-set are thus checked on the store.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable

import pytest

from services.identity.memory_repositories import memory_repositories
from services.identity.mongo_repositories import mongo_repositories
from services.identity.repositories import IdentityRepositories
from services.identity.store import IdentityStore
from shared.memory_outbox import MemoryOutbox
from shared.mongo import connect, database
from tests.conftest import PROFILE, STORE
from tests.integration.test_submission_repositories import Both
from tests.unit.identity import test_use_cases as scenarios

pytestmark = [pytest.mark.integration, pytest.mark.plain_store]

AGGREGATES = ("accounts", "units", "links", "keys")
SCENARIOS = sorted((name, fn) for name, fn in vars(scenarios).items()
                   if name.startswith("test_") and inspect.iscoroutinefunction(fn))


@pytest.mark.parametrize(("name", "scenario"), SCENARIOS, ids=[n for n, _ in SCENARIOS])
async def test_the_store_answers_as_the_twin(name: str, scenario: Callable[..., Awaitable[None]]) -> None:
    client = connect(PROFILE.mongo_url)
    db_name = f"contest_test_idrepo_{uuid.uuid4().hex[:8]}"
    store = IdentityStore(database(client, db_name, STORE))
    mismatches: list[str] = []

    async def indexed() -> None:
        """Indexes are made before the scenario starts."""

    def both(outbox: MemoryOutbox) -> IdentityRepositories:
        twin, stored = memory_repositories(outbox), mongo_repositories(store)
        return IdentityRepositories(**{a: Both(a, getattr(twin, a), getattr(stored, a), indexed, mismatches)
                                       for a in AGGREGATES})

    try:
        await store.ensure_indexes()
        await scenario(scenarios.World(make_repos=both))
        assert mismatches == []
    finally:
        await client.drop_database(db_name)
        await client.close()
