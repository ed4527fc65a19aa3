from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from services.awards.domain import formatting as fmt
from services.awards.domain.certificates import (
    FONT_CANDIDATES,
    CertificateData,
    CertificateFontError,
    FontFiles,
    bulk_zip,
    certificate_filename,
    find_fonts,
    normalise_code,
    render_certificate,
    verification_code,
    verify_code,
)

SECRET = b"test-secret-0123456789abcdef"
TITLE = "Số hoá quy trình tiếp nhận hồ sơ đất đai tại Bộ phận Một cửa"


def sample(**changes: object) -> CertificateData:
    data = CertificateData(
        issuing_body="SỞ NỘI VỤ TỈNH BẮC NINH",
        author_name="Nguyễn Thị Hồng Nhung",
        unit="UBND xã Đại Đồng",
        title=TITLE,
        tier_name="Giải Ba",
        contest_name="Cuộc thi sáng kiến cải cách hành chính tỉnh Bắc Ninh năm 2026",
        place="Bắc Ninh",
        issued_on=date(2026, 11, 25),
        verification_code=verification_code(SECRET, "bn-2026", "E001", 0),
        verify_url="https://sangkien.example.vn/xac-thuc",
        entry_code="BN-2026-00123",
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = unicodedata.normalize("NFC", reader.pages[0].extract_text())
    return re.sub(r"\s+", " ", text)


def test_vietnamese_text_survives_with_diacritics() -> None:
    data = sample()
    pdf = render_certificate(data)
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape
    text = pdf_text(pdf)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "SỞ NỘI VỤ TỈNH BẮC NINH",
        "GIẤY CHỨNG NHẬN",
        "Nguyễn Thị Hồng Nhung",
        "Đơn vị công tác: UBND xã Đại Đồng",
        TITLE,
        "Đạt Giải Ba",
        "Cuộc thi sáng kiến cải cách hành chính tỉnh Bắc Ninh năm 2026",
        "Bắc Ninh, ngày 25 tháng 11 năm 2026",
        f"Mã xác thực: {data.verification_code}",
        "https://sangkien.example.vn/xac-thuc",
    ):
        assert unicodedata.normalize("NFC", expected) in text, expected


def test_decomposed_input_is_normalised() -> None:
    pdf = render_certificate(sample(author_name=unicodedata.normalize("NFD", "Nguyễn Thị Hồng Nhung")))
    assert "Nguyễn Thị Hồng Nhung" in pdf_text(pdf)


def test_rendering_is_deterministic() -> None:
    assert render_certificate(sample()) == render_certificate(sample())


def test_characters_outside_the_cached_subset_fall_back_to_the_full_font() -> None:
    pdf = render_certificate(sample(author_name="Nguyễn Thị Hồng Nhung (Ǆ)"))  # U+01C4, not Vietnamese
    assert "Ǆ" in pdf_text(pdf)


def test_long_title_is_wrapped() -> None:
    long_title = " ".join([TITLE] * 4)
    text = pdf_text(render_certificate(sample(title=long_title)))
    assert "Bộ phận Một cửa" in text


def test_dejavu_fallback_font() -> None:
    dejavu = FONT_CANDIDATES[-1]
    if not dejavu.exists():
        pytest.skip("DejaVu not installed")
    assert "Hồng Nhung" in pdf_text(render_certificate(sample(), fonts=dejavu))


def test_missing_fonts_raise_a_clear_error(tmp_path: Path) -> None:
    missing = FontFiles(tmp_path / "a.ttf", tmp_path / "b.ttf")
    with pytest.raises(CertificateFontError, match="Không tìm thấy phông chữ Unicode"):
        find_fonts([missing])


def test_date_line_leading_zeros() -> None:
    assert fmt.date_line_vi("Bắc Ninh", date(2026, 11, 25)) == "Bắc Ninh, ngày 25 tháng 11 năm 2026"
    assert fmt.date_line_vi("Bắc Ninh", date(2026, 2, 5)) == "Bắc Ninh, ngày 05 tháng 02 năm 2026"
    assert fmt.date_line_vi("Bắc Ninh", date(2026, 3, 9)) == "Bắc Ninh, ngày 09 tháng 3 năm 2026"


def test_verification_code_format_and_check() -> None:
    code = verification_code(SECRET, "bn-2026", "E001", 0)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", code)
    assert code == verification_code(SECRET, "bn-2026", "E001", 0)
    assert code != verification_code(SECRET, "bn-2026", "E001", 1)
    assert code != verification_code(SECRET, "bn-2026", "E002", 0)
    assert code != verification_code(b"another-secret-0123456789", "bn-2026", "E001", 0)
    assert verify_code(SECRET, "bn-2026", "E001", 0, code.lower().replace("-", " "))
    assert not verify_code(SECRET, "bn-2026", "E001", 1, code)
    assert not verify_code(SECRET, "bn-2026", "E001", 0, "nonsense")
    with pytest.raises(ValueError):
        verification_code(b"short", "bn-2026", "E001", 0)


def test_codes_are_not_ambiguous_between_fields() -> None:
    assert verification_code(SECRET, "a", "bc", 0) != verification_code(SECRET, "ab", "c", 0)


def test_normalise_code_forgives_look_alikes() -> None:
    assert normalise_code("abcd-efgh-jkmo") == "ABCD-EFGH-JKM0"
    assert normalise_code("iL00 0000 0000") == "1100-0000-0000"
    assert normalise_code("ABCD-EFGH-JKMU") is None  # U is not Crockford
    assert normalise_code("ABCD") is None


def test_bulk_zip() -> None:
    items = [
        sample(),
        sample(author_name="Trần Văn Đức", verification_code=verification_code(SECRET, "bn-2026", "E001", 1)),
        sample(),  # duplicate name gets a suffix rather than overwriting
    ]
    archive = zipfile.ZipFile(io.BytesIO(bulk_zip(items)))
    names = archive.namelist()
    code = items[0].verification_code.replace("-", "")
    assert names[0] == f"bn-2026-00123_nguyen-thi-hong-nhung_{code}.pdf"
    assert names[1].startswith("bn-2026-00123_tran-van-duc_")
    assert names[2] == f"bn-2026-00123_nguyen-thi-hong-nhung_{code}-2.pdf"
    assert "Trần Văn Đức" in pdf_text(archive.read(names[1]))
    assert bulk_zip(items) == bulk_zip(items)  # reproducible archive
    assert certificate_filename(items[0]) == names[0]


def test_bulk_zip_in_worker_processes_gives_the_same_archive() -> None:
    items = [sample(), sample(author_name="Trần Văn Đức")]
    assert bulk_zip(items, workers=2) == bulk_zip(items)


def test_explicit_missing_fonts_raise(tmp_path: Path) -> None:
    with pytest.raises(CertificateFontError):
        render_certificate(sample(), fonts=FontFiles(tmp_path / "a.ttf", tmp_path / "b.ttf"))


def test_a_certificate_carries_its_number_and_a_qr_code_of_its_verification_link() -> None:
    import segno
    from pypdf import PdfReader

    data = sample(document_number="003-1/GCN-SK2026")
    pdf = render_certificate(data)
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert "Số: 003-1/GCN-SK2026" in page.extract_text()
    drawn = page.get_contents().get_data()  # type: ignore[union-attr]
    modules = sum(sum(row) for row in segno.make(f"{data.verify_url}?code={data.verification_code}",
                                                  error="m").matrix)
    assert modules > 100 and drawn.count(b" re") > 50, "the QR code is drawn as filled squares"
