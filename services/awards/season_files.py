"""The season report as the page, the PDF and the spreadsheet show it: one list of sections
(title, column headers, rows of plain values), worded in the reader's language, so the three
say the same thing. Rows keep numbers and times as values: the spreadsheet stores numbers as
numbers, the page and the PDF format them."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fpdf import FPDF
from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.styles import Font

from services.awards.domain.certificates import find_fonts
from services.awards.domain.formatting import VN_TZ
from services.awards.explanations import CATALOG
from services.awards.season import Season
from shared.web.i18n import N_, fmt_datetime, fmt_number

Value = str | int | float | datetime | None

TITLE = N_("Báo cáo tổng kết cuộc thi")
MILESTONES = {"screening_done": N_("Hoàn thành thẩm định"), "judging_closed": N_("Kết thúc chấm điểm"),
              "announced": N_("Đã công bố kết quả")}
NO_GROUP = N_("Không ghi")
PAGE = N_("{contest} · Trang {page}/{pages}")
TOTAL = N_("Tổng cộng")


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    sheet: str  # a spreadsheet's sheet name (at most 31 characters)
    headers: tuple[str, ...]
    rows: Sequence[tuple[Value, ...]]
    notes: list[str] = field(default_factory=list)
    numeric: frozenset[int] = frozenset()  # columns right-aligned
    widths: tuple[float, ...] = ()  # the PDF's relative column widths, when the default does not fit


def _t(text: str, lang: str, **params: object) -> str:
    return CATALOG.format(text, lang, params) if params else CATALOG.gettext(text, lang)


def sections(s: Season, lang: str) -> list[Section]:
    r = s.report
    part, adoption, prizes = r.participation, r.adoption, r.prizes
    entries = _t(N_("Số sáng kiến"), lang)
    out = [
        Section("summary", _t(N_("Tổng quan"), lang), _t(N_("Tổng quan"), lang),
                (_t(N_("Chỉ tiêu"), lang), _t(N_("Giá trị"), lang)), [
                    (_t(N_("Số sáng kiến tham gia"), lang), part.total),
                    (_t(N_("Đủ điều kiện"), lang), part.eligible),
                    (_t(N_("Không đủ điều kiện"), lang), part.ineligible),
                    (_t(N_("Chưa thẩm định"), lang), part.waiting),
                    (_t(N_("Số đơn vị có sáng kiến"), lang), len(part.by_unit)),
                    (_t(N_("Số giải đã trao"), lang), prizes.count),
                    (_t(N_("Tổng tiền thưởng (đồng)"), lang), prizes.amount_vnd),
                    (_t(N_("Số đơn vị đã áp dụng sáng kiến"), lang), adoption.units_applying),
                ], numeric=frozenset({1})),
        Section("by_unit", _t(N_("Tham gia theo đơn vị"), lang), _t(N_("Theo đơn vị"), lang),
                (_t(N_("Đơn vị"), lang), entries, _t(N_("Biên chế"), lang), _t(N_("Trên 100 biên chế"), lang)),
                [(u.unit or "—", u.entries, u.headcount, u.per_100_staff) for u in part.by_unit]
                + [(_t(TOTAL, lang), part.total, None, None)],
                notes=[_t(N_("Tỷ lệ trên 100 biên chế chỉ tính cho đơn vị đã khai báo biên chế."), lang)],
                numeric=frozenset({1, 2, 3})),
        Section("by_category", _t(N_("Tham gia theo lĩnh vực"), lang), _t(N_("Theo lĩnh vực"), lang),
                (_t(N_("Lĩnh vực"), lang), entries),
                [(c.name or "—", c.entries) for c in part.by_category] + [(_t(TOTAL, lang), part.total)],
                numeric=frozenset({1})),
        Section("by_group", _t(N_("Tham gia theo đối tượng"), lang), _t(N_("Theo đối tượng"), lang),
                (_t(N_("Đối tượng"), lang), entries),
                [(c.name or _t(NO_GROUP, lang), c.entries) for c in part.by_group] + [(_t(TOTAL, lang), part.total)],
                numeric=frozenset({1})),
        Section("timeliness", _t(N_("Tiến độ"), lang), _t(N_("Tiến độ"), lang),
                (_t(N_("Mốc"), lang), _t(N_("Thời điểm"), lang), _t(N_("Số ngày sau hạn nộp"), lang)),
                [(_t(N_("Hạn nộp"), lang), r.timeliness.closes_at, 0 if r.timeliness.closes_at else None)]
                + [(_t(MILESTONES[m.key], lang), m.at, m.days) for m in r.timeliness.milestones],
                numeric=frozenset({2}), widths=(2.2, 2.0, 1.6)),
        Section("prizes", _t(N_("Kết quả giải thưởng"), lang), _t(N_("Giải thưởng"), lang),
                (_t(N_("Loại giải"), lang), _t(N_("Số giải"), lang), _t(N_("Tiền thưởng mỗi giải (đồng)"), lang),
                 _t(N_("Thành tiền (đồng)"), lang)),
                [((t.name_en or t.name) if lang == "en" else t.name, t.count, t.prize_vnd, t.amount_vnd)
                 for t in prizes.tiers] + [(_t(TOTAL, lang), prizes.count, None, prizes.amount_vnd)],
                notes=[] if prizes.announced else [_t(N_("Kết quả chưa được công bố."), lang)],
                numeric=frozenset({1, 2, 3})),
        Section("adoption", _t(N_("Nhân rộng đến nay"), lang), _t(N_("Nhân rộng"), lang),
                (_t(N_("Mã hồ sơ"), lang), _t(N_("Sáng kiến"), lang), _t(N_("Đơn vị được giao"), lang),
                 _t(N_("Đã nhận"), lang), _t(N_("Từ chối"), lang), _t(N_("Đã áp dụng"), lang)),
                [(s.entries.get(i.entry_id, {}).get("code") or i.entry_id, s.entries.get(i.entry_id, {}).get("title"),
                  i.assigned, i.accepted, i.declined, i.applied) for i in adoption.initiatives]
                + [(_t(TOTAL, lang), "", adoption.assigned, adoption.accepted, adoption.declined, adoption.applied)],
                notes=[_t(N_("Số liệu đến {at}."), lang, at=fmt_datetime(adoption.as_of, lang))
                       if adoption.as_of else _t(N_("Chưa có kế hoạch nhân rộng nào được ban hành."), lang)],
                numeric=frozenset({2, 3, 4, 5}), widths=(1.7, 3.2, 1.1, 1.0, 1.0, 1.0)),
    ]
    return out


def shown(value: Value, lang: str) -> str:
    """A value as the page and the PDF show it."""
    match value:
        case None:
            return "—"
        case datetime():
            return fmt_datetime(value, lang)
        case bool():
            return str(value)
        case int():
            return fmt_number(value, lang, 0)
        case float():
            return fmt_number(value, lang, 2)
    return str(value)


def hash_line(s: Season, lang: str) -> str:
    return _t(N_("Mã SHA-256 của dữ liệu đầu vào: {sha}"), lang, sha=s.report.inputs_sha256)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _moment(s: Season) -> datetime:
    """The PDF's creation date: the latest fact's time, so the same facts give the same file."""
    r = s.report
    known = [m.at for m in r.timeliness.milestones if m.at] + ([r.adoption.as_of] if r.adoption.as_of else [])
    return max(known, default=r.timeliness.closes_at or datetime(1970, 1, 1, tzinfo=UTC))


class _NumberedPDF(FPDF):
    """Pages numbered "Trang 2/3" at the foot: the report is printed, signed and filed."""

    def __init__(self, foot: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._foot = foot  # with "{page}", and fpdf's total-pages alias "{nb}"

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Report", "", 8)
        self.cell(0, 5, self._foot.replace("{page}", str(self.page_no())), align="C")


def render_pdf(s: Season, lang: str) -> bytes:
    """A4 portrait, Noto Serif embedded (as certificates), one table per section, pages numbered."""
    fonts = find_fonts()
    code = str(s.contest.get("code") or s.contest.get("name", ""))
    pdf = _NumberedPDF(_nfc(_t(PAGE, lang, contest=code, page="{page}", pages="{nb}")))
    pdf.set_creation_date(_moment(s).astimezone(VN_TZ))
    title = _t(TITLE, lang)
    pdf.set_title(_nfc(title))
    pdf.set_lang(lang)
    pdf.add_font("Report", "", str(fonts.regular))
    pdf.add_font("Report", "B", str(fonts.bold))
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    pdf.set_font("Report", "B", 15)
    pdf.multi_cell(0, 8, _nfc(title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Report", "B", 13)
    pdf.multi_cell(0, 7, _nfc(str(s.contest.get("name", ""))), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Report", "", 10)
    if s.contest.get("issuing_body"):
        pdf.multi_cell(0, 6, _nfc(str(s.contest["issuing_body"])), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for n, sec in enumerate(sections(s, lang), start=1):
        pdf.set_font("Report", "B", 12)
        pdf.multi_cell(0, 7, _nfc(f"{n}. {sec.title}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Report", "", 9.5)
        _table(pdf, sec, lang)
        pdf.ln(1)
        for note in sec.notes:
            pdf.set_font("Report", "", 9)
            pdf.multi_cell(0, 5, _nfc(note), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.set_font("Report", "", 8.5)
    pdf.multi_cell(0, 5, _nfc(hash_line(s, lang)), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _widths(sec: Section) -> tuple[float, ...]:
    """Text columns wide, figure columns narrow (unless the section says)."""
    return sec.widths or tuple(1.0 if i in sec.numeric else (2.4 if len(sec.headers) > 2 else 3.0)
                 for i in range(len(sec.headers)))


def _table(pdf: FPDF, sec: Section, lang: str) -> None:
    aligns = tuple("RIGHT" if i in sec.numeric else "LEFT" for i in range(len(sec.headers)))
    with pdf.table(col_widths=_widths(sec), text_align=aligns, line_height=5.5,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(235, 238, 242))) as table:
        table.row([_nfc(h) for h in sec.headers])
        for row in sec.rows:
            table.row([_nfc(shown(v, lang)) for v in row])


def render_xlsx(s: Season, lang: str) -> bytes:
    """One sheet per section; numbers stay numbers, times are Vietnam time without a zone."""
    wb = Workbook()
    wb.remove(wb.active)
    for sec in sections(s, lang):
        ws = wb.create_sheet(_sheet_name(sec.sheet))
        ws.append(list(sec.headers))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in sec.rows:
            ws.append([_cell(v) for v in row])
        for i, _ in enumerate(sec.headers, start=1):
            ws.column_dimensions[ws.cell(1, i).column_letter].width = 14 if i - 1 in sec.numeric else 40
        for note in [*sec.notes, hash_line(s, lang)]:
            ws.append([])
            ws.append([note])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value: Value) -> str | int | float | datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(VN_TZ).replace(tzinfo=None)
    return value


def _sheet_name(name: str) -> str:
    return "".join(c for c in name if c not in "[]:*?/\\")[:31]


def filename(s: Season, ext: str) -> str:
    return f"bao-cao-tong-ket-{s.contest['_id']}.{ext}"

