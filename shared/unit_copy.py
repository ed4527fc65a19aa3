"""A service's copy of the province's unit directory: stored from ``UnitDirectoryChanged`` (the
newest revision wins) and kept in memory, so resolving a typed unit costs no read."""

from __future__ import annotations

from pymongo.asynchronous.collection import AsyncCollection

from shared.events.accounts import UnitDirectoryChanged
from shared.mongo import Doc
from shared.units import Unit, UnitDirectory

_ID = "directory"


class UnitCopy:
    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self.collection = collection
        self.directory = UnitDirectory()
        self.revision = 0

    def _use(self, doc: Doc) -> None:
        self.revision = int(doc.get("revision", 0))
        self.directory = UnitDirectory(
            Unit(u["code"], u["name"], u.get("kind", ""), u.get("headcount"), tuple(u.get("aliases", [])))
            for u in doc.get("units", []))

    async def load(self) -> None:
        doc = await self.collection.find_one({"_id": _ID})
        if doc is not None:
            self._use(doc)

    async def on_changed(self, e: UnitDirectoryChanged) -> None:
        doc = {"revision": e.revision, "units": [u.model_dump() for u in e.units]}
        stored = await self.collection.find_one({"_id": _ID}, {"revision": 1})
        if stored is None or int(stored.get("revision", 0)) < e.revision:
            await self.collection.replace_one({"_id": _ID}, doc, upsert=True)
            self._use(doc)
