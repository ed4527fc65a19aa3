"""What adoption hears: initiatives' titles, summaries and units; announced results; the unit directory."""

from __future__ import annotations

from services.adoption.service import Adoption
from shared.events.accounts import UnitDirectoryChanged
from shared.events.authors import EntryAuthorsRecorded
from shared.events.awards import ResultsAnnounced
from shared.handlers import Route, on, payload_to
from shared.unit_copy import UnitCopy


def routes(svc: Adoption, units: UnitCopy) -> list[Route]:
    return [
        on(EntryAuthorsRecorded)(svc.on_authors),
        on(ResultsAnnounced)(svc.on_results),
        on(UnitDirectoryChanged)(payload_to(units.on_changed)),
    ]
