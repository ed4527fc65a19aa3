"""The official result as XLSX and CSV, for the award decision (quyết định khen thưởng).

Both come from the rows of the computed result (:func:`~.result_hash.result_rows`), joined
with details the result deliberately leaves out (receipt code, unit, authors: personal data
that need not be in the published, hashed inputs).

Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``) is
neutralised: stored as text in XLSX, prefixed with ``'`` in CSV.  Titles are typed by
participants, so this is a real injection path into the organiser's Excel.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .ranking import DEFAULT_CRITERION_LABELS
from .result_hash import ResultRow


@dataclass(frozen=True, slots=True)
class EntryDetails:
    """Per-entry facts for the export that are not part of the ranking inputs."""

    code: str = ""  # mã hồ sơ; the entry id is used when empty
    unit: str = ""
    authors: tuple[str, ...] = ()


BASE_HEADERS: tuple[str, ...] = (
    "Hạng",
    "Giải",
    "Tiền thưởng (đồng)",
    "Mã hồ sơ",
    "Tên sáng kiến",
    "Lĩnh vực",
    "Đơn vị",
    "Tác giả",
    "Số giám khảo",
    "Điểm chính thức",
    "Điểm trung bình",
)
_SCORE_FORMAT = "0.00"
_FORMATS: Mapping[int, str] = {0: "0", 2: "#,##0", 8: "0", 9: _SCORE_FORMAT, 10: _SCORE_FORMAT}
_WIDTHS: tuple[int, ...] = (7, 18, 16, 16, 60, 24, 32, 36, 12, 14, 14)
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Value = str | int | float


def _criteria(rows: Sequence[ResultRow], criteria: Sequence[str] | None) -> list[str]:
    """Explicit order, else the default rubric's order followed by any other keys (sorted)."""
    if criteria is not None:
        return list(criteria)
    present = {key for row in rows for key in row.criterion_means}
    ordered = [key for key in DEFAULT_CRITERION_LABELS if key in present]
    return ordered + sorted(present - set(ordered))


def result_table(
    rows: Sequence[ResultRow],
    details: Mapping[str, EntryDetails] | None = None,
    *,
    criteria: Sequence[str] | None = None,
    criterion_labels: Mapping[str, tuple[str, str]] | None = None,
    awarded_only: bool = False,
) -> tuple[list[str], list[list[Value]]]:
    """Header and values shared by both formats (missing criterion scores are ``""``)."""
    keys = _criteria(rows, criteria)
    labels = DEFAULT_CRITERION_LABELS if criterion_labels is None else criterion_labels
    header = [*BASE_HEADERS, *(labels.get(k, (k, k))[0] for k in keys)]
    info = details or {}
    table: list[list[Value]] = []
    for row in rows:
        if awarded_only and row.tier_key is None:
            continue
        extra = info.get(row.entry_id, EntryDetails())
        values: list[Value] = [
            row.position,
            row.tier_name or "",
            row.prize_vnd,
            extra.code or row.entry_id,
            row.title,
            row.category,
            extra.unit,
            "; ".join(extra.authors),
            row.judges_count,
            round(row.official_total, 2),
            round(row.mean_total, 2),
        ]
        values.extend(round(row.criterion_means[k], 2) if k in row.criterion_means else "" for k in keys)
        table.append(values)
    return header, table


def export_xlsx(
    rows: Sequence[ResultRow],
    details: Mapping[str, EntryDetails] | None = None,
    *,
    criteria: Sequence[str] | None = None,
    criterion_labels: Mapping[str, tuple[str, str]] | None = None,
    awarded_only: bool = False,
    sheet_title: str = "Kết quả",
) -> bytes:
    """XLSX workbook: one sheet, Vietnamese header row, frozen header, filters, number formats.

    Written in openpyxl's write-only mode so a 100,000-row national result stays in bounded
    memory."""
    header, table = result_table(
        rows, details, criteria=criteria, criterion_labels=criterion_labels, awarded_only=awarded_only
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    for index, width in enumerate((*_WIDTHS, *([14] * (len(header) - len(_WIDTHS)))), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(table) + 1}"

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FCE4D6")
    wrap = Alignment(wrap_text=True, vertical="center")
    header_cells = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font, cell.fill, cell.alignment = bold, fill, wrap
        header_cells.append(cell)
    sheet.append(header_cells)

    score_columns = range(len(BASE_HEADERS), len(header))
    for values in table:
        cells = []
        for column, value in enumerate(values):
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=_ILLEGAL_XML.sub("", value))
                cell.data_type = "s"  # never a formula, whatever the text starts with
            else:
                cell = WriteOnlyCell(sheet, value=value)
                number_format = _FORMATS.get(column) or (_SCORE_FORMAT if column in score_columns else None)
                if number_format:
                    cell.number_format = number_format
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def export_csv(
    rows: Sequence[ResultRow],
    details: Mapping[str, EntryDetails] | None = None,
    *,
    criteria: Sequence[str] | None = None,
    criterion_labels: Mapping[str, tuple[str, str]] | None = None,
    awarded_only: bool = False,
    delimiter: str = ",",
    decimal_comma: bool = False,
) -> bytes:
    """CSV in UTF-8 **with BOM**, which is what makes Excel read Vietnamese correctly.

    Excel under Vietnamese regional settings expects ``;`` between fields and a decimal
    comma: pass ``delimiter=";", decimal_comma=True`` for those users."""
    header, table = result_table(
        rows, details, criteria=criteria, criterion_labels=criterion_labels, awarded_only=awarded_only
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for values in table:
        out: list[str] = []
        for value in values:
            if isinstance(value, str):
                out.append(_csv_text(value))
            elif isinstance(value, float):
                text = f"{value:.2f}"
                out.append(text.replace(".", ",") if decimal_comma else text)
            else:
                out.append(str(value))
        writer.writerow(out)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
