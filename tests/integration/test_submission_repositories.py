"""Submission's MongoDB repositories answer as the in-memory twins the use-case tests run on.

Every scenario of ``tests/unit/submission/test_use_cases.py`` runs again with each repository
call made on both: the in-memory answer drives the scenario (so its assertions hold as in the
unit run) and the store's answer must be the same (times to the millisecond BSON keeps; lists
whose order no caller relies on compared as sets). The store is the profile's FerretDB, through
the adapter, or on the plain MongoDB path with ``CONTEST_STORE=mongodb``; each scenario gets a
database of its own, dropped afterwards.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from services.submission.memory_repositories import memory_repositories
from services.submission.mongo_repositories import mongo_repositories
from services.submission.repositories import SubmissionRepositories
from services.submission.store import SubmissionStore
from shared.memory_outbox import MemoryOutbox
from shared.mongo import connect, database
from shared.staged_outbox import StagedOutbox
from tests.conftest import PROFILE, STORE
from tests.unit.submission import test_use_cases as scenarios

pytestmark = [pytest.mark.integration, pytest.mark.plain_store]

#: Answers that are lists in no promised order (the rest keep theirs: ``listing`` is sorted).
UNORDERED = {"submitted_in", "many", "created_before", "opened_by", "standings", "announced_among"}
AGGREGATES = ("contests", "entries", "files", "counters", "fingerprints", "judging", "adoption")
SCENARIOS = sorted((name, fn) for name, fn in vars(scenarios).items()
                   if name.startswith("test_") and inspect.iscoroutinefunction(fn))


def comparable(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: comparable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [comparable(v) for v in x]
    if isinstance(x, bytes | bytearray | memoryview):
        return bytes(x)
    if isinstance(x, datetime):
        return x.astimezone(UTC).replace(microsecond=x.microsecond // 1000 * 1000)
    return x


class Both:
    """One aggregate's repository as two: calls go to each, the twin's answer is returned."""

    def __init__(self, name: str, twin: Any, stored: Any, ready: Callable[[], Awaitable[None]],
                 mismatches: list[str]) -> None:
        self._name, self._twin, self._stored, self._ready, self._mismatches = name, twin, stored, ready, mismatches

    def __getattr__(self, attr: str) -> Any:
        twin = getattr(self._twin, attr)
        if not inspect.iscoroutinefunction(twin):
            return twin  # the twin's dictionaries, which assertions read
        stored = getattr(self._stored, attr)

        async def call(*args: Any, **kwargs: Any) -> Any:
            await self._ready()
            expected = await twin(*args, **kwargs)
            got = await stored(*args, **kwargs)
            a, b = comparable(expected), comparable(got)
            if attr in UNORDERED:
                a, b = sorted(a, key=repr), sorted(b, key=repr)
            if a != b:
                self._mismatches.append(f"{self._name}.{attr}: memory {a!r:.400} != store {b!r:.400}")
            return expected

        return call


@pytest.mark.parametrize(("name", "scenario"), SCENARIOS, ids=[n for n, _ in SCENARIOS])
async def test_the_store_answers_as_the_twin(name: str, scenario: Callable[..., Awaitable[None]]) -> None:
    client = connect(PROFILE.mongo_url)
    db_name = f"contest_test_subrepo_{uuid.uuid4().hex[:8]}"
    db = database(client, db_name, STORE)
    store, staged = SubmissionStore(db), StagedOutbox(db["outbox"])
    mismatches: list[str] = []
    indexed = [False]

    async def ready() -> None:
        if not indexed[0]:
            indexed[0] = True
            await store.ensure_indexes()

    def both(outbox: MemoryOutbox) -> SubmissionRepositories:
        twin, stored = memory_repositories(outbox), mongo_repositories(store, staged)
        return SubmissionRepositories(**{a: Both(a, getattr(twin, a), getattr(stored, a), ready, mismatches)
                                         for a in AGGREGATES})

    world = scenarios.World(make_repos=both)
    try:
        with pytest.MonkeyPatch.context() as mp:
            if "monkeypatch" in inspect.signature(scenario).parameters:
                await scenario(world, mp)
            else:
                await scenario(world)
        assert mismatches == []
    finally:
        await world.quota.close()
        await staged.close()
        await client.drop_database(db_name)
        await client.close()
