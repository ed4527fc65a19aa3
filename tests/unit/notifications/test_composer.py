"""Message templates: every kind in both languages, plain text unescaped, HTML escaped, a
province's own template first, a missing value refused."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from jinja2 import UndefinedError

from services.notifications.composer import HERE, Composer

PARAMS: dict[str, Any] = {
    "name": "Nguyễn Thị Hoa", "code": "CCHC26-0007", "title": "Một cửa <liên thông> & số hoá",
    "contest_name": "Cuộc thi sáng kiến CCHC 2026", "at": datetime(2026, 11, 30, 1, 5, tzinfo=UTC),
    "my_url": "http://portal/submission/my", "reason": "Nội dung trùng với sáng kiến đã công nhận",
    "signin_url": "http://portal/identity/signin", "count": 2, "queue_url": "http://portal/judging/",
    "items": [{"code": "CCHC26-0001", "title": "A", "contest_name": "K", "round_no": 1, "reassigned": False},
              {"code": "CCHC26-0002", "title": "B", "contest_name": "K", "round_no": 1, "reassigned": True}],
    "round_no": 1, "final_round": True, "rank": 2, "tier_name": "Giải Nhì", "total": 86.5,
    "certificates_url": "http://portal/awards/my", "results_url": "http://portal/awards/results",
    "link": "http://portal/identity/reset/abc", "expires_at": datetime(2026, 11, 30, 2, 5, tzinfo=UTC),
    "purpose": "signup", "old_email": "cu@example.vn", "new_email": "moi@example.vn",
    "deadline": datetime(2026, 12, 5, 16, 59, tzinfo=UTC), "pending": 3, "assigned": 5, "manual": False, "message": "",
    "criteria": [{"key": "novelty", "name": "Tính mới <sáng tạo>", "max_points": 30.0, "mean": 22.5},
                 {"key": "cost", "name": "Chi phí", "max_points": 10.0, "mean": None}],
    "comments": [{"criterion_name": "Tính mới <sáng tạo>", "text": "Cách làm mới & rõ"},
                 {"criterion_name": "", "text": "Nên thí điểm ở cấp xã"}],
    # replication of initiatives (adoption's messages)
    "unit": "UBND huyện Sóc Sơn", "lead_unit": "Sở Nội vụ", "due": date(2027, 3, 31), "is_lead": False, "units": 3,
    "unit_url": "http://portal/adoption/unit", "stage": "piloting", "copy": False,
    "plan_url": "http://portal/adoption/organiser/plans/p1",
}
KINDS = sorted({p.name.split(".")[0] for p in (HERE / "templates" / "mail").glob("*.jinja")} - {"_layout"})


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_kind_renders_in_both_languages(kind: str, lang: str) -> None:
    m = Composer("http://portal").compose(kind, lang, PARAMS)
    assert m.subject and "\n" not in m.subject
    greeting = "Kính gửi Nguyễn Thị Hoa," if lang == "vi" else "Dear Nguyễn Thị Hoa,"
    assert m.text.startswith(greeting) and greeting in m.html
    assert "http://portal/notifications/preferences" in m.text  # how to choose what one receives
    assert "&amp;" not in m.text and "&lt;" not in m.text  # plain text is not HTML-escaped
    assert "<liên thông>" not in m.html  # HTML is
    assert f'<html lang="{lang}">' in m.html


def test_the_receipt_says_what_was_received() -> None:
    m = Composer("http://portal").compose("receipt", "vi", PARAMS)
    assert m.subject == "Đã nhận sáng kiến CCHC26-0007: Một cửa <liên thông> & số hoá"
    assert "Mã hồ sơ (biên nhận): CCHC26-0007" in m.text
    assert "30/11/2026 08:05" in m.text  # Vietnam time


def test_a_judge_digest_lists_each_assignment_and_says_which_are_reassignments() -> None:
    m = Composer("http://portal").compose("assignments", "en", PARAMS)
    assert "CCHC26-0001 – A (K, round 1)\n" in m.text
    assert "CCHC26-0002 – B (K, round 1) – taking over from another judge" in m.text


def test_a_provinces_template_comes_first(tmp_path: Path) -> None:
    (tmp_path / "receipt.vi.jinja").write_text(
        '{% extends "_layout.vi.jinja" %}{% block subject %}Sở Nội vụ đã nhận {{ code }}{% endblock %}'
        '{% block body %}<p>Cảm ơn.</p>{% endblock %}{% block text %}Cảm ơn.{% endblock %}', encoding="utf-8")
    c = Composer("http://portal", tmp_path)
    assert c.compose("receipt", "vi", PARAMS).subject == "Sở Nội vụ đã nhận CCHC26-0007"
    assert c.compose("receipt", "en", PARAMS).subject.startswith("Initiative CCHC26-0007 received")  # not overridden


def test_a_template_naming_a_missing_value_fails_instead_of_sending_a_blank() -> None:
    with pytest.raises(UndefinedError):
        Composer("http://portal").compose("receipt", "vi", {"name": "A"})
