"""Attachment bytes: what to call them when served, and the signed links judges download with.

A judge never gets a file by asking for it: judging receives, in ``EntryBecameEligible``, a
path signed with submission's secret (HMAC-SHA256 over file, entry and expiry). The download
route checks the signature, the expiry, the judge role, and that the entry is still in
judging, so a link stops working when the entry is withdrawn or the link expires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

# Re-exported: the types and the download header are shared.attachments' (adoption serves files too).
from shared.attachments import CONTENT_TYPES as CONTENT_TYPES
from shared.attachments import content_disposition as content_disposition

MB = 1024 * 1024
#: No contest may allow more per file than this: a file is one BSON document (16 MB limit).
HARD_CAP_BYTES = 15 * MB


def _mac(secret: bytes, file_id: str, entry_id: str, exp: int) -> str:
    digest = hmac.new(secret, f"judge-file|{file_id}|{entry_id}|{exp}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def judge_path(secret: bytes, file_id: str, entry_id: str, expires_at: datetime) -> str:
    exp = int(expires_at.timestamp())
    sig = _mac(secret, file_id, entry_id, exp)
    return f"/submission/api/judge-files/{file_id}?entry={entry_id}&exp={exp}&sig={sig}"


def valid_signature(secret: bytes, file_id: str, entry_id: str, exp: int, sig: str, now: datetime) -> bool:
    if exp < int(now.timestamp()):
        return False
    # Bytes: compare_digest refuses a str with non-ASCII characters (a forged link is just invalid).
    return hmac.compare_digest(sig.encode(), _mac(secret, file_id, entry_id, exp).encode())


KIND_OF_TYPE = {v: k for k, v in CONTENT_TYPES.items()}


def neutral_name(index: int, content_type: str) -> str:
    """What judges see a file called: its place in the entry, never the author's file name."""
    return f"Tệp đính kèm {index}.{KIND_OF_TYPE.get(content_type, 'bin')}"
