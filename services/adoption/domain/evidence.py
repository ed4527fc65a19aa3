"""Evidence files on a unit's report: the same checks as an entry's attachments
(``shared.attachments``: type from the bytes, extension agreeing), with adoption's own bounds.

The bounds keep one assignment's files small enough to store each as one document (BSON's 16 MB
limit) and the whole unit's evidence reviewable: a few scanned decisions, tables and photos.
"""

from __future__ import annotations

from shared.attachments import check_file, declared_type
from shared.coded import Code

MB = 1024 * 1024
TYPES: frozenset[str] = frozenset({"pdf", "docx", "xlsx", "png", "jpg"})
MAX_BYTES = 10 * MB
MAX_FILES = 10


def check(filename: str, data: bytes, existing: int) -> Code | None:
    """What is wrong with adding this file beside ``existing`` others (``file.<problem>``), if anything."""
    problem = check_file(filename, data, allowed_types=TYPES, max_bytes=MAX_BYTES, max_files=MAX_FILES,
                         existing_count=existing)
    return None if problem is None else issue(problem, filename)


def issue(problem: str, filename: str = "") -> Code:
    """A ``shared.attachments.check_file`` problem as a code with the values its message names."""
    return Code.of(f"file.{problem}", allowed=", ".join(f".{t}" for t in sorted(TYPES)),
                   max_mb=f"{MAX_BYTES / MB:g}", most=MAX_FILES, ext=declared_type(filename) or "")
