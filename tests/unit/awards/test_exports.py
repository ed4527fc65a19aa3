from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from services.awards.domain.exports import BASE_HEADERS, EntryDetails, export_csv, export_xlsx
from services.awards.domain.result_hash import ResultRow, compute_official, result_rows

from .factories import entry, standard_structure


def rows() -> list[ResultRow]:
    entries = [
        entry(
            "E1",
            92.456,
            title="Số hoá quy trình tiếp nhận hồ sơ đất đai",
            criteria={"novelty": 25.5, "effectiveness": 37.25, "applicability": 18.0, "presentation": 9.0},
        ),
        entry(
            "E2",
            75.0,
            title='=HYPERLINK("http://evil.example")',
            criteria={"novelty": 20.0, "effectiveness": 30.0, "applicability": 15.0, "presentation": 8.0},
            judges=(70.0, 80.0),
        ),
        entry(
            "E3",
            50.0,
            title="Sổ tay điện tử",
            criteria={"novelty": 10.0, "effectiveness": 20.0, "applicability": 10.0, "presentation": 5.0},
        ),
    ]
    inputs, result, _ = compute_official(entries, 1, standard_structure())
    return result_rows(result, inputs)


DETAILS = {
    "E1": EntryDetails("BN-2026-00001", "Sở Tài nguyên và Môi trường", ("Nguyễn Thị Hồng Nhung", "Lê Văn An")),
    "E2": EntryDetails("BN-2026-00002", "UBND xã Đại Đồng", ("Phạm Minh Châu",)),
}


def test_xlsx_reopens_with_expected_cells() -> None:
    data = export_xlsx(rows(), DETAILS)
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header == [
        *BASE_HEADERS,
        "Tính mới, tính sáng tạo",
        "Tính hiệu quả",
        "Khả năng áp dụng, nhân rộng",
        "Hình thức trình bày",
    ]
    assert header[:4] == ["Hạng", "Giải", "Tiền thưởng (đồng)", "Mã hồ sơ"]
    first = [c.value for c in sheet[2]]
    assert first[:11] == [
        1,
        "Giải Nhất",
        10_000_000,
        "BN-2026-00001",
        "Số hoá quy trình tiếp nhận hồ sơ đất đai",
        "thu-tuc-hanh-chinh",
        "Sở Tài nguyên và Môi trường",
        "Nguyễn Thị Hồng Nhung; Lê Văn An",
        3,
        92.46,
        92.46,
    ]
    assert first[11:] == [25.5, 37.25, 18.0, 9.0]
    assert sheet["J2"].number_format == "0.00"
    assert sheet["C2"].number_format == "#,##0"
    assert sheet["A2"].number_format == "0"
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 4
    # The participant-typed title is text, never a formula.
    assert sheet["E3"].value == '=HYPERLINK("http://evil.example")'
    assert sheet["E3"].data_type == "s"
    assert sheet["I3"].value == 2  # judges' count
    # No prize and no details: empty tier, entry id as code.
    assert [sheet["B4"].value, sheet["D4"].value, sheet["G4"].value] == [None, "E3", None]


def test_xlsx_awarded_only() -> None:
    sheet = load_workbook(io.BytesIO(export_xlsx(rows(), DETAILS, awarded_only=True))).active
    assert sheet is not None and sheet.max_row == 3


def test_csv_has_bom_and_vietnamese() -> None:
    data = export_csv(rows(), DETAILS)
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][:3] == ["Hạng", "Giải", "Tiền thưởng (đồng)"]
    assert table[1][:5] == ["1", "Giải Nhất", "10000000", "BN-2026-00001", "Số hoá quy trình tiếp nhận hồ sơ đất đai"]
    assert table[1][9] == "92.46"
    assert table[2][4] == '\'=HYPERLINK("http://evil.example")'
    assert len(table) == 4


def test_csv_for_vietnamese_regional_settings() -> None:
    data = export_csv(rows(), DETAILS, delimiter=";", decimal_comma=True)
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert table[1][9] == "92,46"
    assert table[1][7] == "Nguyễn Thị Hồng Nhung; Lê Văn An"
