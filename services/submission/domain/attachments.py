"""Attachment checks: the rules of ``shared.attachments`` (type decided from the bytes, a safe
name) with a contest's limits, and the values each refusal's message names.

The sniffing and naming rules live in ``shared.attachments`` so that every service taking files
from users applies the same ones; they are re-exported here for submission's callers.
"""

from __future__ import annotations

from shared.attachments import REFUSAL as REFUSAL
from shared.attachments import check_file
from shared.attachments import declared_type as declared_type
from shared.attachments import sanitize_filename as sanitize_filename
from shared.attachments import sniff_type as sniff_type

from .contest_rules import ContestRules
from .messages import Issue


def check_attachment(filename: str, data: bytes, rules: ContestRules, *, existing_count: int = 0) -> str | None:
    """Error code for an upload to an entry under ``rules`` (``shared.attachments.check_file``)."""
    return check_file(filename, data, allowed_types=rules.allowed_types, max_bytes=rules.max_file_bytes,
                      max_files=rules.max_files, existing_count=existing_count)


def attachment_issue(code: str, rules: ContestRules, filename: str = "") -> Issue:
    """A ``check_attachment`` code with the values its message names, taken from the rules."""
    return Issue.of(code, **{
        "allowed": ", ".join(f".{t}" for t in sorted(rules.allowed_types)),
        "max_mb": f"{rules.max_file_bytes / (1024 * 1024):g}",
        "max": rules.max_files,
        "ext": declared_type(filename) or "",
    })
