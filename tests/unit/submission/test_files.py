"""Signed judge links and per-document write queues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

from services.submission.files import content_disposition, judge_path, valid_signature

SECRET = b"unit-test-secret-key"
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _parts(path: str) -> tuple[str, str, int, str]:
    url = urlparse(path)
    q = {k: v[0] for k, v in parse_qs(url.query).items()}
    return url.path.rsplit("/", 1)[-1], q["entry"], int(q["exp"]), q["sig"]


def test_a_judge_link_is_valid_until_it_expires_and_only_for_its_file_and_entry() -> None:
    file_id, entry, exp, sig = _parts(judge_path(SECRET, "f1", "e1", NOW + timedelta(days=1)))
    assert (file_id, entry) == ("f1", "e1")
    assert valid_signature(SECRET, "f1", "e1", exp, sig, NOW)
    assert not valid_signature(SECRET, "f1", "e1", exp, sig, NOW + timedelta(days=2)), "expired"
    assert not valid_signature(SECRET, "f2", "e1", exp, sig, NOW), "another file"
    assert not valid_signature(SECRET, "f1", "e2", exp, sig, NOW), "another entry"
    assert not valid_signature(SECRET, "f1", "e1", exp + 86400, sig, NOW), "a stretched expiry"
    assert not valid_signature(b"another-secret-key", "f1", "e1", exp, sig, NOW)


def test_download_names_keep_vietnamese_and_stay_header_safe() -> None:
    header = content_disposition('Báo cáo "kết quả".pdf')
    assert header.startswith('attachment; filename="B')
    assert "filename*=UTF-8''B%C3%A1o%20c%C3%A1o" in header
    assert "\n" not in header
