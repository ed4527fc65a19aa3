"""Attachments as judges receive them: without the metadata that names their authors.

A PDF's document information and XMP metadata, a Word or Excel file's core, app and custom
properties and the authors of its comments and tracked changes, an image's EXIF and text
chunks: each can name the author, the unit or the computer it was made on, and blind review
must not depend on authors remembering to clean them. The text itself is the authors' own
(the form warns them not to name themselves in it).

A file that cannot be cleaned (damaged, encrypted) is never served to a judge as it is:
``Unscrubbable`` is raised and the judge is told the organisers will look at it.
"""

from __future__ import annotations

import io
import re
import zipfile

from PIL import Image, ImageOps
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

NEUTRAL_AUTHOR = "Tác giả"


class Unscrubbable(ValueError):
    """The file could not be cleaned of its metadata."""


def _pdf(data: bytes) -> bytes:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise Unscrubbable("encrypted PDF")
        writer = PdfWriter(clone_from=reader)
    except Unscrubbable:
        raise
    except Exception as exc:  # pypdf raises many kinds on damaged files
        raise Unscrubbable(f"unreadable PDF: {exc}") from exc
    root = writer._root_object
    for key in ("/Metadata", "/PieceInfo"):
        if NameObject(key) in root:
            del root[NameObject(key)]
    for page in writer.pages:
        for key in ("/Metadata", "/PieceInfo"):
            if NameObject(key) in page:
                del page[NameObject(key)]
    writer.metadata = None  # no /Info dictionary at all
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)  # nor the old objects
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


_CORE = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
         b'xmlns:dc="http://purl.org/dc/elements/1.1/"/>')
_APP = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"/>')
_CUSTOM = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"/>')
# Who wrote a comment, a tracked change or a cell note (Word and Excel parts).
_PEOPLE = re.compile(rb'(\w+:(?:author|initials|userId|providerId))="[^"]*"')
_XL_AUTHOR = re.compile(rb"<author>[^<]*</author>")


def _office(data: bytes) -> bytes:
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
        names = source.namelist()
    except zipfile.BadZipFile as exc:
        raise Unscrubbable(f"not an Office file: {exc}") from exc
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            info = source.getinfo(name)
            body = source.read(name)
            if name == "docProps/core.xml":
                body = _CORE
            elif name == "docProps/app.xml":
                body = _APP
            elif name == "docProps/custom.xml":
                body = _CUSTOM
            elif name.endswith(".xml") and name.startswith(("word/", "xl/")):
                body = _PEOPLE.sub(lambda m: m.group(1) + (b'="' + NEUTRAL_AUTHOR.encode() + b'"'
                                                            if m.group(1).endswith(b"author") else b'=""'), body)
                body = _XL_AUTHOR.sub(b"<author>" + NEUTRAL_AUTHOR.encode() + b"</author>", body)
            clean = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # no timestamps either
            clean.compress_type = zipfile.ZIP_DEFLATED
            clean.external_attr = info.external_attr
            target.writestr(clean, body)
    return out.getvalue()


def _image(data: bytes, fmt: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as img:
            shown = ImageOps.exif_transpose(img)  # keep how it looked, without the EXIF that said so
            clean = Image.new(shown.mode, shown.size)
            clean.paste(shown)
            if fmt == "JPEG" and clean.mode not in ("RGB", "L"):
                clean = clean.convert("RGB")
            out = io.BytesIO()
            clean.save(out, format=fmt, **({"quality": 92} if fmt == "JPEG" else {}))
    except Exception as exc:
        raise Unscrubbable(f"unreadable image: {exc}") from exc
    return out.getvalue()


def scrub(kind: str, data: bytes) -> bytes:
    """``data`` of a file of ``kind`` (pdf, docx, xlsx, png, jpg) without its metadata."""
    if kind == "pdf":
        return _pdf(data)
    if kind in ("docx", "xlsx"):
        return _office(data)
    if kind in ("png", "jpg"):
        return _image(data, "PNG" if kind == "png" else "JPEG")
    raise Unscrubbable(f"unknown kind {kind}")
