"""Copy-detection fingerprints, kept apart from the entries and computed off the request path.

A MinHash fingerprint costs milliseconds of CPU and 4 KB of storage. Computed inside each
submission it slowed the deadline rush (and tripled the entry's size with the version copy)
for something only screening needs, after the deadline. So a submission just notes the entry;
a background task fingerprints noted entries once no submission has arrived for ``idle_s``,
and screening computes whatever is still missing before it compares (a restart loses only
the notes, never a fingerprint screening needs).

Stored in ``fingerprints`` under ``<entry id>:<text hash>``, inserted and never updated: an
edit of the text makes a new key, and the old one is simply never asked for again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable

import structlog

from services.submission.domain.initiative import InitiativeForm, fields_hash
from services.submission.domain.similarity import Fingerprint, fingerprint, fingerprint_from_dict, fingerprint_to_dict
from services.submission.repositories import FingerprintRepository
from shared.mongo import Doc

log = structlog.get_logger(__name__)


def text_key(entry: Doc) -> str:
    digest = entry.get("fields_hash") or fields_hash(InitiativeForm.from_mapping(entry["fields"]))
    return f"{entry['_id']}:{digest}"


def compute(fields: Doc) -> Fingerprint:
    return fingerprint(InitiativeForm.from_mapping(fields).body_text())


class Fingerprints:
    def __init__(self, repo: FingerprintRepository, *, idle_s: float = 1.0) -> None:
        self.repo = repo
        self.idle_s = idle_s
        self._noted: dict[str, Doc] = {}
        self._last_note = 0.0
        self._wake = asyncio.Event()
        self.computed = 0

    def soon(self, entry: Doc) -> None:
        """Fingerprint this submitted entry's current text when the service is quiet."""
        self._noted[text_key(entry)] = entry["fields"]
        self._last_note = time.monotonic()
        self._wake.set()

    async def run(self) -> None:
        """The background task: one fingerprint at a time, only between rushes."""
        while True:
            await self._wake.wait()
            quiet_for = time.monotonic() - self._last_note
            if quiet_for < self.idle_s:
                await asyncio.sleep(self.idle_s - quiet_for)
                continue
            if not self._noted:
                self._wake.clear()
                continue
            key = next(iter(self._noted))
            fields = self._noted.pop(key)
            try:
                await self._store({key: compute(fields)})
            except Exception as exc:  # screening computes it then
                log.warning("fingerprint.store_failed", key=key, error=str(exc))
            await asyncio.sleep(0)

    async def _store(self, fps: dict[str, Fingerprint]) -> None:
        docs = [{"_id": k, **fingerprint_to_dict(fp)} for k, fp in fps.items()]
        await self.repo.add(docs)  # one stored meanwhile is the same text's, the same value
        self.computed += len(docs)

    async def of(self, entries: Iterable[Doc]) -> dict[str, Fingerprint]:
        """Each entry's fingerprint by entry id (entries need ``_id`` and ``fields``)."""
        by_key = {text_key(e): e for e in entries}
        found: dict[str, Fingerprint] = {}
        if by_key:
            for d in await self.repo.many(list(by_key)):
                with contextlib.suppress(ValueError):  # another scheme: recomputed below
                    found[d["_id"]] = fingerprint_from_dict(d)
        missing = {k: compute(e["fields"]) for k, e in by_key.items() if k not in found}
        if missing:
            for k in missing:
                self._noted.pop(k, None)
            await self._store(missing)
        return {by_key[k]["_id"]: fp for k, fp in {**found, **missing}.items()}
