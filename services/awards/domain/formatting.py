"""Number and date formatting shared by explanations, certificates and exports.

Kept in one place so that a score shown in an explanation, on a certificate and in the
exported result is always written the same way (Vietnamese uses a decimal comma and a dot
as thousands separator)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from shared.coded import CodedError

#: Vietnam has not observed daylight saving time since 1975, so a fixed offset is exact and
#: avoids depending on the system tz database.
VN_TZ = timezone(timedelta(hours=7), "ICT")


def round2(value: float) -> float:
    """Round as official scores are shown (2 decimals); all score comparisons use this."""
    return round(value, 2)


def score_vi(value: float) -> str:
    """``85.333`` -> ``"85,33"``."""
    return f"{value:.2f}".replace(".", ",")


def score_en(value: float) -> str:
    """``85.333`` -> ``"85.33"``."""
    return f"{value:.2f}"


def threshold_vi(value: float) -> str:
    """Minimum scores are usually whole numbers: ``70.0`` -> ``"70"``, ``72.5`` -> ``"72,5"``."""
    return threshold_en(value).replace(".", ",")


def threshold_en(value: float) -> str:
    """``70.0`` -> ``"70"``, ``72.5`` -> ``"72.5"``."""
    text = f"{round2(value):.2f}".rstrip("0").rstrip(".")
    return text or "0"


def vnd(amount: int) -> str:
    """``10000000`` -> ``"10.000.000"`` (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".")


def datetime_vi(moment: datetime) -> str:
    """Local Vietnamese time to the second, e.g. ``"08:15:00 ngày 20/10/2026"``: submissions
    in the last-minute rush differ by seconds, and a tie broken by them must show it."""
    local = moment.astimezone(VN_TZ)
    return f"{local:%H:%M:%S} ngày {local:%d/%m/%Y}"


def datetime_en(moment: datetime) -> str:
    """Local time with its offset, e.g. ``"2026-10-20 08:15:00 (UTC+7)"``."""
    local = moment.astimezone(VN_TZ)
    return f"{local:%Y-%m-%d %H:%M:%S} (UTC+7)"


def date_line_vi(place: str, day: date) -> str:
    """Date line of an administrative document, e.g. ``"Bắc Ninh, ngày 25 tháng 11 năm 2026"``.

    Decree 30/2020/NĐ-CP asks for a leading zero on days below 10 and on months 1 and 2
    (so that they cannot be altered by hand): ``"ngày 05 tháng 02 năm 2026"``."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def utc_iso(moment: datetime) -> str:
    """Canonical UTC timestamp with microseconds: one spelling per instant, for hashing."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CodedError("time.naive")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_utc_iso(text: str) -> datetime:
    """Inverse of :func:`utc_iso` (``fromisoformat``: ~10x faster than ``strptime``)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise CodedError("time.no_zone", text=text)
    return moment
