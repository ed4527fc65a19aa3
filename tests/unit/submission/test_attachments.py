from __future__ import annotations

import io
import struct
import zipfile
import zlib
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.submission.domain.attachments import (
    REFUSAL,
    check_attachment,
    declared_type,
    sanitize_filename,
    sniff_type,
)
from services.submission.domain.contest_rules import ContestRules
from services.submission.messages import attachment_message
from shared.errors import status_of

RULES = ContestRules(
    opens_at=datetime(2026, 9, 1, tzinfo=UTC),
    closes_at=datetime(2026, 11, 25, 10, tzinfo=UTC),
    max_file_bytes=64 * 1024,
    max_files=3,
)

# --- real minimal files -----------------------------------------------------------------------


def minimal_pdf() -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def minimal_png() -> bytes:
    """A 1x1 white RGB PNG with valid chunk CRCs."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def minimal_jpeg() -> bytes:
    """SOI + JFIF APP0 segment + EOI: enough for the signature check."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/{part}" ContentType="{ctype}"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="{part}"/></Relationships>'
)


def minimal_docx(*, macro: bool = False) -> bytes:
    part = "word/document.xml"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
        z.writestr("[Content_Types].xml", CONTENT_TYPES.format(part=part, ctype=ctype))
        z.writestr("_rels/.rels", ROOT_RELS.format(part=part))
        z.writestr(
            part,
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Sáng kiến cải cách hành chính</w:t></w:r></w:p></w:body></w:document>",
        )
        if macro:
            z.writestr("word/vbaProject.bin", b"\x00" * 16)
    return buf.getvalue()


def minimal_xlsx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
        z.writestr("[Content_Types].xml", CONTENT_TYPES.format(part="xl/workbook.xml", ctype=ctype))
        z.writestr("_rels/.rels", ROOT_RELS.format(part="xl/workbook.xml"))
        z.writestr(
            "xl/workbook.xml",
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Chi phí" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr(
            "xl/worksheets/sheet1.xml",
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData><row r="1"><c r="A1"><v>15000000</v></c></row></sheetData></worksheet>',
        )
    return buf.getvalue()


def plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("bao_cao.txt", "không phải tài liệu Office")
    return buf.getvalue()


def test_fixtures_are_real_files() -> None:
    pypdf = pytest.importorskip("pypdf")
    assert len(pypdf.PdfReader(io.BytesIO(minimal_pdf())).pages) == 1
    openpyxl = pytest.importorskip("openpyxl")
    assert openpyxl.load_workbook(io.BytesIO(minimal_xlsx())).sheetnames == ["Chi phí"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (minimal_pdf(), "pdf"),
        (minimal_png(), "png"),
        (minimal_jpeg(), "jpg"),
        (minimal_docx(), "docx"),
        (minimal_xlsx(), "xlsx"),
        (plain_zip(), None),
        (minimal_docx(macro=True), None),
        (b"%PDF-1.4 truncated upload", None),
        (b"MZ\x90\x00 executable", None),
        (b"", None),
        (b"PK\x03\x04 not really a zip", None),
    ],
)
def test_sniff_type(data: bytes, expected: str | None) -> None:
    assert sniff_type(data) == expected


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("Thuyết minh sáng kiến.pdf", minimal_pdf()),
        ("so-do-quy-trinh.PNG", minimal_png()),
        ("anh_chup.jpeg", minimal_jpeg()),
        ("anh_chup.jpg", minimal_jpeg()),
        ("Báo cáo hiệu quả.docx", minimal_docx()),
        ("Bảng chi phí.xlsx", minimal_xlsx()),
    ],
)
def test_genuine_files_are_accepted(name: str, data: bytes) -> None:
    assert check_attachment(name, data, RULES) is None


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bao_cao.pdf", plain_zip()),  # a .pdf that is really a zip
        ("bao_cao.pdf", minimal_docx()),  # a renamed Word file
        ("bang_tinh.xlsx", minimal_docx()),
        ("thuyet_minh.docx", minimal_pdf()),
        ("anh.png", minimal_jpeg()),
        ("tai_lieu.docx", minimal_docx(macro=True)),
    ],
)
def test_renamed_files_are_refused(name: str, data: bytes) -> None:
    code = check_attachment(name, data, RULES)
    assert code == "file_type_mismatch"
    assert status_of(REFUSAL[code]("")) == 415


def test_type_not_allowed_by_the_contest() -> None:
    pdf_only = ContestRules(opens_at=RULES.opens_at, closes_at=RULES.closes_at, allowed_types=frozenset({"pdf"}))
    assert check_attachment("anh.png", minimal_png(), pdf_only) == "file_type"
    assert check_attachment("chuong_trinh.exe", b"MZ\x90\x00", RULES) == "file_type"
    assert check_attachment("khong_co_duoi", minimal_pdf(), RULES) == "file_type"
    assert status_of(REFUSAL["file_type"]("")) == 415
    assert attachment_message("file_type", pdf_only) == "Loại tệp không được chấp nhận. Chỉ nhận các tệp: .pdf."


def test_too_big_is_distinguished_from_wrong_type() -> None:
    big = minimal_pdf() + b"0" * RULES.max_file_bytes
    assert check_attachment("lon.pdf", big, RULES) == "file_size"
    assert check_attachment("lon.exe", big, RULES) == "file_size"  # size is checked before parsing
    assert status_of(REFUSAL["file_size"]("")) == 413
    assert attachment_message("file_size", RULES) == "Tệp vượt quá dung lượng tối đa 0.0625 MB."


def test_too_many_files_and_empty_files() -> None:
    assert check_attachment("a.pdf", minimal_pdf(), RULES, existing_count=2) is None
    assert check_attachment("a.pdf", minimal_pdf(), RULES, existing_count=3) == "file_count"
    assert attachment_message("file_count", RULES) == "Mỗi sáng kiến chỉ được đính kèm tối đa 3 tệp."
    assert check_attachment("a.pdf", b"", RULES) == "file_empty"


def test_mismatch_message_names_the_extension() -> None:
    assert attachment_message("file_type_mismatch", RULES, "bao_cao.PDF") == (
        "Nội dung tệp không khớp với phần mở rộng .pdf; vui lòng không đổi tên tệp."
    )


# --- file names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Thuyết minh sáng kiến.pdf", "Thuyết minh sáng kiến.pdf"),
        ("C:\\Users\\canbo\\Desktop\\Báo cáo.DOCX", "Báo cáo.docx"),
        ("../../etc/passwd", "passwd"),
        ("..", "tep"),
        (".htaccess", "htaccess"),
        ("Tie\u0302\u0301p nhận.pdf", "Tiếp nhận.pdf"),
        ("bao<cao>|?*.pdf", "bao_cao.pdf"),
        ("  nhiều     khoảng   trắng .pdf", "nhiều khoảng trắng.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ("tệp\x00ẩn\u202e.pdf", "tệp_ẩn.pdf"),
    ],
)
def test_sanitize_filename(raw: str, expected: str) -> None:
    assert sanitize_filename(raw) == expected


def test_long_vietnamese_names_are_cut_keeping_the_extension() -> None:
    name = "Giải pháp nâng cao chất lượng phục vụ tại Bộ phận Một cửa " * 10 + ".docx"
    safe = sanitize_filename(name)
    assert safe.endswith(".docx")
    assert len(safe) <= 120
    assert len(safe.encode("utf-8")) <= 200
    assert declared_type(name) == "docx"


@settings(max_examples=200)
@given(st.text(max_size=400))
def test_sanitized_names_are_always_safe(raw: str) -> None:
    safe = sanitize_filename(raw)
    assert safe
    assert "/" not in safe and "\\" not in safe
    assert not safe.startswith(".")
    assert len(safe) <= 120 and len(safe.encode("utf-8")) <= 200
    assert all(c.isalnum() or c in " .-_()" for c in safe)
    assert sanitize_filename(safe) == safe
