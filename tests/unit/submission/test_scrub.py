"""Attachments reach judges without the metadata that names their authors."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader

from services.submission.scrub import Unscrubbable, scrub

NAME = "Đỗ Quang Huy"
UNIT = "UBND xã Tân Chi"


def _pdf() -> bytes:
    pdf = FPDF()
    pdf.set_author(NAME)
    pdf.set_creator(UNIT)
    pdf.set_title("Sáng kiến của " + NAME)
    pdf.set_xmp_metadata(f'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>{NAME}'
                         '</dc:creator></rdf:Description>')
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Noi dung sang kien")
    return bytes(pdf.output())


def test_a_pdf_loses_its_info_and_xmp_but_keeps_its_pages() -> None:
    raw = _pdf()
    assert NAME.encode("utf-16-be") in raw or NAME.encode() in raw or b"Huy" in raw
    clean = scrub("pdf", raw)
    reader = PdfReader(io.BytesIO(clean))
    assert not reader.metadata and "/Metadata" not in reader.trailer["/Root"]
    assert "Noi dung sang kien" in reader.pages[0].extract_text()
    assert b"Huy" not in clean and UNIT.encode() not in clean


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("docProps/core.xml", f'<cp:coreProperties xmlns:cp="x" xmlns:dc="y"><dc:creator>{NAME}'
                                        f'</dc:creator><cp:lastModifiedBy>{NAME}</cp:lastModifiedBy>'
                                        '</cp:coreProperties>')
        z.writestr("docProps/app.xml", f"<Properties><Company>{UNIT}</Company></Properties>")
        z.writestr("word/document.xml", '<w:document xmlns:w="w"><w:ins w:author="' + NAME + '" w:id="1">'
                                        "<w:r><w:t>Nội dung</w:t></w:r></w:ins></w:document>")
        z.writestr("word/comments.xml", f'<w:comments xmlns:w="w"><w:comment w:author="{NAME}" w:initials="ĐQH">'
                                        "</w:comment></w:comments>")
    return out.getvalue()


def test_a_word_file_loses_its_properties_and_the_authors_of_changes_and_comments() -> None:
    clean = scrub("docx", _docx())
    with zipfile.ZipFile(io.BytesIO(clean)) as z:
        everything = b"".join(z.read(n) for n in z.namelist())
        assert "Nội dung".encode() in z.read("word/document.xml")
    assert NAME.encode() not in everything and UNIT.encode() not in everything and "ĐQH".encode() not in everything


def test_an_excel_file_loses_its_creator() -> None:
    wb = openpyxl.Workbook()
    wb.properties.creator = NAME
    wb.properties.lastModifiedBy = NAME
    wb.active["A1"] = "Số hồ sơ"
    raw = io.BytesIO()
    wb.save(raw)
    clean = scrub("xlsx", raw.getvalue())
    assert NAME.encode() not in b"".join(zipfile.ZipFile(io.BytesIO(clean)).read(n)
                                         for n in zipfile.ZipFile(io.BytesIO(clean)).namelist())
    assert openpyxl.load_workbook(io.BytesIO(clean)).active["A1"].value == "Số hồ sơ"


@pytest.mark.parametrize("kind,fmt", [("jpg", "JPEG"), ("png", "PNG")])
def test_an_image_loses_its_exif(kind: str, fmt: str) -> None:
    img = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x013B] = "Do Quang Huy"  # Artist
    raw = io.BytesIO()
    img.save(raw, format=fmt, exif=exif.tobytes())
    assert b"Do Quang Huy" in raw.getvalue()
    clean = scrub(kind, raw.getvalue())
    assert b"Do Quang Huy" not in clean
    with Image.open(io.BytesIO(clean)) as out:
        assert out.size == (40, 30) and not out.getexif()


def test_a_file_that_cannot_be_cleaned_is_refused_not_passed_on() -> None:
    for kind, junk in (("pdf", b"%PDF-1.4 broken"), ("docx", b"PK not a zip"), ("jpg", b"\xff\xd8 nope")):
        with pytest.raises(Unscrubbable):
            scrub(kind, junk)
