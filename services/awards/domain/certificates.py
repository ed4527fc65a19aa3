"""Award certificates (Giấy chứng nhận) as PDF, verification codes and bulk ZIP download.

Speed: fpdf2 parses the whole TTF when a font is added and subsets it with fontTools when the
document is written; with a full Noto Serif that is ~45 ms per certificate.  We therefore
subset each font *once* to the Latin + Vietnamese repertoire (~600 glyphs instead of ~3,000),
keep it in a content-addressed file in the temp directory (shared by worker processes,
written atomically), and add that small font to every document: ~15-20 ms per certificate on
one core.  A certificate containing a character outside that repertoire (a foreign name, say)
falls back to the full font, so text is never lost, only slower.

Text is NFC-normalised before drawing: Vietnamese typed in decomposed form (base letter plus
combining marks) would otherwise be drawn without shaping and the marks could sit badly.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import re
import tempfile
import threading
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import segno
from fontTools import subset as ft_subset  # type: ignore[import-untyped]
from fontTools import ttLib
from fpdf import FPDF

from . import formatting as fmt

# --- fonts ------------------------------------------------------------------------------


class CertificateFontError(RuntimeError):
    """No usable Unicode TTF font: certificates cannot be rendered with correct diacritics."""


#: Who signs when the organisers named no title: the form the decree's documents use.
DEFAULT_SIGNER_TITLE = "TRƯỞNG BAN TỔ CHỨC"


@dataclass(frozen=True, slots=True)
class FontFiles:
    """A regular and a bold TTF of one family."""

    regular: Path
    bold: Path

    def exists(self) -> bool:
        return self.regular.is_file() and self.bold.is_file()


FONT_CANDIDATES: tuple[FontFiles, ...] = (
    FontFiles(
        Path("/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf"),
        Path("/usr/share/fonts/truetype/noto/NotoSerif-Bold.ttf"),
    ),
    FontFiles(
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ),
)


def find_fonts(candidates: Sequence[FontFiles] = FONT_CANDIDATES) -> FontFiles:
    """First candidate whose two files exist (Noto Serif, then DejaVu Sans)."""
    for candidate in candidates:
        if candidate.exists():
            return candidate
    tried = ", ".join(f"{c.regular} + {c.bold}" for c in candidates)
    raise CertificateFontError(
        "Không tìm thấy phông chữ Unicode để in giấy chứng nhận tiếng Việt "
        f"(no Unicode TTF font found; tried {tried}). "
        "Cài gói fonts-noto-core hoặc fonts-dejavu-core."
    )


#: Codepoints every certificate may need: ASCII, Latin-1, Latin Extended-A, Ơ ơ Ư ư, the
#: combining marks Vietnamese uses, Latin Extended Additional (ạ ả ấ ... ỹ), punctuation
#: (– — ‘ ’ “ ” …), ₫ € and №.
VIETNAMESE_REPERTOIRE: frozenset[int] = frozenset(
    [
        *range(0x20, 0x7F),
        *range(0xA0, 0x180),
        0x1A0,
        0x1A1,
        0x1AF,
        0x1B0,
        *range(0x300, 0x310),
        0x323,
        *range(0x1EA0, 0x1EFA),
        *range(0x2010, 0x2028),
        0x20AB,
        0x20AC,
        0x2116,
    ]
)
_SUBSET_VERSION = "1"


@dataclass(frozen=True, slots=True)
class _PreparedFonts:
    full: FontFiles
    small: FontFiles | None
    coverage: frozenset[str]  # characters both small fonts can draw


_prepared: dict[FontFiles, _PreparedFonts] = {}
_prepare_lock = threading.Lock()


def _subset_font(source: Path, target: Path) -> frozenset[int]:
    font = ttLib.TTFont(source, recalcTimestamp=False)
    options = ft_subset.Options()
    options.notdef_outline = True
    options.recommended_glyphs = True
    options.glyph_names = True  # spares fontTools from synthesising names on every load
    options.name_IDs = ["*"]
    options.layout_features = []
    options.hinting = False
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "hdmx", "FFTM"]
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(VIETNAMESE_REPERTOIRE))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(buffer.getvalue())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; other service users may share the cache
        os.replace(tmp, target)  # atomic: concurrent workers never see a half-written font
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return frozenset(font.getBestCmap())


def _cache_name(source: Path, style: str) -> str:
    stat = source.stat()
    key = f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{ft_subset.__name__}|{_SUBSET_VERSION}"
    return f"{source.stem}-{style}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.ttf"


def _load_coverage(path: Path) -> frozenset[int]:
    return frozenset(ttLib.TTFont(path, lazy=True).getBestCmap())


def _prepare(fonts: FontFiles) -> _PreparedFonts:
    """Subset ``fonts`` once per process (and once per machine via the temp-dir cache)."""
    with _prepare_lock:
        prepared = _prepared.get(fonts)
        if prepared is not None:
            return prepared
        try:
            cache_dir = Path(tempfile.gettempdir()) / "contest-awards-fonts"
            cache_dir.mkdir(exist_ok=True)
            coverages: list[frozenset[int]] = []
            small_paths: list[Path] = []
            for source, style in ((fonts.regular, "regular"), (fonts.bold, "bold")):
                target = cache_dir / _cache_name(source, style)
                coverages.append(_load_coverage(target) if target.is_file() else _subset_font(source, target))
                small_paths.append(target)
            coverage = frozenset(chr(c) for c in coverages[0] & coverages[1])
            prepared = _PreparedFonts(fonts, FontFiles(small_paths[0], small_paths[1]), coverage)
        except Exception:  # read-only temp dir, odd font...: correct but slower
            prepared = _PreparedFonts(fonts, None, frozenset())
        _prepared[fonts] = prepared
        return prepared


# --- certificate ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CertificateData:
    """What one certificate says.  One certificate per author of an awarded entry."""

    issuing_body: str  # e.g. "SỞ NỘI VỤ TỈNH BẮC NINH"
    author_name: str
    unit: str
    title: str  # the initiative's title
    tier_name: str  # e.g. "Giải Ba"
    contest_name: str  # e.g. "Cuộc thi sáng kiến cải cách hành chính tỉnh Bắc Ninh năm 2026"
    place: str  # for the date line, e.g. "Bắc Ninh"
    issued_on: date
    verification_code: str
    verify_url: str  # where anyone can check the code
    entry_code: str = ""  # mã hồ sơ
    governing_body: str = ""  # optional line above the issuing body, e.g. "UBND TỈNH BẮC NINH"
    signer_title: str = DEFAULT_SIGNER_TITLE
    signer_name: str = ""
    document_number: str = ""  # e.g. "003-1/GCN-SK2026": position in the official result, author, contest


_RED = (150, 20, 20)
_DARK = (25, 25, 25)
_PAGE_W = 297.0
_PAGE_H = 210.0


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _texts(data: CertificateData) -> list[str]:
    return [
        data.issuing_body,
        data.author_name,
        data.unit,
        data.title,
        data.tier_name,
        data.contest_name,
        data.place,
        data.verification_code,
        data.verify_url,
        data.entry_code,
        data.governing_body,
        data.signer_title,
        data.signer_name,
        data.document_number,
    ]


def _fit_size(pdf: FPDF, text: str, width: float, size: float, min_size: float, max_lines: int) -> float:
    """Largest font size (down to ``min_size``) at which ``text`` should fit in ``max_lines``.

    Estimated from the string width with a 10 % allowance for word wrapping (the block
    keeps the page layout from overflowing into the signature area): fpdf2's
    ``multi_cell(dry_run=True)`` measures character by character and was a fifth of the
    rendering time."""
    allowance = 1.0 if max_lines == 1 else 0.9
    while size > min_size:
        pdf.set_font_size(size)
        if pdf.get_string_width(text) <= allowance * (width - 2 * pdf.c_margin) * max_lines:
            return size
        size -= 1
    return min_size


def _text_block(pdf: FPDF, width: float, height: float, text: str, align: str = "C") -> None:
    """``cell`` when the text fits on one line (cheap), ``multi_cell`` only to wrap it."""
    if pdf.get_string_width(text) <= width - 2 * pdf.c_margin:
        pdf.cell(width, height, text, align=align, new_x="LEFT", new_y="NEXT")
    else:
        pdf.multi_cell(width, height, text, align=align, new_x="LEFT", new_y="NEXT")


def render_certificate(data: CertificateData, *, fonts: FontFiles | None = None) -> bytes:
    """One A4-landscape certificate as PDF bytes, with the Unicode font embedded (subset).

    Deterministic: the PDF creation date is the issue date, so the same data gives the same
    bytes (handy for caching and for tests)."""
    if fonts is not None and not fonts.exists():
        raise CertificateFontError(f"Không tìm thấy phông chữ (font not found): {fonts.regular}, {fonts.bold}")
    prepared = _prepare(fonts or find_fonts())
    texts = [_nfc(t) for t in _texts(data)]
    needed = set("".join(texts)) | set("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc")
    use = prepared.small if prepared.small is not None and needed <= prepared.coverage else prepared.full
    (
        issuing_body,
        author_name,
        unit,
        title,
        tier_name,
        contest_name,
        place,
        code,
        verify_url,
        entry_code,
        governing_body,
        signer_title,
        signer_name,
        number,
    ) = texts

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_creation_date(datetime.combine(data.issued_on, time(8, 0), tzinfo=fmt.VN_TZ))
    pdf.set_title("Giấy chứng nhận")
    pdf.set_lang("vi")
    pdf.add_font("Cert", "", str(use.regular))
    pdf.add_font("Cert", "B", str(use.bold))
    for font in pdf.fonts.values():
        # Glyph boxes in our font files are already right; without this fontTools unpacks and
        # re-encodes every embedded glyph to recompute them (about half the rendering time).
        ttfont = getattr(font, "ttfont", None)
        if ttfont is not None:
            ttfont.recalcBBoxes = False
    pdf.add_page()

    # Frame: a thick and a thin line, as on printed certificates.
    pdf.set_draw_color(*_RED)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, _PAGE_W - 16, _PAGE_H - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, _PAGE_W - 22, _PAGE_H - 22)

    # Header: issuing body on the left, national title and motto on the right.
    pdf.set_text_color(*_DARK)
    left_x, left_w, right_x, right_w = 16.0, 120.0, 140.0, 142.0
    pdf.set_xy(left_x, 18)
    if governing_body:
        pdf.set_font("Cert", "", 12)
        pdf.cell(left_w, 6, governing_body, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Cert", "B", 12)
    _text_block(pdf, left_w, 6, issuing_body)
    underline_y = pdf.get_y() + 1
    pdf.line(left_x + left_w / 2 - 18, underline_y, left_x + left_w / 2 + 18, underline_y)
    if number:  # "Số: …" under the issuing body, as on an administrative document
        pdf.set_xy(left_x, underline_y + 2)
        pdf.set_font("Cert", "", 11)
        pdf.cell(left_w, 6, f"Số: {number}", align="C")

    pdf.set_xy(right_x, 18)
    pdf.set_font("Cert", "B", 12)
    pdf.cell(right_w, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Cert", "B", 13)
    motto = "Độc lập - Tự do - Hạnh phúc"
    pdf.cell(right_w, 7, motto, align="C", new_x="LEFT", new_y="NEXT")
    motto_w = pdf.get_string_width(motto)
    pdf.line(right_x + (right_w - motto_w) / 2, 31.5, right_x + (right_w + motto_w) / 2, 31.5)

    # Title and body, centred.
    body_x, body_w = 25.0, _PAGE_W - 50.0
    pdf.set_text_color(*_RED)
    pdf.set_font("Cert", "B", 34)
    pdf.set_xy(body_x, 44)
    pdf.cell(body_w, 16, "GIẤY CHỨNG NHẬN", align="C", new_x="LEFT", new_y="NEXT")

    pdf.set_text_color(*_DARK)
    pdf.set_font("Cert", "", 14)
    pdf.set_y(pdf.get_y() + 3)
    pdf.set_x(body_x)
    pdf.cell(body_w, 8, "Chứng nhận", align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Cert", "B", 22)
    _fit_size(pdf, author_name, body_w, 22, 14, 1)
    _text_block(pdf, body_w, 11, author_name)
    pdf.set_font("Cert", "", 13)
    unit_line = f"Đơn vị công tác: {unit}"
    _fit_size(pdf, unit_line, body_w, 13, 10, 1)
    _text_block(pdf, body_w, 7, unit_line)
    pdf.set_y(pdf.get_y() + 1)
    pdf.set_x(body_x)
    pdf.cell(body_w, 7, "Là tác giả sáng kiến", align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Cert", "B", 16)
    quoted = f"“{title}”"
    size = _fit_size(pdf, quoted, body_w, 16, 11, 3)
    _text_block(pdf, body_w, size * 0.5, quoted)
    pdf.set_y(pdf.get_y() + 2)
    pdf.set_x(body_x)
    pdf.set_text_color(*_RED)
    pdf.set_font("Cert", "B", 20)
    pdf.cell(body_w, 10, f"Đạt {tier_name}", align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_text_color(*_DARK)
    pdf.set_font("Cert", "", 13)
    size = _fit_size(pdf, contest_name, body_w, 13, 10, 2)
    _text_block(pdf, body_w, size * 0.5, contest_name)

    # Date line and signature block, bottom right.
    sign_x, sign_w = 165.0, 115.0
    pdf.set_xy(sign_x, 150)
    pdf.set_font("Cert", "", 12)
    pdf.cell(sign_w, 6, fmt.date_line_vi(place, data.issued_on), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Cert", "B", 12)
    pdf.cell(sign_w, 6, signer_title, align="C", new_x="LEFT", new_y="NEXT")
    if signer_name:
        pdf.set_xy(sign_x, 183)
        pdf.cell(sign_w, 6, signer_name, align="C")

    # Verification, bottom left.
    pdf.set_xy(18, 172)
    pdf.set_font("Cert", "", 10)
    if entry_code:
        pdf.cell(120, 5, f"Mã hồ sơ: {entry_code}", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Cert", "B", 10)
    pdf.cell(120, 5, f"Mã xác thực: {code}", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Cert", "", 10)
    link = f"{verify_url}?code={code}"
    _text_block(pdf, 100, 5, f"Tra cứu tính xác thực tại: {verify_url}", align="L")
    _qr(pdf, link, x=126, y=160, size=30)
    return bytes(pdf.output())


def _qr(pdf: FPDF, text: str, *, x: float, y: float, size: float) -> None:
    """A QR code of ``text`` drawn as vector squares (crisp in print, no image to embed).

    The mask is fixed: any mask gives a valid code, and choosing the best one took 5 ms of the
    certificate's ~15 (the bulk download makes thousands). Each row's runs of dark modules are
    drawn as one rectangle, all filled in one operation."""
    matrix = segno.make(text, error="m", mask=2).matrix
    cell = size / len(matrix)
    k, page_h = pdf.k, pdf.h
    ops: list[str] = []
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                ops.append(f"{(x + start * cell) * k:.2f} {(page_h - y - r * cell) * k:.2f} "
                           f"{(c - start) * cell * k:.2f} {-cell * k:.2f} re")
            else:
                c += 1
    pdf.set_fill_color(0, 0, 0)
    pdf._out(" ".join(ops) + " f")


# --- verification codes -----------------------------------------------------------------

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_CODE_CHARS = 12  # 60 bits: guessing a valid code for a given certificate is hopeless
MIN_SECRET_BYTES = 16


def verification_code(secret: bytes, contest_id: str, entry_id: str, author_index: int) -> str:
    """Code printed on a certificate, e.g. ``"7K3M-Q9TZ-0B4H"``.

    HMAC-SHA256 of the (contest, entry, author) triple, so codes cannot be forged without the
    secret yet can be recomputed (no table needed).  Crockford base32 avoids look-alike
    letters (no I, L, O, U) for people typing the code from paper."""
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"secret must be at least {MIN_SECRET_BYTES} bytes")
    if author_index < 0:
        raise ValueError("author_index must be >= 0")
    message = json.dumps(["certificate/1", contest_id, entry_id, author_index], ensure_ascii=False)
    digest = hmac.new(secret, message.encode("utf-8"), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big") >> (64 - 5 * _CODE_CHARS)
    chars = "".join(_CROCKFORD[(number >> (5 * i)) & 31] for i in reversed(range(_CODE_CHARS)))
    return "-".join(chars[i : i + 4] for i in range(0, _CODE_CHARS, 4))


def normalise_code(text: str) -> str | None:
    """Canonical ``XXXX-XXXX-XXXX`` form of a typed code (case, spaces, dashes, O/I/L
    look-alikes forgiven), or ``None`` if it cannot be a code."""
    chars = re.sub(r"[\s\-]", "", text.upper()).translate(_CROCKFORD_ALIASES)
    if len(chars) != _CODE_CHARS or any(c not in _CROCKFORD for c in chars):
        return None
    return "-".join(chars[i : i + 4] for i in range(0, _CODE_CHARS, 4))


def verify_code(secret: bytes, contest_id: str, entry_id: str, author_index: int, code: str) -> bool:
    """Constant-time check of a typed code against the expected one."""
    typed = normalise_code(code)
    expected = verification_code(secret, contest_id, entry_id, author_index)
    return typed is not None and hmac.compare_digest(typed, expected)


# --- bulk download ----------------------------------------------------------------------


def _slug(text: str) -> str:
    """ASCII file-name part: "Nguyễn Thị Hồng Nhung" -> "nguyen-thi-hong-nhung"."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def certificate_filename(data: CertificateData) -> str:
    parts = [_slug(data.entry_code), _slug(data.author_name), data.verification_code.replace("-", "")]
    return "_".join(p for p in parts if p) + ".pdf"


def bulk_zip(items: Iterable[CertificateData], *, workers: int = 1) -> bytes:
    """All certificates in one ZIP (e.g. for the organiser to print).

    PDFs are stored, not deflated (their streams are already compressed).  Entry dates are
    the issue date, so the archive is reproducible.  ``workers > 1`` renders in that many
    processes (rendering is CPU-bound; each worker prepares its fonts once)."""
    data = list(items)
    if workers > 1 and len(data) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            pdfs = list(pool.map(render_certificate, data, chunksize=max(1, len(data) // (workers * 4))))
    else:
        pdfs = [render_certificate(d) for d in data]
    buffer = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for item, pdf in zip(data, pdfs, strict=True):
            name = certificate_filename(item)
            stem, n = name.removesuffix(".pdf"), 2
            while name in used:
                name, n = f"{stem}-{n}.pdf", n + 1
            used.add(name)
            day = item.issued_on
            archive.writestr(zipfile.ZipInfo(name, (day.year, day.month, day.day, 0, 0, 0)), pdf)
    return buffer.getvalue()
