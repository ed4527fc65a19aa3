"""Submission's use cases: contests, drafts, submission, attachments, withdrawal, and statuses
fed by events. Screening lives in ``screening.py``.

Every state change is one single-document write that also queues its events (outbox), so a
contest or an entry and what the other services hear about it can never disagree. Writers that
may race (two tabs saving the same entry, two organisers editing a contest) compare-and-set on
the document's ``rev``/``revision``.
"""

from __future__ import annotations

from services.submission.contests import ContestsPart
from services.submission.core import (  # re-exported: the API, pages, screening and tests use them from here
    CHANGED_MEANWHILE,
    ENTRY_NOT_FOUND,
    IN_JUDGING,
    FieldErrors,
    SubmissionCore,
    conflict_unit,
    field_errors,
    rules_of,
    version_doc,
    versions_of,
    with_version,
)
from services.submission.entries import EntriesPart

__all__ = ["CHANGED_MEANWHILE", "ENTRY_NOT_FOUND", "IN_JUDGING", "FieldErrors", "SubmissionCore", "SubmissionService",
           "conflict_unit", "field_errors", "rules_of", "version_doc", "versions_of", "with_version"]


class SubmissionService(EntriesPart, ContestsPart):
    """Contests (``contests``), initiatives (``entries``) and their files (``attachments``), over
    the shared state of ``core``."""
