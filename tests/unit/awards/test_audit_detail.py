"""Audit rows read in the organiser's language, with prize names instead of tier keys."""

from __future__ import annotations

from services.awards.views import audit_detail

TIERS = [{"key": "third", "name": "Giải Ba", "name_en": "Third Prize"}]


def test_an_override_names_the_prize_in_each_language_and_keeps_the_reason() -> None:
    row = {"action": "override", "detail": "X: giải third",
           "facts": {"code": "A1-000001-QQ", "tier_key": "third", "position": None, "reason": "Trùng giải 2025"}}
    assert audit_detail(row, TIERS, "vi") == "A1-000001-QQ: Giải Ba. Lý do: Trùng giải 2025"
    assert audit_detail(row, TIERS, "en") == "A1-000001-QQ: Third Prize. Reason: Trùng giải 2025"
    no_prize = {**row, "facts": {**row["facts"], "tier_key": None, "position": 4}}
    assert audit_detail(no_prize, TIERS, "en") == "A1-000001-QQ: no prize, position 4. Reason: Trùng giải 2025"


def test_prize_set_reopen_and_rows_without_facts() -> None:
    assert audit_detail({"action": "prizes_set", "facts": {"tiers": 4, "late": True}}, TIERS, "en") == \
        "4 prize tiers (after judging closed)"
    assert audit_detail({"action": "round_reopened", "facts": {"round_no": 2, "reason": "Đóng nhầm"}}, [], "en") == \
        "Round 2: Đóng nhầm"
    assert audit_detail({"action": "prizes_set", "detail": "4 loại giải"}, TIERS, "en") == "4 loại giải"
