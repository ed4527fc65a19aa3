"""Every FerretDB-only workaround, behind one seam chosen by the ``store`` setting.

A service runs on MongoDB as written (``*_STORE=mongodb``, production) or on FerretDB 1.24 with
its SQLite backend (``*_STORE=ferretdb``, the local runner and CI). FerretDB does not isolate
concurrent updates of one document and serves only ``{_id: …}`` filters without parsing every
document, so on it:

- ``gate``: writes are queued per document within the process, compare-and-set conditions are
  checked in Python after an ``_id`` fetch (``docmatch``), ``SQLITE_BUSY`` is retried;
- ``staging``: a new document's events are written beside it in this process's own staging
  collection (group commit, dropped when settled) instead of inside it;
- ``handled``: the inbox asks the store only about events someone else could have handled.

Nothing outside this package mentions FerretDB: ``shared.mongo.database`` returns the adapted
database, and ``Inbox`` and ``StagedOutbox`` take their FerretDB variant (``variant``) when
given one of its collections. The outbox relay's write hints (``shared.outbox.PendingHints``)
serve both stores: on MongoDB they keep each replica's relay on the documents it wrote.
"""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


def is_ferretdb(database: Any) -> bool:
    """Whether ``database`` came from ``shared.mongo.database(..., store="ferretdb")``."""
    from shared.ferretdb.gate import SerialDatabase

    return isinstance(database, SerialDatabase)


def variant(base: type[T], collection: Any) -> type[T]:
    """The class to build for ``base`` on ``collection``: FerretDB's variant of the inbox or the
    staged outbox for a FerretDB database, else ``base`` itself."""
    if collection is None or not is_ferretdb(getattr(collection, "database", None)):
        return base
    from shared.ferretdb.handled import WatermarkInbox
    from shared.ferretdb.staging import FerretStagedOutbox
    from shared.inbox import Inbox
    from shared.staged_outbox import StagedOutbox

    variants: dict[type[Any], type[Any]] = {Inbox: WatermarkInbox, StagedOutbox: FerretStagedOutbox}
    chosen: type[T] = variants.get(base, base)
    return chosen
