"""What an uploaded file really is, whether it may be kept, and a safe name to keep it under.

Shared because every service that takes files from users (submission's entries, adoption's
evidence) must apply the same checks: the declared extension and the browser's content type are
both chosen by the uploader, so the type is decided from the bytes and the extension must agree,
which stops a renamed archive or executable from being served later as a "PDF".
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Collection
from urllib.parse import quote

from shared.errors import Invalid, Refused, TooLarge, Unsupported

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
ZIP_MAGIC = b"PK\x03\x04"
#: PDF readers accept the end marker anywhere in the last kilobyte.
PDF_TAIL_WINDOW = 1024

#: The file types the sniffer recognises, with the content type each is served as.
CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpg": "image/jpeg",
}

#: The kind of refusal each problem with a file is (the edge gives each its status).
REFUSAL: dict[str, type[Refused]] = {
    "file_type": Unsupported,
    "file_type_mismatch": Unsupported,
    "file_size": TooLarge,
    "file_count": Invalid,
    "file_empty": Invalid,
}

_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(1, 10)} | {f"LPT{i}" for i in range(1, 10)}
)
_NAME_PUNCTUATION = frozenset(" .-_()")


def normalize_type(ext: str) -> str:
    """Canonical spelling of a file type so ".JPEG", "jpeg" and "jpg" compare equal."""
    ext = ext.strip().lower().lstrip(".")
    return "jpg" if ext == "jpeg" else ext


def _zip_names(data: bytes) -> list[str] | None:
    """Entry names from the central directory; nothing is decompressed (no zip-bomb risk)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None


def _sniff_ooxml(data: bytes) -> str | None:
    names = _zip_names(data)
    if names is None or "[Content_Types].xml" not in names:
        return None
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return None  # macro-enabled document renamed to .docx/.xlsx
    is_word = any(n.startswith("word/") for n in names)
    is_excel = any(n.startswith("xl/") for n in names)
    if is_word == is_excel:
        return None  # neither, or an ambiguous hybrid
    return "docx" if is_word else "xlsx"


def sniff_type(data: bytes) -> str | None:
    """The file type the bytes really are ("pdf", "png", "jpg", "docx", "xlsx"), else None.

    Takes the whole file because DOCX/XLSX are ZIP archives told apart by their central
    directory, which sits at the end. Deliberately ignores the file name.
    """
    if data.startswith(PDF_MAGIC):
        return "pdf" if b"%%EOF" in data[-PDF_TAIL_WINDOW:] else None
    if data.startswith(PNG_MAGIC) and data[12:16] == b"IHDR":
        return "png"
    if data.startswith(JPEG_MAGIC):
        return "jpg"
    if data.startswith(ZIP_MAGIC):
        return _sniff_ooxml(data)
    return None


def declared_type(filename: str) -> str | None:
    """The canonical type implied by the file name's extension, if it has one."""
    base = sanitize_filename(filename)
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem or not ext:
        return None
    return normalize_type(ext)


def _truncate(stem: str, suffix: str, max_chars: int, max_bytes: int) -> str:
    stem = stem[: max(1, max_chars - len(suffix))]
    while stem and len((stem + suffix).encode("utf-8")) > max_bytes:
        stem = stem[:-1]
    return stem.rstrip(" ._-") or "tep"


def sanitize_filename(name: str, *, max_chars: int = 120, max_bytes: int = 200) -> str:
    """A file name safe to store and to offer back for download.

    Drops any directory part (both separators), keeps letters of any script so Vietnamese
    names stay readable (NFC), replaces everything else but digits and `` .-_()`` with "_",
    removes leading/trailing dots and spaces, and bounds the length in characters and in
    UTF-8 bytes (file systems count bytes, and a Vietnamese letter can take three). Applied
    until nothing changes, so a stored name comes back the same when sanitized again.
    """
    for _ in range(8):  # each pass only removes or replaces; two or three reach the fixed point
        once = _sanitize_once(name, max_chars, max_bytes)
        if once == name:
            break
        name = once
    return name


def _sanitize_once(name: str, max_chars: int, max_bytes: int) -> str:
    text = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    chars = [c if c.isalnum() or c in _NAME_PUNCTUATION else "_" for c in text]
    cleaned = "".join(chars)
    while "__" in cleaned:
        cleaned = cleaned.replace("__", "_")
    cleaned = " ".join(cleaned.split()).strip(" .")
    stem, dot, ext = cleaned.rpartition(".")
    if not dot:
        stem, ext = cleaned, ""
    ext = "".join(c for c in ext.lower() if c.isascii() and c.isalnum())[:10]
    stem = stem.strip(" ._") or "tep"
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    suffix = f".{ext}" if ext else ""
    return _truncate(stem, suffix, max_chars, max_bytes) + suffix


def check_file(filename: str, data: bytes, *, allowed_types: Collection[str], max_bytes: int, max_files: int,
               existing_count: int = 0) -> str | None:
    """Error code for an upload, or None when it can be stored.

    Cheap checks come first (count, emptiness, size) so an oversized upload is rejected
    without parsing it. ``existing_count`` is the number of files already kept beside it.
    Codes: "file_count", "file_empty", "file_size", "file_type" (type not allowed, or
    unrecognisable), "file_type_mismatch" (content is not what the extension says).
    """
    if existing_count >= max_files:
        return "file_count"
    if not data:
        return "file_empty"
    if len(data) > max_bytes:
        return "file_size"
    declared = declared_type(filename)
    if declared is None or declared not in allowed_types:
        return "file_type"
    if sniff_type(data) != declared:
        return "file_type_mismatch"
    return None


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
